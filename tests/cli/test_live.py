"""Against the local SES endpoint over HTTP with real boto3: export -> validate -> plan --against live,
plan --against live, and status."""

from __future__ import annotations

import json

from cli_support import GOLDEN, create_resources, deploy
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY

import seslocal
from tenantctl.loader import load_spec


def _deployed(endpoint, ses):
    spec = load_spec(GOLDEN / "after.yaml").spec
    create_resources(ses, spec)
    deploy(endpoint, spec)
    return spec


def test_export_validate_plan_round_trip_shows_no_change(cli, endpoint, ses, tmp_path):
    _deployed(endpoint, ses)
    out = tmp_path / "exported.yaml"
    run = cli("export", "--endpoint-url", endpoint, "--deployment", "acme-mail", "-o", str(out))
    assert run.code == 0, run.err
    assert "wrote 6 tenants" in run.err and "(0 with adopt: true)" in run.err
    text = out.read_text()
    assert OWNERSHIP_TAG_KEY not in text, "the ownership tag is not a user tag"
    assert "    adopt: true" not in text

    assert cli("validate", str(out)).code == 0

    plan = cli("plan", str(out), "--against", "live", "--endpoint-url", endpoint, "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes." in plan.out and "6 tenants unchanged" in plan.out

    # The export carries every setting the deploy made: same tenants, policies, statuses, suppression, tags,
    # resources as the file that was deployed.
    exported = {t.name: t.fingerprint() for t in load_spec(out).spec.tenants}
    deployed = {t.name: t.fingerprint() for t in load_spec(GOLDEN / "after.yaml").spec.tenants}
    assert exported.keys() == deployed.keys()
    adopted = {"oldco-import"}  # deployed with adopt: true, exported as owned (adopt: false)
    assert {n for n in exported if exported[n] != deployed[n]} == adopted


def test_export_marks_unowned_tenants_for_adoption(cli, endpoint, ses, tmp_path):
    _deployed(endpoint, ses)
    ses.create_tenant(TenantName="legacy", Tags=[{"Key": "team", "Value": "0420"}])
    ses.create_tenant(TenantName="someone-elses", Tags=[{"Key": OWNERSHIP_TAG_KEY, "Value": "other"}])
    out = tmp_path / "exported.yaml"
    assert cli("export", "--endpoint-url", endpoint, "--deployment", "acme-mail", "-o", str(out)).code == 0
    text = out.read_text()
    assert "  # not managed by any ses-tenants deployment: adopt: true takes it over on the next deploy\n" in text
    assert "  # managed by deployment 'other': adopt: true takes it over on the next deploy\n" in text
    assert 'team: "0420"' in text, "a numeric-looking tag value stays a string"
    assert text.count("    adopt: true\n") == 2
    assert cli("validate", str(out)).code == 0

    plan = cli(
        "plan", str(out), "--against", "live", "--endpoint-url", endpoint, "--format", "json", "--detailed-exitcode"
    )
    assert plan.code == 2, plan.err
    doc = json.loads(plan.out)
    assert doc["against"]["kind"] == "live"
    # The only change is taking ownership: one TagResource with the ownership tag per adopted tenant.
    assert [(c["tenant"], c["action"], [o["op"] for o in c["operations"]]) for c in doc["changes"]] == [
        ("legacy", "adopt", ["adopt_tenant"]),
        ("someone-elses", "adopt", ["adopt_tenant"]),
    ]
    assert all(c["operations"][0]["params"]["tags"] == {OWNERSHIP_TAG_KEY: "acme-mail"} for c in doc["changes"])
    assert doc["flags"]["adoptions"] == ["legacy", "someone-elses"]

    # Once deployed, the plan is empty.
    deploy(endpoint, load_spec(out).spec)
    again = cli("plan", str(out), "--against", "live", "--endpoint-url", endpoint, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def test_plan_against_live_shows_drift_and_refuses_unowned(cli, endpoint, ses, monkeypatch, tmp_path):
    spec = _deployed(endpoint, ses)
    beta = next(t for t in spec.tenants if t.name == "beta")
    arn = ses.get_tenant(TenantName="beta")["Tenant"]["TenantArn"]
    # Someone re-enabled beta by hand and attached an extra template: the plan puts it back.
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="ENABLED"
    )
    assert beta.sending == "DISABLED"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)  # the standard environment instead of --endpoint-url
    run = cli("plan", str(GOLDEN / "after.yaml"), "--against", "live", "--detailed-exitcode")
    assert run.code == 2, run.err
    assert "~ beta  (update)" in run.out
    assert "~ sending      ENABLED → DISABLED  (pause: sends are rejected)" in run.out
    assert "1 tenant will be PAUSED" in run.out

    ses.create_tenant(TenantName="intruder")
    path = tmp_path / "with-intruder.yaml"
    path.write_text((GOLDEN / "after.yaml").read_text() + "  - name: intruder\n    sending: disabled\n")
    blocked = cli("plan", str(path), "--against", "live", "--detailed-exitcode")
    assert blocked.code == 1
    assert "set `adopt: true` on tenant 'intruder'" in blocked.out
    assert "tenantctl: the deploy would fail: 1 blocking problem" in blocked.err


