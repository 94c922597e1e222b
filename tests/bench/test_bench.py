"""bench/: the quick benchmark's cheapest section end to end (output format), and its pure helpers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from ses_tenants_engine.model import Resource, Spec, Suppression, TenantSpec

from bench import specgen
from bench.minimum import minimum_writes
from bench.synth import first_over, locate

ROOT = Path(__file__).resolve().parents[2]


def test_quick_plan_section_prints_the_table_and_exits_0(tmp_path) -> None:
    out = tmp_path / "rows.json"
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "plan", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ses-tenants bench (quick)")
    machine = r"machine: date \d{4}-\d\d-\d\d .*; nproc \d+; load average at start .*; memory .*; cpu .*; .*python 3\."
    assert re.match(machine, lines[1]), lines[1]
    header = next(i for i, line in enumerate(lines) if line.startswith("section"))
    assert lines[header].split() == ["section", "measurement", "value", "target", "result"]
    assert set(lines[header + 1].replace(" ", "")) == {"-"}
    rows = [line for line in lines[header + 2:] if line.startswith("plan ")]
    targets = [r for r in rows if r.rstrip().endswith(("PASS", "FAIL"))]
    assert len(targets) == 2  # plan ratio and validate ratio, each with a verdict
    for r in targets:
        assert re.search(r"\s\d+\.\d\d\s+<= [23]\.00\s+(PASS|FAIL)$", r), r
    assert re.search(r"\d+ rows ok, \d+ FAIL$", proc.stdout.strip())
    data = json.loads(out.read_text())
    assert data["mode"] == "quick" and data["machine"]["nproc"] == str(os.cpu_count())
    assert [r["status"] for r in data["rows"]].count("info") == 1
    assert "1 update, 999 unchanged" in {r["value"] for r in data["rows"]}
    assert "[bench] plan:" in proc.stderr  # progress goes to stderr, the table to stdout


def test_minimum_writes_of_a_first_deploy() -> None:
    spec = Spec(tenants=(
        TenantSpec("a", resources=(Resource("EMAIL_IDENTITY", "example.com"), Resource("CONFIGURATION_SET", "cs"))),
        TenantSpec("b", reputation_policy="strict", sending="DISABLED", tags={"k": "v"},
                   suppression=Suppression("TENANT", ("BOUNCE",))),
    ))
    assert minimum_writes(None, spec) == {
        "CreateTenant": 2,
        "CreateTenantResourceAssociation": 2,
        "UpdateReputationEntityPolicy": 1,
        "UpdateReputationEntityCustomerManagedStatus": 1,
    }
    assert minimum_writes(spec, spec) == {}


def test_minimum_writes_of_a_change() -> None:
    arn = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
    old = Spec(tenants=(
        TenantSpec("a", tags={"keep": "1", "drop": "x"}, resources=(Resource("EMAIL_IDENTITY", "example.com"),
                                                                    Resource("EMAIL_TEMPLATE", "t"))),
        TenantSpec("gone"),
    ))
    new = Spec(tenants=(
        # same identity by ARN (no call), template removed, set added; one tag removed, one changed
        TenantSpec("a", tags={"keep": "2"}, suppression=Suppression("ACCOUNT", ("BOUNCE", "COMPLAINT")),
                   resources=(Resource("EMAIL_IDENTITY", arn), Resource("CONFIGURATION_SET", "cs"))),
        TenantSpec("new", reputation_policy="none"),
    ))
    assert minimum_writes(old, new) == {
        "DeleteTenant": 1,
        "CreateTenant": 1,
        "UpdateReputationEntityPolicy": 1,
        "CreateTenantResourceAssociation": 1,
        "DeleteTenantResourceAssociation": 1,
        "TagResource": 1,
        "UntagResource": 1,
        "PutTenantSuppressionAttributes": 1,
    }


def test_one_change_changes_exactly_one_tenant() -> None:
    base = specgen.spec(300)
    changed = specgen.one_change(base)
    diff = [(a.name, b.name) for a, b in zip(base.tenants, changed.tenants, strict=True) if a != b]
    assert len(diff) == 1 and diff[0][0] == diff[0][1]
    assert sum(minimum_writes(base, changed).values()) == 2  # policy + one tag
    text = specgen.yaml_text(20)
    edited = specgen.changed_yaml_text(text, 20)
    assert len([1 for x, y in zip(text.splitlines(), edited.splitlines(), strict=True) if x != y]) == 1


def test_crossing_search_on_a_linear_measure() -> None:
    calls = []

    def measure(n: int) -> int:
        calls.append(n)
        return 1000 + 425 * n + (n % 7 == 0) * 60  # not exactly linear, like real tenants

    assert first_over(1_000_000, 1000, 425) == 2351
    n, seen = locate(measure, 1_000_000, first_over(1_000_000, 1000, 425), 425.0)
    assert n is not None and measure(n) > 1_000_000 >= measure(n - 1)
    assert len(seen) <= 6
