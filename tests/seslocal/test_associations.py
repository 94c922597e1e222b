"""Resource associations, cascade on delete, delete guards and email templates — both modes."""

from __future__ import annotations

import pytest

from .conftest import arn


def test_associate_and_list_both_directions(ses, resources):
    ses.create_tenant(TenantName="acme")
    for resource_arn in resources.values():
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=resource_arn)
    listed = ses.list_tenant_resources(TenantName="acme")["TenantResources"]
    assert {(r["ResourceType"], r["ResourceArn"]) for r in listed} == {
        ("EMAIL_IDENTITY", resources["identity"]),
        ("CONFIGURATION_SET", resources["configuration-set"]),
        ("EMAIL_TEMPLATE", resources["template"]),
    }
    only_cs = ses.list_tenant_resources(TenantName="acme", Filter={"RESOURCE_TYPE": "CONFIGURATION_SET"})
    assert [r["ResourceArn"] for r in only_cs["TenantResources"]] == [resources["configuration-set"]]
    owners = ses.list_resource_tenants(ResourceArn=resources["template"])["ResourceTenants"]
    tenant_id = ses.get_tenant(TenantName="acme")["Tenant"]["TenantId"]
    assert [(o["TenantName"], o["TenantId"], o["ResourceArn"]) for o in owners] == [
        ("acme", tenant_id, resources["template"])]
    assert owners[0]["AssociatedTimestamp"] is not None


def test_one_resource_many_tenants(ses, resources):
    for name in ("a", "b", "c"):
        ses.create_tenant(TenantName=name)
        ses.create_tenant_resource_association(TenantName=name, ResourceArn=resources["identity"])
    owners = ses.list_resource_tenants(ResourceArn=resources["identity"])["ResourceTenants"]
    assert sorted(o["TenantName"] for o in owners) == ["a", "b", "c"]


def test_duplicate_association_is_already_exists(ses, resources):
    ses.create_tenant(TenantName="acme")
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=resources["identity"])
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=resources["identity"])


def test_associating_missing_resources_is_not_found(ses, resources):
    ses.create_tenant(TenantName="acme")
    for missing in (arn("identity/nope.example"), arn("configuration-set/nope"), arn("template/nope")):
        with pytest.raises(ses.exceptions.NotFoundException) as exc:
            ses.create_tenant_resource_association(TenantName="acme", ResourceArn=missing)
        assert "nope" in exc.value.response["Error"]["Message"]
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.create_tenant_resource_association(TenantName="ghost", ResourceArn=resources["identity"])


def test_dedicated_ip_pool_cannot_be_associated(ses):
    ses.create_tenant(TenantName="acme")
    ses.create_dedicated_ip_pool(PoolName="pool1")
    with pytest.raises(ses.exceptions.BadRequestException) as exc:
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn("dedicated-ip-pool/pool1"))
    message = exc.value.response["Error"]["Message"]
    assert "dedicated IP pool" in message and "configuration set" in message


@pytest.mark.parametrize("bad", ["not-an-arn", arn("contact-list/x"), arn("identity/"),
                                 "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
                                 "arn:aws:ses:us-east-1:999999999999:identity/example.com"])
def test_malformed_or_foreign_resource_arns_are_bad_request(ses, resources, bad):
    ses.create_tenant(TenantName="acme")
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=bad)


def test_delete_association(ses, resources):
    ses.create_tenant(TenantName="acme")
    ses.create_tenant_resource_association(TenantName="acme", ResourceArn=resources["identity"])
    ses.delete_tenant_resource_association(TenantName="acme", ResourceArn=resources["identity"])
    assert ses.list_tenant_resources(TenantName="acme")["TenantResources"] == []
    assert ses.list_resource_tenants(ResourceArn=resources["identity"])["ResourceTenants"] == []
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.delete_tenant_resource_association(TenantName="acme", ResourceArn=resources["identity"])