def test_status_lists_statuses_with_two_paged_calls(cli, endpoint, ses):
    _deployed(endpoint, ses)
    seslocal.set_ses_managed_status("acme", "DISABLED", impact="HIGH")
    seslocal.reset_stats()
    run = cli("status", "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    calls = seslocal.stats()["operations"]
    assert set(calls) == {"ListTenants", "ListReputationEntities"}, calls
    lines = run.out.splitlines()
    assert lines[0].split() == ["TENANT", "CUSTOMER", "SES", "AGGREGATE", "POLICY", "IMPACT"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if line and not line.startswith(" ")}
    assert rows["acme"][1:] == ["ENABLED", "DISABLED", "DISABLED", "strict", "HIGH"]
    assert rows["beta"][1:4] == ["DISABLED", "ENABLED", "DISABLED"]
    assert rows["gamma"][1] == "REINSTATED"
    assert rows["newco"][4] == "none"
    assert (
        "6 tenants: 3 enabled, 2 disabled, 1 reinstated; paused by you: 1, paused by SES: 1, "
        "high reputation impact: 1" in run.out
    )
    assert "acme: paused by SES:" in run.out

    doc = json.loads(
        cli(
            "status", "--endpoint-url", endpoint, "--format", "json", "--filter", "paused-by-ses", "--filter", "paused"
        ).out
    )
    assert doc["format_version"] == 1
    assert sorted(t["tenant"] for t in doc["tenants"]) == ["acme", "beta"]
    assert doc["counts"]["paused_by_ses"] == 1 and doc["counts"]["paused"] == 1
    only = json.loads(cli("status", "--endpoint-url", endpoint, "--format", "json", "--tenant", "ga*").out)
    assert [t["tenant"] for t in only["tenants"]] == ["gamma"]


def test_status_paginates(cli, endpoint, ses):
    for i in range(130):  # more than one page of either list call
        ses.create_tenant(TenantName=f"t-{i:03d}")
    doc = json.loads(cli("status", "--endpoint-url", endpoint, "--format", "json").out)
    assert doc["counts"]["tenants"] == 130
    assert len({t["tenant"] for t in doc["tenants"]}) == 130


def test_unreachable_endpoint_is_one_clear_line(cli, monkeypatch):
    monkeypatch.setenv("SES_TENANTS_MAX_ATTEMPTS", "1")  # no retries with back-off: fail fast
    run = cli("status", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1")
    assert run.code == 1
    assert run.err.startswith("tenantctl: reading tenant status: cannot reach the SES endpoint")
    assert "Traceback" not in run.err
