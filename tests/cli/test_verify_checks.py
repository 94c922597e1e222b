"""The checks behind ``tenantctl verify`` (pure) and the sends they rely on, in-process on the local endpoint.

The send tests use a real boto3 SES v2 client under ``moto.mock_aws()`` with :func:`seslocal.install`, and the
very request :class:`tenantctl.verify.SendProbe` builds, so what ``verify --send-test`` sends is known to be a
valid SendEmail request that SES-like enforcement accepts or rejects for the right reason.
"""

from __future__ import annotations

import boto3
import moto
import pytest
from botocore.exceptions import ClientError
from ses_tenants_engine.client import AwsContext
from ses_tenants_engine.live import LiveTenant
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Spec, TenantSpec

import seslocal
from tenantctl.verify import (
    FAIL,
    PASS,
    SKIP,
    Check,
    SendOutcome,
    TenantResult,
    VerifyReport,
    check_deleted,
    check_tenant,
    judge_send,
    render_text,
    send_probe,
    touched_tenants,
)

CTX = AwsContext("aws", "us-east-1", "123456789012")
DEPLOYMENT = "acme-mail"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:ses:us-east-1:123456789012:{kind}/{name}"


def declared(**kw) -> TenantSpec:
    resources = (
        Resource("EMAIL_IDENTITY", "acme.example"),
        Resource("CONFIGURATION_SET", "acme-cs"),
        Resource("EMAIL_TEMPLATE", arn("template", "acme-welcome")),  # by ARN: same resource
    )
    return TenantSpec(**{"name": "acme", "reputation_policy": "strict", "resources": resources, **kw})


def live(**kw) -> LiveTenant:
    base = dict(
        name="acme",
        arn="arn:aws:ses:us-east-1:123456789012:tenant/acme/tn-1",
        tags={OWNERSHIP_TAG_KEY: DEPLOYMENT},
        policy="strict",
        customer_status="ENABLED",
        ses_status="ENABLED",
        aggregate_status="ENABLED",
        resources={
            arn("identity", "acme.example"): "EMAIL_IDENTITY",
            arn("configuration-set", "acme-cs"): "CONFIGURATION_SET",
            arn("template", "acme-welcome"): "EMAIL_TEMPLATE",
        },
        detailed=True,
    )
    return LiveTenant(**{**base, **kw})


def statuses(checks: list[Check]) -> dict[str, str]:
    return {c.name: c.status for c in checks}


def detail(checks: list[Check], name: str) -> str:
    return next(c.detail for c in checks if c.name == name)


# --------------------------------------------------------------------------------------------- check_tenant


def test_a_matching_tenant_passes_every_check():
    checks = check_tenant(declared(), live(), CTX, DEPLOYMENT)
    assert statuses(checks) == dict.fromkeys(("exists", "owned", "associations", "policy", "status", "sending"), PASS)
    assert detail(checks, "associations") == "3 of 3 declared associated"


def test_missing_tenant_stops_at_exists():
    (check,) = check_tenant(declared(), None, CTX, DEPLOYMENT)
    assert (check.name, check.status) == ("exists", FAIL)
    assert "no tenant acme in 123456789012 / us-east-1" in check.detail


@pytest.mark.parametrize(
    ("tags", "says"),
    [({}, "it has no ses-tenants:deployment tag"), ({OWNERSHIP_TAG_KEY: "x"}, "ses-tenants:deployment tag is x")],
)
def test_unowned_tenant_stops_at_owned(tags, says):
    checks = check_tenant(declared(), live(tags=tags), CTX, DEPLOYMENT)
    assert statuses(checks) == {"exists": PASS, "owned": FAIL}
    assert says in detail(checks, "owned") and "`adopt: true`" in detail(checks, "owned")


def test_missing_association_names_the_resource():
    resources = {a: t for a, t in live().resources.items() if "configuration-set" not in a}
    checks = check_tenant(declared(), live(resources=resources), CTX, DEPLOYMENT)
    assert statuses(checks)["associations"] == FAIL
    assert detail(checks, "associations").startswith("not associated: configuration set acme-cs (1 of 3 declared)")


def test_wrong_policy_and_customer_status():
    checks = check_tenant(
        declared(), live(policy="standard", customer_status="DISABLED", aggregate_status="DISABLED"), CTX, DEPLOYMENT
    )
    assert statuses(checks) == {
        "exists": PASS, "owned": PASS, "associations": PASS, "policy": FAIL, "status": FAIL, "sending": FAIL,
    }  # fmt: skip
    assert detail(checks, "policy").startswith("reputation policy is standard, tenants.yaml says strict")
    assert "`sending: enabled`" in detail(checks, "status")


