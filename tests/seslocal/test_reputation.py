"""Reputation entities: defaults, policy, customer-managed and SES-managed status, aggregate — both modes."""

from __future__ import annotations

from datetime import datetime

import pytest

from .conftest import REGION, arn

STANDARD = f"arn:aws:ses:{REGION}:aws:reputation-policy/standard"
STRICT = f"arn:aws:ses:{REGION}:aws:reputation-policy/strict"


def entity(ses, tenant_arn):
    return ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn)[
        "ReputationEntity"]


def test_new_tenant_reputation_defaults(ses):
    tenant_arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    got = entity(ses, tenant_arn)
    assert got["ReputationEntityReference"] == tenant_arn
    assert got["ReputationEntityType"] == "RESOURCE"
    assert got["ReputationManagementPolicy"] == STANDARD
    assert got["CustomerManagedStatus"]["Status"] == "ENABLED"
    assert got["AwsSesManagedStatus"]["Status"] == "ENABLED"
    assert isinstance(got["CustomerManagedStatus"]["LastUpdatedTimestamp"], datetime)
    assert got["SendingStatusAggregate"] == "ENABLED"
    assert got["ReputationImpact"] in ("LOW", "HIGH")


def test_update_policy(ses):
    tenant_arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    ses.update_reputation_entity_policy(ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn,
                                        ReputationEntityPolicy=STRICT)
    assert entity(ses, tenant_arn)["ReputationManagementPolicy"] == STRICT
    for bad in ("strict", f"arn:aws:ses:{REGION}:aws:reputation-policy/lenient",
                f"arn:aws:ses:{REGION}:123456789012:reputation-policy/strict",
                "arn:aws:ses:eu-west-1:aws:reputation-policy/strict"):
        with pytest.raises(ses.exceptions.BadRequestException):
            ses.update_reputation_entity_policy(ReputationEntityType="RESOURCE",
                                                ReputationEntityReference=tenant_arn, ReputationEntityPolicy=bad)


def test_customer_managed_status_drives_aggregate_and_tenant_status(ses):
    tenant_arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    for status, aggregate in (("DISABLED", "DISABLED"), ("REINSTATED", "REINSTATED"), ("ENABLED", "ENABLED")):
        ses.update_reputation_entity_customer_managed_status(
            ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn, SendingStatus=status)
        got = entity(ses, tenant_arn)
        assert got["CustomerManagedStatus"]["Status"] == status
        assert got["SendingStatusAggregate"] == aggregate
        assert ses.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == aggregate
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.update_reputation_entity_customer_managed_status(
            ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn, SendingStatus="PAUSED")


def test_ses_managed_pause_wins_over_customer_status(ses, ses_env):
    tenant_arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    paused = ses_env.pause("acme", cause="High bounce rate", impact="HIGH")
    assert paused["AwsSesManagedStatus"]["Status"] == "DISABLED"
    got = entity(ses, tenant_arn)
    assert got["AwsSesManagedStatus"]["Status"] == "DISABLED"
    assert got["AwsSesManagedStatus"]["Cause"] == "High bounce rate"
    assert got["ReputationImpact"] == "HIGH"
    ses.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn, SendingStatus="REINSTATED")
    assert entity(ses, tenant_arn)["SendingStatusAggregate"] == "DISABLED"
    ses_env.pause("acme", "ENABLED")
    got = entity(ses, tenant_arn)
    assert got["SendingStatusAggregate"] == "REINSTATED"
    assert got["AwsSesManagedStatus"] == {"Status": "ENABLED",
                                          "LastUpdatedTimestamp": got["AwsSesManagedStatus"]["LastUpdatedTimestamp"]}
    assert "simulated" in ses_env.pause("acme")["AwsSesManagedStatus"]["Cause"]  # default cause of a pause


def test_unknown_entities(ses):
    ghost = arn("tenant/ghost/tn-00000000000000000000000000000000")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=ghost)
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.update_reputation_entity_policy(ReputationEntityType="RESOURCE", ReputationEntityReference=ghost,
                                            ReputationEntityPolicy=STRICT)
    tenant_arn = ses.create_tenant(TenantName="acme")["TenantArn"]
    stale = tenant_arn.rsplit("/", 1)[0] + "/tn-ffffffffffffffffffffffffffffffff"
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=stale)
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.get_reputation_entity(ReputationEntityType="ACCOUNT", ReputationEntityReference=tenant_arn)


def test_list_reputation_entities_paging_and_filters(ses, ses_env):
    arns = {ses.create_tenant(TenantName=f"t{i:02d}")["TenantArn"] for i in range(12)}
    ses_env.pause("t03", impact="HIGH")
    pages = list(ses.get_paginator("list_reputation_entities").paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["ReputationEntities"]) for p in pages] == [5, 5, 2]
    assert {e["ReputationEntityReference"] for p in pages for e in p["ReputationEntities"]} == arns
    disabled = ses.list_reputation_entities(Filter={"SENDING_STATUS": "DISABLED"})["ReputationEntities"]
    assert [e["ReputationEntityReference"].split("/")[1] for e in disabled] == ["t03"]
    high = ses.list_reputation_entities(Filter={"REPUTATION_IMPACT": "HIGH"})["ReputationEntities"]
    assert len(high) == 1
    prefix = arn("tenant/t1")
    by_prefix = ses.list_reputation_entities(Filter={"ENTITY_REFERENCE_PREFIX": prefix})["ReputationEntities"]
    assert sorted(e["ReputationEntityReference"].split("/")[1] for e in by_prefix) == ["t10", "t11"]
    assert len(ses.list_reputation_entities(Filter={"ENTITY_TYPE": "RESOURCE"})["ReputationEntities"]) == 12
