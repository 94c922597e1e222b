"""``tenantctl apply`` against the local SES endpoint over HTTP (real boto3, the engine's own clients)."""

from __future__ import annotations

import io
from pathlib import Path

from cli_support import create_resources
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY

import seslocal
from tenantctl.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tenants.yaml"

SMALL = """\
version: 1
deployment: apply-test
settings:
  max_deletions: 1
tenants:
  - name: alpha
    reputation_policy: strict
    tags: {team: a}
    resources:
      identities: [example.com]
  - name: beta
    resources:
      identities: [example.com]
"""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def live_names(ses) -> set[str]:
    return {t["TenantName"] for p in ses.get_paginator("list_tenants").paginate() for t in p["Tenants"]}


def test_apply_example_then_nothing_to_do(cli, endpoint, ses):
    spec = load_spec(EXAMPLE).spec
    create_resources(ses, spec)
    run = cli("apply", str(EXAMPLE), "--yes", "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    assert "The account matches the spec." in run.out
    assert f"{len(spec.tenants)} created" in run.out
    assert live_names(ses) == {t.name for t in spec.tenants}
    again = cli("apply", str(EXAMPLE), "--yes", "--endpoint-url", endpoint)
    assert again.code == 0 and "Nothing to do" in again.out


def test_apply_refuses_without_terminal_and_writes_nothing(cli, endpoint, ses, tmp_path, monkeypatch):
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    seslocal.reset_stats()
    run = cli("apply", str(f), "--endpoint-url", endpoint)
    assert run.code == 1
    assert "standard input is not a terminal; pass --yes" in run.err
    assert "alpha" in run.out  # the plan was shown
    assert live_names(ses) == set()


def test_apply_asks_and_honours_the_answer(cli, endpoint, ses, tmp_path, monkeypatch):
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    monkeypatch.setattr("sys.stdin", Tty("no\n"))
    run = cli("apply", str(f), "--endpoint-url", endpoint)
    assert run.code == 0 and "Not applied." in run.out and "2 to create" in run.out
    assert live_names(ses) == set()
    monkeypatch.setattr("sys.stdin", Tty("yes\n"))
    run = cli("apply", str(f), "--endpoint-url", endpoint)
    assert run.code == 0 and "The account matches the spec." in run.out
    assert live_names(ses) == {"alpha", "beta"}
    tags = {t["Key"]: t["Value"] for t in ses.get_tenant(TenantName="alpha")["Tenant"]["Tags"]}
    assert tags == {"team": "a", OWNERSHIP_TAG_KEY: "apply-test"}


def test_apply_blocking_problem_exits_1_without_writes(cli, endpoint, ses, tmp_path):
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    ses.create_tenant(TenantName="beta")
    run = cli("apply", str(f), "--yes", "--endpoint-url", endpoint)
    assert run.code == 1
    assert "not applying" in run.err and "'beta'" in run.err and "adopt: true" in run.err
    assert live_names(ses) == {"beta"}


def test_apply_since_reads_only_changed_tenants_and_prunes_last(cli, endpoint, ses, tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    assert cli("apply", str(old), "--yes", "--endpoint-url", endpoint).code == 0
    new = tmp_path / "new.yaml"
    new.write_text(SMALL.replace("reputation_policy: strict", "reputation_policy: none").split("  - name: beta")[0])
    seslocal.reset_stats()
    run = cli("apply", str(new), "--yes", "--since", str(old), "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    assert "1 updated" in run.out and "1 deleted" in run.out
    ops = seslocal.stats()["operations"]
    assert "ListTenants" not in ops  # incremental: only alpha and beta were read
    assert ops["GetTenant"]["calls"] == 2 and ops["DeleteTenant"]["ok"] == 1
    assert live_names(ses) == {"alpha"}


def test_apply_invalid_spec_and_missing_file(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  - name: 'no spaces allowed'\n")
    run = cli("apply", str(bad), "--yes", "--endpoint-url", "http://127.0.0.1:9")
    assert run.code == 1 and "bad.yaml:3:" in run.err
    run = cli("apply", str(tmp_path / "absent.yaml"), "--yes")
    assert run.code == 1 and "no such file" in run.err


# ------------------------------------------------------------------ throttling, faults, giving up


def fleet_yaml(n: int, deployment: str = "apply-test") -> str:
    lines = [f"version: 1\ndeployment: {deployment}\nsettings: {{max_deletions: 0}}\ntenants:"]
    for i in range(n):
        lines.append(
            f"  - name: t{i:02d}\n"
            f"    reputation_policy: {('standard', 'strict', 'none')[i % 3]}\n"
            f"    sending: {'disabled' if i % 2 else 'enabled'}\n"
            f"    tags: {{n: '{i}'}}\n"
            "    resources: {identities: [example.com], configuration_sets: [cs]}"
        )
    return "\n".join(lines) + "\n"


def fleet_state(ses, n: int) -> None:
    """Check every tenant of ``fleet_yaml(n)`` with plain boto3 calls."""
    assert live_names(ses) == {f"t{i:02d}" for i in range(n)}
    for i in range(n):
        t = ses.get_tenant(TenantName=f"t{i:02d}")["Tenant"]
        tags = {x["Key"]: x["Value"] for x in t["Tags"]}
        assert tags == {"n": str(i), OWNERSHIP_TAG_KEY: "apply-test"}
        rep = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=t["TenantArn"])
        entity = rep["ReputationEntity"]
        assert entity["ReputationManagementPolicy"].rsplit("/", 1)[-1] == ("standard", "strict", "none")[i % 3]
        assert entity["CustomerManagedStatus"]["Status"] == ("DISABLED" if i % 2 else "ENABLED")
        resources = ses.list_tenant_resources(TenantName=f"t{i:02d}")["TenantResources"]
        assert {r["ResourceType"] for r in resources} == {"EMAIL_IDENTITY", "CONFIGURATION_SET"}


def fleet_resources(ses) -> None:
    ses.create_email_identity(EmailIdentity="example.com")
    ses.create_configuration_set(ConfigurationSetName="cs")


def test_apply_converges_under_throttling_and_30pct_faults(cli, endpoint, ses, tmp_path, monkeypatch):
    monkeypatch.setenv("SES_TENANTS_BACKOFF", "0.05")
    f = tmp_path / "tenants.yaml"
    f.write_text(fleet_yaml(40))
    fleet_resources(ses)
    seslocal.reset_stats()
    seslocal.configure(throttle_tps=40, fault_rate=0.3, seed=3)  # every SES call, reads included
    run = cli("apply", str(f), "--yes", "--endpoint-url", endpoint)
    again = cli("apply", str(f), "--yes", "--endpoint-url", endpoint)
    stats = seslocal.stats()
    seslocal.configure()
    assert run.code == 0, run.out[-2000:] + run.err
    assert "Applied: 40 created," in run.out and "The account matches the spec." in run.out
    assert again.code == 0 and "Nothing to do" in again.out, again.out[-2000:] + again.err
    assert stats["total"]["faults"] >= 50 and stats["total"]["throttled"] >= 1
    create = stats["operations"]["CreateTenant"]
    assert create["ok"] == 40 and create["errors"] == 0  # no duplicate creates
    fleet_state(ses, 40)


def test_apply_that_gives_up_reports_what_it_did_and_what_is_pending(cli, endpoint, ses, tmp_path, monkeypatch):
    """Associations and re-reads keep failing: exit 1 after the rounds, with the summary, never a bare error."""
    monkeypatch.setenv("SES_TENANTS_BACKOFF", "0.01")
    monkeypatch.setenv("SES_TENANTS_MAX_ATTEMPTS", "0")  # no botocore retries: every fault reaches the engine
    f = tmp_path / "tenants.yaml"
    f.write_text(fleet_yaml(10))
    fleet_resources(ses)
    seslocal.reset_stats()
    seslocal.configure(fault_rate=1.0, seed=1, operations=["CreateTenantResourceAssociation", "GetTenant"])
    run = cli("apply", str(f), "--yes", "--max-rounds", "2", "--endpoint-url", endpoint)
    stats = seslocal.stats()
    seslocal.configure()
    assert run.code == 1
    assert stats["operations"]["CreateTenant"]["ok"] == 10  # it did write
    out = run.out.split("Plan: 10 to create", 1)[1]
    assert "\nApplied: 0 created, 0 updated, 0 adopted, 0 deleted; " in out and "; 2 rounds in " in out
    assert out.count("not finished: tenant t") == 10
    assert "not finished: tenant t00: re-reading failed: GetTenant failed: " in out
    assert "Pending: 10 tenants not finished, 10 after transient errors (" in out
    assert "run `tenantctl apply` again" in out
    assert run.err.strip().splitlines()[-1].startswith("tenantctl: gave up after 2 rounds: 10 tenants not finished")
    # Running again finishes the job, without creating anything twice.
    seslocal.reset_stats()
    final = cli("apply", str(f), "--yes", "--endpoint-url", endpoint)
    assert final.code == 0, final.out[-2000:] + final.err
    assert "Applied: 0 created, 10 updated" in final.out
    assert "CreateTenant" not in seslocal.stats()["operations"]
    fleet_state(ses, 10)


def test_apply_time_limit_reports_pending_and_exits_1(cli, endpoint, ses, tmp_path):
    f = tmp_path / "tenants.yaml"
    f.write_text(fleet_yaml(3))
    fleet_resources(ses)
    run = cli("apply", str(f), "--yes", "--timeout", "0.000001", "--endpoint-url", endpoint)
    assert run.code == 1
    assert "Pending: 3 tenants not finished, 3 after transient errors (time limit (3))" in run.out
    assert "tenantctl: gave up after the time limit: 3 tenants not finished" in run.err
    assert live_names(ses) == set()


def test_apply_live_read_that_keeps_failing_is_one_clear_error_and_writes_nothing(
    cli, endpoint, ses, tmp_path, monkeypatch
):
    monkeypatch.setenv("SES_TENANTS_BACKOFF", "0.01")
    monkeypatch.setenv("SES_TENANTS_MAX_ATTEMPTS", "1")
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    seslocal.reset_stats()
    seslocal.configure(fault_rate=1.0, operations=["ListTenants"])
    run = cli("apply", str(f), "--yes", "--endpoint-url", endpoint)
    stats = seslocal.stats()
    seslocal.configure()
    assert run.code == 1 and "Applied:" not in run.out
    assert "tenantctl: reading the live account: ListTenants failed: " in run.err
    assert "(still failing after 6 attempts); nothing was changed, run apply again" in run.err
    assert stats["operations"]["ListTenants"]["faults"] == 6 * 2  # 6 engine attempts x 2 botocore attempts
    assert set(stats["operations"]) == {"ListTenants"} and live_names(ses) == set()
    # `plan --against live` reads the same way: one line, no traceback.
    seslocal.configure(fault_rate=1.0, operations=["ListTenants"])
    plan = cli("plan", str(f), "--against", "live", "--endpoint-url", endpoint)
    seslocal.configure()
    assert plan.code == 1 and "Traceback" not in plan.err
    line = plan.err.strip().splitlines()[-1]  # after the spec's warnings
    assert line.startswith("tenantctl: reading the live account: ListTenants failed: ")
    assert line.endswith("(still failing after 6 attempts)")
