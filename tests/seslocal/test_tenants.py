"""Tenant lifecycle, names, listing/paging, tags, suppression — through a real boto3 client, both modes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from .conftest import ACCOUNT, REGION, arn


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def test_create_tenant_returns_documented_shape(ses):
    out = ses.create_tenant(TenantName="acme", Tags=[{"Key": "team", "Value": "mail"}])
    assert out["TenantName"] == "acme"
    assert re.fullmatch(r"tn-[0-9a-f]{32}", out["TenantId"])
    assert out["TenantArn"] == f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/acme/{out['TenantId']}"
    assert isinstance(out["CreatedTimestamp"], datetime)
    assert out["SendingStatus"] == "ENABLED"
    assert out["Tags"] == [{"Key": "team", "Value": "mail"}]
    assert "SuppressionAttributes" not in out


def test_get_tenant(ses):
    created = ses.create_tenant(TenantName="acme")
    tenant = ses.get_tenant(TenantName="acme")["Tenant"]
    assert tenant["TenantId"] == created["TenantId"]
    assert tenant["TenantArn"] == created["TenantArn"]
    assert tenant["CreatedTimestamp"] == created["CreatedTimestamp"]
    assert tenant["SendingStatus"] == "ENABLED"
    assert tenant["Tags"] == []


def test_duplicate_create_is_already_exists(ses):
    ses.create_tenant(TenantName="acme")
    with pytest.raises(ses.exceptions.AlreadyExistsException) as exc:
        ses.create_tenant(TenantName="acme")
    assert "acme" in exc.value.response["Error"]["Message"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("name", ["a" * 65, "has space", "dot.name", "slash/name", "ümlaut", "semi;colon"])
def test_invalid_tenant_names_are_bad_request(ses, name):
    with pytest.raises(ses.exceptions.BadRequestException) as exc:
        ses.create_tenant(TenantName=name)
    assert "1-64" in exc.value.response["Error"]["Message"]


def test_boundary_names_are_accepted(ses):
    for name in ("a" * 64, "A", "Under_score-dash-09"):
        assert ses.create_tenant(TenantName=name)["TenantName"] == name


def test_empty_name_is_rejected_by_the_sdk(ses):
    with pytest.raises(ParamValidationError):
        ses.create_tenant(TenantName="")


def test_unknown_tenant_is_not_found(ses):
    for call in (lambda: ses.get_tenant(TenantName="ghost"), lambda: ses.delete_tenant(TenantName="ghost"),
                 lambda: ses.list_tenant_resources(TenantName="ghost"),
                 lambda: ses.put_tenant_suppression_attributes(TenantName="ghost")):
        with pytest.raises(ses.exceptions.NotFoundException) as exc:
            call()
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_delete_tenant(ses):
    ses.create_tenant(TenantName="acme")
    ses.delete_tenant(TenantName="acme")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_tenant(TenantName="acme")
    assert ses.list_tenants()["Tenants"] == []


def test_list_tenants_pages_with_paginator(ses):
    names = {f"tenant-{i:02d}" for i in range(23)}
    for name in names:
        ses.create_tenant(TenantName=name)
    pages = list(ses.get_paginator("list_tenants").paginate(PaginationConfig={"PageSize": 10}))
    assert [len(p["Tenants"]) for p in pages] == [10, 10, 3]
    listed = [t["TenantName"] for p in pages for t in p["Tenants"]]
    assert set(listed) == names and len(listed) == len(names)
    assert all(set(t) == {"TenantName", "TenantId", "TenantArn", "CreatedTimestamp", "SendingStatus"}
               for p in pages for t in p["Tenants"])


def test_list_tenants_default_page_size_is_100(ses):
    for i in range(101):
        ses.create_tenant(TenantName=f"t{i:03d}")
    first = ses.list_tenants()
    assert len(first["Tenants"]) == 100 and first["NextToken"]
    second = ses.list_tenants(NextToken=first["NextToken"])
    assert [t["TenantName"] for t in second["Tenants"]] == ["t100"]
    assert "NextToken" not in second


def test_paging_is_stable_when_tenants_are_deleted_between_pages(ses):
    for i in range(6):
        ses.create_tenant(TenantName=f"t{i}")
    first = ses.list_tenants(PageSize=3)
    ses.delete_tenant(TenantName="t1")
    second = ses.list_tenants(PageSize=3, NextToken=first["NextToken"])
    assert [t["TenantName"] for t in first["Tenants"]] == ["t0", "t1", "t2"]
    assert [t["TenantName"] for t in second["Tenants"]] == ["t3", "t4", "t5"]


def test_bad_page_size_and_token_are_bad_request(ses):
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.list_tenants(PageSize=0)
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.list_tenants(NextToken="not-a-token")


def test_list_tenants_filters(ses, ses_env):
    for name in ("shop-a", "shop-b", "blog"):
        ses.create_tenant(TenantName=name)
    ses_env.pause("shop-b")
    by_name = ses.list_tenants(Filter={"TENANT_NAME_CONTAINS": "shop"})["Tenants"]
    assert sorted(t["TenantName"] for t in by_name) == ["shop-a", "shop-b"]
    disabled = ses.list_tenants(Filter={"SENDING_STATUS": "DISABLED"})["Tenants"]
    assert [(t["TenantName"], t["SendingStatus"]) for t in disabled] == [("shop-b", "DISABLED")]
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.list_tenants(Filter={"NOPE": "x"})


def test_tags_on_tenant_arn(ses):
    tenant_arn = ses.create_tenant(TenantName="acme", Tags=[{"Key": "a", "Value": "1"}])["TenantArn"]
    ses.tag_resource(ResourceArn=tenant_arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "9"}])
    tags = {t["Key"]: t["Value"] for t in ses.list_tags_for_resource(ResourceArn=tenant_arn)["Tags"]}
    assert tags == {"a": "9", "b": "2"}
    ses.untag_resource(ResourceArn=tenant_arn, TagKeys=["a"])
    assert ses.list_tags_for_resource(ResourceArn=tenant_arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    assert ses.get_tenant(TenantName="acme")["Tenant"]["Tags"] == [{"Key": "b", "Value": "2"}]


def test_tags_are_dropped_with_the_tenant(ses):
    ses.create_tenant(TenantName="acme", Tags=[{"Key": "a", "Value": "1"}])
    ses.delete_tenant(TenantName="acme")
    again = ses.create_tenant(TenantName="acme")
    assert again["Tags"] == []
    assert ses.list_tags_for_resource(ResourceArn=again["TenantArn"])["Tags"] == []


def test_tagging_unknown_tenant_arn_is_not_found(ses):
    ghost = arn("tenant/ghost/tn-0123456789abcdef0123456789abcdef")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.tag_resource(ResourceArn=ghost, Tags=[{"Key": "a", "Value": "1"}])
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.untag_resource(ResourceArn=ghost, TagKeys=["a"])
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.list_tags_for_resource(ResourceArn=ghost)


def test_create_with_suppression_attributes(ses):
    attrs = {"SuppressionScope": "TENANT", "SuppressedReasons": ["BOUNCE", "COMPLAINT"]}
    out = ses.create_tenant(TenantName="acme", SuppressionAttributes=attrs)
    assert out["SuppressionAttributes"] == attrs
    assert ses.get_tenant(TenantName="acme")["Tenant"]["SuppressionAttributes"] == attrs


def test_put_suppression_set_and_clear(ses):
    ses.create_tenant(TenantName="acme")
    ses.put_tenant_suppression_attributes(TenantName="acme", SuppressionScope="ACCOUNT", SuppressedReasons=["BOUNCE"])
    assert ses.get_tenant(TenantName="acme")["Tenant"]["SuppressionAttributes"] == {
        "SuppressionScope": "ACCOUNT", "SuppressedReasons": ["BOUNCE"]}
    ses.put_tenant_suppression_attributes(TenantName="acme")
    assert "SuppressionAttributes" not in ses.get_tenant(TenantName="acme")["Tenant"]


@pytest.mark.parametrize("kwargs", [
    {"SuppressionScope": "TENANT"},
    {"SuppressedReasons": ["BOUNCE"]},
    {"SuppressionScope": "GLOBAL", "SuppressedReasons": ["BOUNCE"]},
    {"SuppressionScope": "TENANT", "SuppressedReasons": ["SPAM"]},
])
def test_put_suppression_rejects_half_or_invalid_settings(ses, kwargs):
    ses.create_tenant(TenantName="acme")
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.put_tenant_suppression_attributes(TenantName="acme", **kwargs)
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.create_tenant(TenantName="other", SuppressionAttributes=kwargs)


def test_tenant_quota_gives_limit_exceeded(ses, ses_env):
    ses_env.configure(tenant_quota=2)
    ses.create_tenant(TenantName="a")
    ses.create_tenant(TenantName="b")
    with pytest.raises(ses.exceptions.LimitExceededException) as exc:
        ses.create_tenant(TenantName="c")
    assert "quota of 2" in exc.value.response["Error"]["Message"]


def test_tenant_suppressed_destinations_and_cascade(ses):
    ses.create_tenant(TenantName="acme")
    ses.put_suppressed_destination(EmailAddress="bounce@example.org", Reason="BOUNCE", TenantName="acme")
    ses.put_suppressed_destination(EmailAddress="angry@example.org", Reason="COMPLAINT", TenantName="acme")
    ses.put_suppressed_destination(EmailAddress="account@example.org", Reason="BOUNCE")
    got = ses.get_suppressed_destination(EmailAddress="bounce@example.org", TenantName="acme")["SuppressedDestination"]
    assert (got["EmailAddress"], got["Reason"], got["TenantName"]) == ("bounce@example.org", "BOUNCE", "acme")
    with pytest.raises(ses.exceptions.NotFoundException):  # tenant list and account list are separate
        ses.get_suppressed_destination(EmailAddress="bounce@example.org")
    listed = ses.list_suppressed_destinations(TenantName="acme", Reasons=["COMPLAINT"])
    assert [d["EmailAddress"] for d in listed["SuppressedDestinationSummaries"]] == ["angry@example.org"]
    assert len(ses.list_suppressed_destinations(TenantName="acme", PageSize=1)["SuppressedDestinationSummaries"]) == 1
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.put_suppressed_destination(EmailAddress="x@example.org", Reason="BOUNCE", TenantName="ghost")

    ses.delete_tenant(TenantName="acme")
    ses.create_tenant(TenantName="acme")
    assert ses.list_suppressed_destinations(TenantName="acme")["SuppressedDestinationSummaries"] == []
    account = ses.list_suppressed_destinations()["SuppressedDestinationSummaries"]
    assert [d["EmailAddress"] for d in account] == ["account@example.org"]
    ses.delete_suppressed_destination(EmailAddress="account@example.org")
    assert ses.list_suppressed_destinations()["SuppressedDestinationSummaries"] == []