def test_ses_pause_is_named_with_its_cause_whatever_the_customer_status():
    for customer in ("ENABLED", "REINSTATED"):
        paused = live(
            customer_status=customer, ses_status="DISABLED", ses_cause="Bounce rate", aggregate_status="DISABLED"
        )
        checks = check_tenant(declared(sending=customer), paused, CTX, DEPLOYMENT)
        assert statuses(checks)["status"] == PASS and statuses(checks)["sending"] == FAIL
        assert detail(checks, "sending").startswith("paused by SES: SES-managed status DISABLED (cause: Bounce rate)")


def test_declared_pause_passes_only_when_the_tenant_cannot_send():
    spec = declared(sending="DISABLED")
    ok = check_tenant(spec, live(customer_status="DISABLED", aggregate_status="DISABLED"), CTX, DEPLOYMENT)
    assert statuses(ok)["sending"] == PASS
    leaking = check_tenant(spec, live(), CTX, DEPLOYMENT)
    assert statuses(leaking)["status"] == FAIL and statuses(leaking)["sending"] == FAIL
    assert "it can still send" in detail(leaking, "sending")


def test_deleted_tenant_checks():
    assert check_deleted("old", None, DEPLOYMENT)[0].status == PASS
    assert check_deleted("old", live(tags={OWNERSHIP_TAG_KEY: "other"}), DEPLOYMENT)[0].status == PASS
    (still,) = check_deleted("old", live(), DEPLOYMENT)
    assert still.status == FAIL and "the prune step did not delete it" in still.detail


# --------------------------------------------------------------------------------------------- probes


def test_send_probe_sender_and_configuration_set():
    probe = send_probe(declared())
    assert (probe.from_address, probe.configuration_set, probe.from_identity_arn) == (
        "verify@acme.example", "acme-cs", None,
    )  # fmt: skip
    req = probe.request()
    assert req["TenantName"] == "acme" and req["Destination"] == {"ToAddresses": ["success@simulator.amazonses.com"]}
    address = TenantSpec("v", resources=(Resource("EMAIL_IDENTITY", "billing@v.example"),))
    assert send_probe(address).from_address == "billing@v.example"
    assert "ConfigurationSetName" not in send_probe(address).request()
    shared = TenantSpec(
        "x",
        sending="DISABLED",
        resources=(
            Resource("EMAIL_IDENTITY", "arn:aws:ses:us-east-1:999999999999:identity/shared.example"),
            Resource("CONFIGURATION_SET", "arn:aws:ses:us-east-1:123456789012:configuration-set/x-cs"),
        ),
    )
    probe = send_probe(shared)
    assert probe.from_address == "verify@shared.example" and probe.configuration_set == "x-cs"
    assert probe.request()["FromEmailAddressIdentityArn"].endswith(":999999999999:identity/shared.example")
    assert probe.expect_rejection is True
    assert send_probe(TenantSpec("bare")) is None


@pytest.mark.parametrize(
    ("sending", "outcome", "status", "text"),
    [
        ("ENABLED", SendOutcome(message_id="m-1"), PASS, "accepted, MessageId m-1"),
        ("ENABLED", SendOutcome(error_code="MessageRejected", error_message="not associated"), FAIL, "rejected: "),
        ("DISABLED", SendOutcome(error_code="SendingPausedException", error_message="paused"), PASS, "as expected"),
        ("DISABLED", SendOutcome(message_id="m-2"), FAIL, "it can still send"),
        # Not a rejection by SES: the test could not be made, so a paused tenant does not pass on it.
        ("DISABLED", SendOutcome(error_code="AccessDeniedException", error_message="no"), FAIL, "could not send"),
    ],
)
def test_judge_send(sending, outcome, status, text):
    probe = send_probe(declared(sending=sending))
    check = judge_send(probe, outcome)
    assert check.name == "send_test" and check.status == status and text in check.detail


# --------------------------------------------------------------------------------------------- touched tenants


def test_touched_tenants_follow_the_engine_plan():
    a = TenantSpec("a", tags={"team": "x"})
    b = TenantSpec("b")
    c = TenantSpec("c")
    old = Spec(tenants=(a, b, c), deployment=DEPLOYMENT)
    new = Spec(
        tenants=(
            TenantSpec("a", tags={"team": "y"}),  # tag change: touched
            TenantSpec("b", sender_access={"role": True}),  # access-stack only: no SES change
            TenantSpec("d"),  # added
        ),
        deployment=DEPLOYMENT,
    )
    assert touched_tenants(old, new) == (["a", "d"], ["c"])
    assert touched_tenants(None, new) == (["a", "b", "d"], [])
    assert touched_tenants(new, new) == ([], [])


