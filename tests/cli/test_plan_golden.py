"""Golden outputs of `tenantctl plan` (text, Markdown, JSON) for golden/before.yaml -> golden/after.yaml.

The pair exercises every kind of change a reviewer must see: a create with tags/policy/associations, a
create marked ``adopt: true``, updates of policy, tags, suppression and associations, a pause, a
reinstatement, a configuration set moving from one tenant to another, and two deletions within the guard.
"""

from __future__ import annotations

import json

import pytest
from cli_support import GOLDEN, check_golden, normalize


@pytest.fixture
def in_golden(monkeypatch):
    monkeypatch.chdir(GOLDEN)


@pytest.mark.parametrize(("fmt", "golden"), [("text", "plan.txt"), ("markdown", "plan.md"), ("json", "plan.json")])
def test_plan_matches_golden(cli, in_golden, fmt, golden):
    run = cli("plan", "after.yaml", "--against", "before.yaml", "--format", fmt)
    assert run.code == 0, run.err
    check_golden(golden, run.out)


def test_golden_json_content(cli, in_golden):
    """The JSON golden is not just stable but right: counts, actions, flags."""
    doc = json.loads(cli("plan", "after.yaml", "--against", "before.yaml", "--format", "json").out)
    assert doc["format_version"] == 1
    assert doc["summary"] == {
        "create": 2,
        "update": 3,
        "delete": 2,
        "adopt": 0,
        "unchanged": 1,
        "blocked": 0,
        "operations": 19,
        "estimated_calls": doc["flags"]["duration"]["estimated_calls"],
    }
    actions = {c["tenant"]: c["action"] for c in doc["changes"]}
    assert actions == {
        "legacy-one": "delete",
        "legacy-two": "delete",
        "acme": "update",
        "beta": "update",
        "gamma": "update",
        "newco": "create",
        "oldco-import": "create",
    }
    assert [c["tenant"] for c in doc["changes"][:2]] == ["legacy-one", "legacy-two"], "deletions come first"
    flags = doc["flags"]
    assert flags["deletions"] == {
        "count": 2,
        "tenants": ["legacy-one", "legacy-two"],
        "max_deletions": 2,
        "blocked_by_guard": False,
    }
    assert flags["pauses"] == [{"tenant": "beta", "from": "ENABLED", "to": "DISABLED"}]
    assert flags["resumes"] == [{"tenant": "gamma", "from": "DISABLED", "to": "REINSTATED"}]
    assert len(flags["moves"]) == 1
    move = flags["moves"][0]
    assert (move["resource"]["label"], move["from"], move["to"]) == (
        "configuration-set shared-transactional",
        ["acme"],
        ["beta"],
    )
    assert flags["adopt_if_exists"] == ["oldco-import"]
    assert flags["duration"]["exceeds_window"] is False
    acme = next(c for c in doc["changes"] if c["tenant"] == "acme")
    by_op = {o["op"]: o for o in acme["operations"]}
    assert (by_op["set_policy"]["old"], by_op["set_policy"]["new"]) == ("standard", "strict")
    assert by_op["put_suppression"]["new"] == {"scope": "TENANT", "reasons": ["BOUNCE", "COMPLAINT"]}
    assert by_op["untag"]["params"]["keys"] == ["cost-center"]
    assert doc["problems"] == []


def test_golden_text_reads_like_terraform(cli, in_golden):
    out = cli("plan", "after.yaml", "--against", "before.yaml").out
    lines = out.splitlines()
    assert lines[2].startswith("Summary: 2 to create, 3 to update, 2 to delete"), "summary comes first"
    assert "~ policy       standard → strict" in out
    assert "- association  configuration-set shared-transactional" in out
    assert "~ sending      ENABLED → DISABLED  (pause: sends are rejected)" in out
    assert "2 tenants will be DELETED: legacy-one, legacy-two" in out
    assert "\033[" not in out, "no colour when stdout is not a terminal"


def test_golden_markdown_structure(cli, in_golden):
    md = cli("plan", "after.yaml", "--against", "before.yaml", "--format", "markdown").out
    assert md.startswith("<!-- tenantctl-plan -->\n")
    table = md.index("| create | update | delete |")
    caution = md.index("> [!CAUTION]")
    details = md.index("<details")
    assert table < caution < details, "summary table, then the highlighted flags, then folded details"
    assert "> **2 tenants will be DELETED: `legacy-one`, `legacy-two`**" in md
    assert "> **1 tenant will be PAUSED (sending → DISABLED): every send is rejected**" in md
    assert md.count("<details") == 7 and md.count("</details>") == 7
    assert "<details open><summary><code>- legacy-one</code>" in md


def test_timestamps_are_normalized_and_reproducible(cli, in_golden, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    doc = json.loads(cli("plan", "after.yaml", "--against", "before.yaml", "--format", "json").out)
    assert doc["generated_at"] == "2026-01-01T00:00:00Z"
    assert normalize(doc["generated_at"]) == "<TIMESTAMP>"
