"""``tenantctl verify`` against the local SES endpoint over HTTP (real boto3, the engine's own clients)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from cli_support import create_resources, deploy
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY

import seslocal
from tenantctl.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tenants.yaml"
ACCOUNT, REGION = "123456789012", "us-east-1"

SMALL = """\
version: 1
deployment: verify-test
tenants:
  - name: alpha
    reputation_policy: strict
    resources:
      identities: [alpha.example]
      configuration_sets: [alpha-cs]
      templates: [alpha-welcome]
  - name: beta
    resources:
      identities: [ops@beta.example]
      configuration_sets: [beta-cs]
  - name: gamma
    sending: disabled
    resources:
      identities: [gamma.example]
      configuration_sets: [gamma-cs]
"""


def arn(kind: str, name: str) -> str:
    return f"arn:aws:ses:{REGION}:{ACCOUNT}:{kind}/{name}"


def tenant_arn(ses, name: str) -> str:
    return ses.get_tenant(TenantName=name)["Tenant"]["TenantArn"]


def sends() -> int:
    return seslocal.stats()["operations"].get("SendEmail", {}).get("calls", 0)


@pytest.fixture
def small(tmp_path, endpoint, ses):
    """SMALL written to a file, its resources created and deployed with the engine."""
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    spec = load_spec(f).spec
    create_resources(ses, spec)
    deploy(endpoint, spec)
    return f


def verify_json(cli, *args: str):
    run = cli("verify", *args, "--format", "json")
    doc = json.loads(run.out)
    return run, doc, {t["tenant"]: t for t in doc["tenants"]}


def checks_of(entry: dict) -> dict[str, str]:
    return {c["check"]: c["status"] for c in entry["checks"]}


# --------------------------------------------------------------------------------------------- the example


def test_example_passes_after_apply_and_each_tenant_sends_one_message(cli, endpoint, ses):
    spec = load_spec(EXAMPLE).spec
    create_resources(ses, spec)
    assert cli("apply", str(EXAMPLE), "--yes", "--endpoint-url", endpoint).code == 0
    seslocal.reset_stats()

    run = cli("verify", str(EXAMPLE), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 0, run.out + run.err
    assert run.err == ""
    assert f"{len(spec.tenants)} tenants verified: all passed." in run.out
    assert sends() == len(spec.tenants)  # exactly one message per tenant
    for t in spec.tenants:
        row = next(line for line in run.out.splitlines() if line.startswith(t.name + " "))
        assert row.split()[1:] == ["pass"] + ["ok"] * 7, row
    assert "globex (from verify@mail.globex.example, configuration set globex-transactional): accepted" in run.out
    assert "vandelay (from billing@vandelay.example, configuration set vandelay-default): accepted" in run.out

    run, doc, by_name = verify_json(cli, str(EXAMPLE), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 0
    assert doc["format_version"] == 1 and doc["ok"] is True
    assert doc["summary"] == {"tenants": 5, "passed": 5, "failed": 0}
    assert (doc["deployment"], doc["account"], doc["region"]) == ("acme-mail", ACCOUNT, REGION)
    g = by_name["globex"]
    assert g["ok"] is True and g["reason"] is None and g["location"] == f"{EXAMPLE}:23"
    assert [c["check"] for c in g["checks"]] == [
        "exists", "owned", "associations", "policy", "status", "sending", "send_test",
    ]  # fmt: skip
    assert g["send_test"]["message_id"] and g["send_test"]["error_code"] is None
    assert g["send_test"]["to"] == "success@simulator.amazonses.com"
    assert g["send_test"]["configuration_set"] == "globex-transactional"


def test_before_the_deploy_every_tenant_is_missing(cli, endpoint, ses):
    seslocal.reset_stats()
    run = cli("verify", str(EXAMPLE), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 1
    assert "5 tenants verified: 0 passed, 5 failed." in run.out
    assert "exists: no tenant globex in 123456789012 / us-east-1" in run.out
    assert run.err.startswith("tenantctl: verify failed: 5 of 5 tenants failed: globex, initech,")
    assert run.err.count("\n") == 1 and "Traceback" not in run.err
    assert sends() == 0  # no send as a tenant that does not exist


# --------------------------------------------------------------------------------------------- failures caught


def test_missing_association_is_caught_and_its_send_rejected_until_associated(cli, endpoint, ses, small):
    ses.delete_tenant_resource_association(TenantName="alpha", ResourceArn=arn("configuration-set", "alpha-cs"))
    ses.delete_tenant_resource_association(TenantName="alpha", ResourceArn=arn("template", "alpha-welcome"))

    run, doc, by_name = verify_json(cli, str(small), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 1 and doc["summary"] == {"tenants": 3, "passed": 2, "failed": 1}
    alpha = by_name["alpha"]
    assert checks_of(alpha)["associations"] == "fail" and checks_of(alpha)["send_test"] == "fail"
    detail = next(c["detail"] for c in alpha["checks"] if c["check"] == "associations")
    assert "configuration set alpha-cs" in detail and "email template alpha-welcome" in detail
    assert "(2 of 3 declared)" in detail
    assert alpha["send_test"]["error_code"] == "MessageRejected"
    assert "Configuration set alpha-cs is not associated with tenant alpha" in alpha["send_test"]["error_message"]
    assert "associations: not associated" in alpha["reason"] and "send_test: rejected" in alpha["reason"]

    ses.create_tenant_resource_association(TenantName="alpha", ResourceArn=arn("configuration-set", "alpha-cs"))
    ses.create_tenant_resource_association(TenantName="alpha", ResourceArn=arn("template", "alpha-welcome"))
    run, doc, by_name = verify_json(cli, str(small), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    assert by_name["alpha"]["send_test"]["message_id"]


def test_extra_associations_are_reported_not_failed(cli, endpoint, ses, small):
    ses.create_tenant_resource_association(TenantName="beta", ResourceArn=arn("configuration-set", "alpha-cs"))
    run, _doc, by_name = verify_json(cli, str(small), "--endpoint-url", endpoint)
    assert run.code == 0
    detail = next(c["detail"] for c in by_name["beta"]["checks"] if c["check"] == "associations")
    assert detail == f"2 of 2 declared associated; 1 not declared: {arn('configuration-set', 'alpha-cs')}"


def test_wrong_policy_and_status_are_caught(cli, endpoint, ses, small):
    ref = tenant_arn(ses, "alpha")
    ses.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=ref,
        ReputationEntityPolicy=f"arn:aws:ses:{REGION}:aws:reputation-policy/none",
    )
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=ref, SendingStatus="DISABLED"
    )
    run = cli("verify", str(small), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 1
    assert "policy: reputation policy is none, tenants.yaml says strict" in run.out
    assert "status: customer-managed status is DISABLED, tenants.yaml says `sending: enabled`" in run.out
    assert "sending: aggregate status is DISABLED (customer-managed DISABLED, SES-managed ENABLED)" in run.out
    assert "send_test: rejected: SendingPausedException" in run.out
    row = next(line for line in run.out.splitlines() if line.startswith("alpha "))
    assert row.split() == ["alpha", "FAIL", "ok", "ok", "ok", "FAIL", "FAIL", "FAIL", "FAIL"]
    assert "verify failed: 1 of 3 tenants failed: alpha (reasons above)" in run.err


def test_ses_paused_tenant_is_named_with_the_cause_and_passes_once_reinstated(cli, endpoint, ses, small):
    seslocal.set_ses_managed_status("beta", "DISABLED", cause="Complaint rate above the policy threshold.")
    run, _doc, by_name = verify_json(cli, str(small), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 1
    beta = by_name["beta"]
    assert checks_of(beta) == {
        "exists": "pass", "owned": "pass", "associations": "pass", "policy": "pass", "status": "pass",
        "sending": "fail", "send_test": "fail",
    }  # fmt: skip
    sending = next(c["detail"] for c in beta["checks"] if c["check"] == "sending")
    assert sending.startswith("paused by SES: SES-managed status DISABLED (cause: Complaint rate above")
    assert "no `sending:` value overrides an SES pause" in sending and "`sending: reinstated`" in sending
    assert beta["send_test"]["error_code"] == "SendingPausedException"

    # SES lifts the pause (reinstates the tenant): it can send again and verify passes.
    seslocal.set_ses_managed_status("beta", "REINSTATED", cause=None)
    run, _doc, by_name = verify_json(cli, str(small), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    assert next(c["detail"] for c in by_name["beta"]["checks"] if c["check"] == "sending") == (
        "aggregate REINSTATED: can send"
    )
    assert by_name["beta"]["send_test"]["message_id"]


def test_paused_tenant_passes_when_rejected_and_fails_when_it_can_send(cli, endpoint, ses, small):
    run, _doc, by_name = verify_json(cli, str(small), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    gamma = by_name["gamma"]
    assert gamma["send_test"]["expect"] == "rejected" and gamma["send_test"]["error_code"] == "SendingPausedException"
    assert next(c["detail"] for c in gamma["checks"] if c["check"] == "send_test").startswith(
        "rejected as expected for a paused tenant"
    )

    # Someone re-enabled it by hand: verify catches the status and the accepted send.
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn(ses, "gamma"), SendingStatus="ENABLED"
    )
    run, _doc, by_name = verify_json(cli, str(small), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 1
    gamma = by_name["gamma"]
    assert checks_of(gamma)["status"] == checks_of(gamma)["sending"] == checks_of(gamma)["send_test"] == "fail"
    assert "accepted (MessageId" in gamma["reason"] and "it can still send" in gamma["reason"]


def test_unowned_and_foreign_tenants_fail_without_sending(cli, endpoint, ses, tmp_path):
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    create_resources(ses, load_spec(f).spec)
    ses.create_tenant(TenantName="alpha")  # no ownership tag
    ses.create_tenant(TenantName="beta", Tags=[{"Key": OWNERSHIP_TAG_KEY, "Value": "someone-else"}])
    seslocal.reset_stats()
    run, doc, by_name = verify_json(cli, str(f), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 1 and doc["summary"]["failed"] == 3
    assert checks_of(by_name["alpha"]) == {"exists": "pass", "owned": "fail"}
    assert "has no ses-tenants:deployment tag" in by_name["alpha"]["reason"]
    assert "`adopt: true`" in by_name["alpha"]["reason"]
    assert "its ses-tenants:deployment tag is someone-else" in by_name["beta"]["reason"]
    assert checks_of(by_name["gamma"]) == {"exists": "fail"}
    assert by_name["alpha"]["send_test"] is None
    assert sends() == 0
    # Reads only: GetTenant for each, no reputation/association reads for tenants that are not ours.
    ops = seslocal.stats()["operations"]
    assert ops["GetTenant"]["calls"] == 3 and "ListTenantResources" not in ops


def test_deployment_option_overrides_the_expected_owner(cli, endpoint, small):
    run, doc, by_name = verify_json(cli, str(small), "--deployment", "other", "--endpoint-url", endpoint)
    assert run.code == 1 and doc["deployment"] == "other"
    assert all(checks_of(t)["owned"] == "fail" for t in by_name.values())
    reason = by_name["beta"]["reason"]
    assert "is not owned by deployment other (its ses-tenants:deployment tag is verify-test)" in reason


def test_tenant_without_identity_skips_the_send_test(cli, endpoint, ses, tmp_path):
    f = tmp_path / "tenants.yaml"
    f.write_text("version: 1\ndeployment: verify-test\ntenants:\n  - name: bare\n")
    deploy(endpoint, load_spec(f).spec)
    run, _doc, by_name = verify_json(cli, str(f), "--send-test", "--endpoint-url", endpoint)
    assert run.code == 0
    skip = by_name["bare"]["checks"][-1]
    assert skip == {"check": "send_test", "status": "skip",
                    "detail": "not sent: bare declares no email identity to send from"}  # fmt: skip
    assert "0 of 0 declared associated" in by_name["bare"]["checks"][2]["detail"]


# --------------------------------------------------------------------------------------------- --changed-from


def test_changed_from_a_git_ref_verifies_only_the_touched_tenants(cli, endpoint, ses, repo):
    before = SMALL + "  - name: delta\n    resources:\n      identities: [delta.example]\n"
    path = repo.write("tenants.yaml", before)
    create_resources(ses, load_spec(path).spec)
    deploy(endpoint, load_spec(path).spec)
    repo.commit("v1")

    # v2: alpha's policy changes, delta is removed, epsilon is added; beta and gamma are untouched.
    after = SMALL.replace("reputation_policy: strict", "reputation_policy: none") + (
        "  - name: epsilon\n    resources:\n      identities: [alpha.example]\n"
    )
    path.write_text(after)
    run, doc, by_name = verify_json(cli, str(path), "--changed-from", "HEAD", "--endpoint-url", endpoint)
    assert run.code == 1  # not deployed yet
    assert doc["changed_from"] == "HEAD"
    assert list(by_name) == ["alpha", "epsilon", "delta"]
    assert by_name["delta"]["expected"] == "deleted"
    assert "policy: reputation policy is strict, tenants.yaml says none" in by_name["alpha"]["reason"]
    assert checks_of(by_name["epsilon"]) == {"exists": "fail"}
    assert "the prune step did not delete it" in by_name["delta"]["reason"]

    deploy(endpoint, load_spec(path).spec)
    run = cli("verify", str(path), "--changed-from", "HEAD", "--send-test", "--endpoint-url", endpoint)
    assert run.code == 0, run.out + run.err
    assert f"Verify {path} (deployment verify-test, changed since HEAD)" in run.out
    assert "delta (deleted)  pass    ok" in run.out
    assert "3 tenants verified: all passed." in run.out

    repo.commit("v2")
    run = cli("verify", str(path), "--changed-from", "HEAD", "--endpoint-url", endpoint)
    assert run.code == 0 and "No tenants to verify: nothing changed since HEAD." in run.out


def test_changed_from_empty_verifies_every_tenant(cli, endpoint, small):
    run, _doc, by_name = verify_json(cli, str(small), "--changed-from", "empty", "--endpoint-url", endpoint)
    assert run.code == 0 and list(by_name) == ["alpha", "beta", "gamma"]


# --------------------------------------------------------------------------------------------- errors


def test_errors_are_one_line_without_traceback(cli, endpoint, tmp_path, repo, monkeypatch):
    missing = cli("verify", str(tmp_path / "nope.yaml"), "--endpoint-url", endpoint)
    assert missing.code == 1 and "nope.yaml: no such file or directory" in missing.err

    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  - name: acme\n    sending: paused\n")
    invalid = cli("verify", str(bad), "--endpoint-url", endpoint)
    assert invalid.code == 1 and "bad.yaml:4:14: tenants[0].sending:" in invalid.err
    assert invalid.err.strip().splitlines()[-1].startswith("tenantctl: ")

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = tmp_path / "ok.yaml"
    f.write_text(SMALL)
    monkeypatch.setenv("SES_TENANTS_MAX_ATTEMPTS", "1")  # no retries with back-off: fail fast
    down = cli("verify", str(f), "--endpoint-url", f"http://127.0.0.1:{port}")
    assert down.code == 1 and down.out == ""
    assert down.err.startswith("tenantctl: reading the tenants: cannot reach the SES endpoint")
    assert down.err.count("\n") == 1 and "Traceback" not in down.err

    path = repo.write("tenants.yaml", SMALL)
    repo.commit("v1")
    unknown = cli("verify", str(path), "--changed-from", "no-such-ref", "--endpoint-url", endpoint)
    assert unknown.code == 1 and unknown.err.startswith("tenantctl: ") and "no-such-ref" in unknown.err
    live = cli("verify", str(path), "--changed-from", "live", "--endpoint-url", endpoint)
    assert live.code == 1 and "not `live`" in live.err


def test_many_tenants_read_reputation_with_one_paged_list(cli, endpoint, tmp_path):
    f = tmp_path / "tenants.yaml"
    f.write_text("version: 1\ndeployment: bulk\ntenants:\n" + "".join(f"  - name: t{i:02d}\n" for i in range(60)))
    deploy(endpoint, load_spec(f).spec)
    seslocal.set_ses_managed_status("t42", "DISABLED", cause="Hard bounces.")
    seslocal.reset_stats()
    run, doc, by_name = verify_json(cli, str(f), "--endpoint-url", endpoint)
    assert run.code == 1 and doc["summary"] == {"tenants": 60, "passed": 59, "failed": 1}
    assert "paused by SES: SES-managed status DISABLED (cause: Hard bounces.)" in by_name["t42"]["reason"]
    ops = seslocal.stats()["operations"]
    assert "GetReputationEntity" not in ops and ops["ListReputationEntities"]["calls"] == 1
    assert ops["GetTenant"]["calls"] == 60 and ops["ListTenantResources"]["calls"] == 60