def test_render_text_table_and_reasons():
    ok = TenantResult("acme", checks=tuple(check_tenant(declared(), live(), CTX, DEPLOYMENT)))
    bad = TenantResult("gone", checks=tuple(check_tenant(declared(name="gone"), None, CTX, DEPLOYMENT)),
                       location="tenants.yaml:9")  # fmt: skip
    skipped = TenantResult("acme2", checks=(*ok.checks, Check("send_test", SKIP, "not sent: no identity")))
    report = VerifyReport([ok, bad, skipped], CTX.account, CTX.region, DEPLOYMENT, "tenants.yaml", send_test=True)
    text = render_text(report)
    lines = text.splitlines()
    assert lines[0] == "Verify tenants.yaml (deployment acme-mail) in 123456789012 / us-east-1"
    assert lines[2].split() == ["TENANT", "RESULT", "EXISTS", "OWNED", "ASSOC", "POLICY", "STATUS", "SENDING", "SEND"]
    assert lines[3].split() == ["acme", "pass", "ok", "ok", "ok", "ok", "ok", "ok", "-"]
    assert lines[4].split() == ["gone", "FAIL", "FAIL", "-", "-", "-", "-", "-", "-"]
    assert lines[5].split() == ["acme2", "pass", "ok", "ok", "ok", "ok", "ok", "ok", "skip"]
    assert "  gone (tenants.yaml:9):" in lines and "  acme2: not sent: no identity" in lines
    assert lines[-1] == "3 tenants verified: 2 passed, 1 failed."
    assert "\033[31m" in render_text(report, color=True) and "\033[" not in text
    doc = report.to_json()
    assert doc["summary"] == {"tenants": 3, "passed": 2, "failed": 1} and doc["ok"] is False
    assert doc["tenants"][1]["reason"].startswith("exists: no tenant gone")


# --------------------------------------------------------------------------------------------- sends (in-process)


@pytest.fixture
def ses():
    seslocal.install()
    with moto.mock_aws():
        client = boto3.client("sesv2", region_name="us-east-1")
        client.create_email_identity(EmailIdentity="acme.example")
        client.create_configuration_set(ConfigurationSetName="acme-cs")
        client.create_email_template(
            TemplateName="acme-welcome", TemplateContent={"Subject": "Hi {{name}}", "Text": "Hello {{name}}"}
        )
        client.create_tenant(TenantName="acme")
        client.create_tenant_resource_association(TenantName="acme", ResourceArn=arn("identity", "acme.example"))
        yield client


def send(ses, spec: TenantSpec) -> SendOutcome:
    from tenantctl.commands.verify import send as send_one

    return send_one(ses, send_probe(spec))


def set_status(ses, status: str) -> None:
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=ses.get_tenant(TenantName="acme")["Tenant"]["TenantArn"],
        SendingStatus=status,
    )


def test_send_with_unassociated_configuration_set_is_rejected_until_associated(ses):
    spec = declared()
    rejected = send(ses, spec)
    assert rejected.error_code == "MessageRejected"
    assert rejected.error_message.startswith("Configuration set acme-cs is not associated with tenant acme")
    assert judge_send(send_probe(spec), rejected).status == FAIL

    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn("configuration-set", "acme-cs"))
    accepted = send(ses, spec)
    assert accepted.accepted and accepted.message_id
    assert judge_send(send_probe(spec), accepted).status == PASS


def test_paused_tenant_cannot_send_and_a_reinstated_one_can(ses):
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn("configuration-set", "acme-cs"))
    set_status(ses, "DISABLED")
    assert send(ses, declared()).error_code == "SendingPausedException"
    assert judge_send(send_probe(declared(sending="DISABLED")), send(ses, declared())).status == PASS
    set_status(ses, "REINSTATED")
    assert send(ses, declared()).accepted

    # SES pauses it: customer-managed REINSTATED does not override that; SES lifting the pause does.
    seslocal.set_ses_managed_status("acme", "DISABLED")
    assert send(ses, declared()).error_code == "SendingPausedException"
    seslocal.set_ses_managed_status("acme", "REINSTATED", cause=None)
    assert send(ses, declared()).accepted


def test_templated_bulk_send_needs_the_template_association(ses):
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn("configuration-set", "acme-cs"))
    request = {
        "FromEmailAddress": "news@acme.example",
        "ConfigurationSetName": "acme-cs",
        "TenantName": "acme",
        "DefaultContent": {"Template": {"TemplateName": "acme-welcome", "TemplateData": '{"name": "you"}'}},
        "BulkEmailEntries": [{"Destination": {"ToAddresses": ["success@simulator.amazonses.com"]}}],
    }
    with pytest.raises(ClientError) as exc:
        ses.send_bulk_email(**request)
    assert exc.value.response["Error"]["Code"] == "MessageRejected"
    assert "Email template acme-welcome is not associated with tenant acme" in exc.value.response["Error"]["Message"]
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn("template", "acme-welcome"))
    (entry,) = ses.send_bulk_email(**request)["BulkEmailEntryResults"]
    assert entry["Status"] == "SUCCESS" and entry["MessageId"]
