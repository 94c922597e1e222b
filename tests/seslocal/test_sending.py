"""SendEmail / SendBulkEmail with TenantName enforce associations and status like SES — both modes."""

from __future__ import annotations

import pytest

from .conftest import arn

SIMPLE = {"Simple": {"Subject": {"Data": "hello"}, "Body": {"Text": {"Data": "body"}}}}
TO = {"ToAddresses": ["success@simulator.amazonses.com"]}


def send(ses, **kwargs):
    return ses.send_email(FromEmailAddress="noreply@example.com", Destination=TO,
                          **{"Content": SIMPLE, **kwargs})


def bulk(ses, **kwargs):
    return ses.send_bulk_email(
        FromEmailAddress="noreply@example.com",
        DefaultContent={"Template": {"TemplateName": "welcome", "TemplateData": '{"name": "x"}'}},
        BulkEmailEntries=[{"Destination": TO}, {"Destination": {"ToAddresses": ["b@example.org"]}}],
        **kwargs,
    )


@pytest.fixture
def tenant(ses, resources):
    ses.create_tenant(TenantName="acme")
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=resources["identity"])
    return "acme"


def message(exc):
    return exc.value.response["Error"]["Message"]


def test_unassociated_configuration_set_is_rejected_then_accepted(ses, tenant, resources):
    with pytest.raises(ses.exceptions.MessageRejected) as exc:
        send(ses, TenantName=tenant, ConfigurationSetName="cs-main")
    assert "Configuration set cs-main" in message(exc) and "tenant acme" in message(exc)
    ses.create_tenant_resource_association(TenantName=tenant, ResourceArn=resources["configuration-set"])
    assert send(ses, TenantName=tenant, ConfigurationSetName="cs-main")["MessageId"]


def test_unassociated_identity_is_rejected(ses, resources):
    ses.create_tenant(TenantName="bare")
    with pytest.raises(ses.exceptions.MessageRejected) as exc:
        send(ses, TenantName="bare")
    assert "Email identity example.com" in message(exc) and "tenant bare" in message(exc)
    ses.create_email_identity(EmailIdentity="noreply@example.com")
    ses.create_tenant_resource_association(TenantName="bare", ResourceArn=arn("identity/noreply@example.com"))
    assert send(ses, TenantName="bare")["MessageId"]  # the address identity is enough


def test_identity_default_configuration_set_must_be_associated(ses, resources):
    ses.create_email_identity(EmailIdentity="ops.example", ConfigurationSetName="cs-main")
    ses.create_tenant(TenantName="ops")
    ses.create_tenant_resource_association(TenantName="ops", ResourceArn=arn("identity/ops.example"))
    with pytest.raises(ses.exceptions.MessageRejected) as exc:
        ses.send_email(FromEmailAddress="a@ops.example", Destination=TO, Content=SIMPLE, TenantName="ops")
    assert "cs-main" in message(exc)


def test_unknown_tenant_is_not_found(ses, resources):
    with pytest.raises(ses.exceptions.NotFoundException):
        send(ses, TenantName="ghost")


def test_paused_tenant_cannot_send_and_reinstated_can(ses, ses_env, tenant):
    ses_env.pause(tenant)
    with pytest.raises(ses.exceptions.SendingPausedException) as exc:
        send(ses, TenantName=tenant)
    assert "DISABLED" in message(exc) and "SES-managed status DISABLED" in message(exc)
    ses_env.pause(tenant, "ENABLED")
    assert send(ses, TenantName=tenant)["MessageId"]

    tenant_arn = ses.get_tenant(TenantName=tenant)["Tenant"]["TenantArn"]
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn, SendingStatus="DISABLED")
    with pytest.raises(ses.exceptions.SendingPausedException) as exc:
        send(ses, TenantName=tenant)
    assert "customer-managed status DISABLED" in message(exc)
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn, SendingStatus="REINSTATED")
    assert send(ses, TenantName=tenant)["MessageId"]


def test_template_send_needs_template_association(ses, tenant, resources):
    content = {"Template": {"TemplateName": "welcome", "TemplateData": '{"name": "Ann"}'}}
    with pytest.raises(ses.exceptions.MessageRejected) as exc:
        send(ses, TenantName=tenant, Content=content)
    assert "Email template welcome" in message(exc)
    ses.create_tenant_resource_association(TenantName=tenant, ResourceArn=resources["template"])
    assert send(ses, TenantName=tenant, Content=content)["MessageId"]
    inline = {"Template": {"TemplateContent": {"Subject": "inline", "Text": "x"}, "TemplateData": "{}"}}
    assert send(ses, TenantName=tenant, Content=inline)["MessageId"]


def test_send_bulk_email_enforces_tenant(ses, ses_env, tenant, resources):
    with pytest.raises(ses.exceptions.MessageRejected):
        bulk(ses, TenantName=tenant)
    ses.create_tenant_resource_association(TenantName=tenant, ResourceArn=resources["template"])
    results = bulk(ses, TenantName=tenant)["BulkEmailEntryResults"]
    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS"] and all(r["MessageId"] for r in results)
    with pytest.raises(ses.exceptions.MessageRejected):
        bulk(ses, TenantName=tenant, ConfigurationSetName="cs-main")
    ses_env.pause(tenant)
    with pytest.raises(ses.exceptions.SendingPausedException):
        bulk(ses, TenantName=tenant)


def test_without_tenant_sending_is_moto_behaviour(ses, resources):
    assert send(ses, ConfigurationSetName="cs-main")["MessageId"]  # no association needed without a tenant
    assert bulk(ses)["BulkEmailEntryResults"][0]["Status"] == "SUCCESS"
    with pytest.raises(ses.exceptions.MessageRejected) as exc:  # moto: unverified sender
        ses.send_email(FromEmailAddress="x@unverified.example", Destination=TO, Content=SIMPLE)
    assert "not verified" in message(exc)
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.send_email(FromEmailAddress="noreply@example.com", Destination=TO,
                       Content={"Template": {"TemplateName": "nope", "TemplateData": "{}"}})