def test_association_listings_page_through_paginators(ses):
    ses.create_email_identity(EmailIdentity="shared.example")
    shared = arn("identity/shared.example")
    for i in range(11):
        ses.create_configuration_set(ConfigurationSetName=f"cs-{i:02d}")
    for i in range(9):
        ses.create_tenant(TenantName=f"t{i}")
        ses.create_tenant_resource_association(TenantName=f"t{i}", ResourceArn=shared)
    for i in range(11):
        ses.create_tenant_resource_association(TenantName="t0", ResourceArn=arn(f"configuration-set/cs-{i:02d}"))

    pages = list(ses.get_paginator("list_tenant_resources").paginate(
        TenantName="t0", PaginationConfig={"PageSize": 4}))
    assert [len(p["TenantResources"]) for p in pages] == [4, 4, 4]
    assert len({r["ResourceArn"] for p in pages for r in p["TenantResources"]}) == 12

    pages = list(ses.get_paginator("list_resource_tenants").paginate(
        ResourceArn=shared, PaginationConfig={"PageSize": 4}))
    assert [len(p["ResourceTenants"]) for p in pages] == [4, 4, 1]
    assert sorted(t["TenantName"] for p in pages for t in p["ResourceTenants"]) == [f"t{i}" for i in range(9)]


def test_delete_tenant_cascades_associations(ses, resources):
    first = ses.create_tenant(TenantName="acme", SuppressionAttributes={
        "SuppressionScope": "TENANT", "SuppressedReasons": ["BOUNCE"]})
    ses.create_tenant(TenantName="other")
    for resource_arn in resources.values():
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=resource_arn)
    ses.create_tenant_resource_association(TenantName="other", ResourceArn=resources["identity"])

    ses.delete_tenant(TenantName="acme")

    assert [t["TenantName"] for t in ses.list_resource_tenants(ResourceArn=resources["identity"])["ResourceTenants"]] \
        == ["other"]
    assert ses.list_resource_tenants(ResourceArn=resources["template"])["ResourceTenants"] == []
    ses.delete_configuration_set(ConfigurationSetName="cs-main")  # no longer associated: deletable
    again = ses.create_tenant(TenantName="acme")
    assert again["TenantId"] != first["TenantId"]
    assert ses.list_tenant_resources(TenantName="acme")["TenantResources"] == []
    assert "SuppressionAttributes" not in ses.get_tenant(TenantName="acme")["Tenant"]


def test_associated_resources_cannot_be_deleted(ses, resources):
    ses.create_tenant(TenantName="acme")
    for resource_arn in resources.values():
        ses.create_tenant_resource_association(TenantName="acme", ResourceArn=resource_arn)
    deletes = {
        "identity": lambda: ses.delete_email_identity(EmailIdentity="example.com"),
        "configuration-set": lambda: ses.delete_configuration_set(ConfigurationSetName="cs-main"),
        "template": lambda: ses.delete_email_template(TemplateName="welcome"),
    }
    for kind, delete in deletes.items():
        with pytest.raises(ses.exceptions.BadRequestException) as exc:
            delete()
        assert "acme" in exc.value.response["Error"]["Message"], kind
    for kind, delete in deletes.items():
        ses.delete_tenant_resource_association(TenantName="acme", ResourceArn=resources[kind])
        delete()
    assert ses.list_email_identities()["EmailIdentities"] == []
    assert ses.list_configuration_sets()["ConfigurationSets"] == []
    assert ses.list_email_templates()["TemplatesMetadata"] == []


def test_deleting_missing_resources_is_not_found(ses):
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.delete_email_identity(EmailIdentity="nope.example")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.delete_configuration_set(ConfigurationSetName="nope")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.delete_email_template(TemplateName="nope")


def test_email_template_crud_and_paging(ses):
    for i in range(5):
        ses.create_email_template(TemplateName=f"tpl-{i}", TemplateContent={"Subject": f"S{i}", "Html": "<p>x</p>"},
                                  Tags=[{"Key": "n", "Value": str(i)}])
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_email_template(TemplateName="tpl-0", TemplateContent={"Subject": "dup"})
    got = ses.get_email_template(TemplateName="tpl-3")
    assert got["TemplateContent"] == {"Subject": "S3", "Html": "<p>x</p>"}
    assert got["Tags"] == [{"Key": "n", "Value": "3"}]
    ses.update_email_template(TemplateName="tpl-3", TemplateContent={"Subject": "new", "Text": "t"})
    assert ses.get_email_template(TemplateName="tpl-3")["TemplateContent"] == {"Subject": "new", "Text": "t"}
    first = ses.list_email_templates(PageSize=2)
    names = [t["TemplateName"] for t in first["TemplatesMetadata"]]
    token = first.get("NextToken")
    while token:
        page = ses.list_email_templates(PageSize=2, NextToken=token)
        names += [t["TemplateName"] for t in page["TemplatesMetadata"]]
        token = page.get("NextToken")
    assert names == [f"tpl-{i}" for i in range(5)]
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_email_template(TemplateName="nope")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.update_email_template(TemplateName="nope", TemplateContent={"Subject": "x"})
