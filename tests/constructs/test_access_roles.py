"""TenantAccessRoles / TenantSenderRole: every statement, trust policies, tenant pinning, no wildcards."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from ses_tenants_constructs.access import TenantAccessRoles, TenantSenderRole, check_principals

ENV = cdk.Environment(account="111122223333", region="eu-west-1")
ADMIN = "arn:aws:iam::111122223333:role/platform-admin"
SENDER = "444455556666"
READER = "arn:aws:iam::777788889999:root"


def _arn(value: object) -> str:
    if isinstance(value, str):
        return value
    parts = value["Fn::Join"][1]  # type: ignore[index]
    return "".join(p if isinstance(p, str) else {"AWS::Partition": "aws"}.get(p.get("Ref"), "?") for p in parts)


@pytest.fixture(scope="module")
def tpl() -> dict:
    stack = cdk.Stack(cdk.App(), "Access", env=ENV)
    TenantAccessRoles(
        stack,
        "Roles",
        admin_principals=[iam.ArnPrincipal(ADMIN)],
        sender_principals=[iam.AccountPrincipal(SENDER)],
        readonly_principals=[iam.ArnPrincipal(READER), iam.AccountRootPrincipal()],
    )
    TenantSenderRole(
        stack,
        "AcmeSender",
        tenant_name="acme",
        principals=[iam.AccountPrincipal(SENDER)],
        resource_arns=[
            "arn:aws:ses:eu-west-1:111122223333:identity/acme.example",
            "arn:aws:ses:eu-west-1:111122223333:template/acme-welcome",
        ],
    )
    return Template.from_stack(stack).to_json()


def _role(tpl: dict, prefix: str) -> tuple[dict, list[dict]]:
    roles = {k: v for k, v in tpl["Resources"].items() if v["Type"] == "AWS::IAM::Role" and k.startswith(prefix)}
    assert len(roles) == 1, roles.keys()
    ((role_id, role),) = roles.items()
    policies = [
        v
        for v in tpl["Resources"].values()
        if v["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in v["Properties"]["Roles"]
    ]
    assert len(policies) == 1
    return role["Properties"], policies[0]["Properties"]["PolicyDocument"]["Statement"]


def _by_sid(statements: list[dict]) -> dict[str, dict]:
    return {s["Sid"]: s for s in statements}


def _actions(s: dict) -> list[str]:
    return sorted(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])


def _resources(s: dict) -> list[str]:
    res = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
    return sorted(_arn(r) for r in res)


SCOPE = "arn:aws:ses:eu-west-1:111122223333"


def test_admin_role(tpl: dict, configure_tenant_actions: list[str]) -> None:
    role, statements = _role(tpl, "RolesAdminRole")
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": ADMIN}}
    ]
    st = _by_sid(statements)
    assert set(st) == {
        "ConfigureTenants",
        "TenantAssociations",
        "ResourceTenants",
        "ReputationPolicy",
        "ListTenants",
        "DenyDeleteTenant",
        "DenyOwnershipTag",
    }
    assert _actions(st["ConfigureTenants"]) == configure_tenant_actions
    assert _resources(st["ConfigureTenants"]) == [f"{SCOPE}:tenant/*"]
    assert _actions(st["TenantAssociations"]) == [
        "ses:CreateTenantResourceAssociation",
        "ses:DeleteTenantResourceAssociation",
    ]
    # An association needs permission on the resource's ARN as well as on the tenant's.
    assert _resources(st["TenantAssociations"]) == sorted(
        [f"{SCOPE}:tenant/*", f"{SCOPE}:identity/*", f"{SCOPE}:configuration-set/*", f"{SCOPE}:template/*"]
    )
    assert _actions(st["ResourceTenants"]) == ["ses:ListResourceTenants"]
    assert _actions(st["ReputationPolicy"]) == ["ses:UpdateReputationEntityPolicy"]
    assert _resources(st["ReputationPolicy"]) == sorted(
        [f"{SCOPE}:tenant/*", "arn:aws:ses:eu-west-1:aws:reputation-policy/*"]
    )
    assert (_actions(st["ListTenants"]), st["ListTenants"]["Resource"]) == (["ses:ListTenants"], "*")
    assert st["DenyDeleteTenant"] == {
        "Sid": "DenyDeleteTenant",
        "Effect": "Deny",
        "Action": "ses:DeleteTenant",
        "Resource": "*",
    }
    assert st["DenyOwnershipTag"]["Effect"] == "Deny"
    assert _actions(st["DenyOwnershipTag"]) == ["ses:CreateTenant", "ses:TagResource", "ses:UntagResource"]
    assert st["DenyOwnershipTag"]["Condition"] == {
        "ForAnyValue:StringEquals": {"aws:TagKeys": ["ses-tenants:deployment"]}
    }
    allowed = {a for s in statements if s["Effect"] == "Allow" for a in _actions(s)}
    assert "ses:DeleteTenant" not in allowed


def test_shared_sender_role(tpl: dict) -> None:
    role, statements = _role(tpl, "RolesSenderRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert sorted(trust["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert _arn(trust["Principal"]["AWS"]) == f"arn:aws:iam::{SENDER}:root"
    assert trust["Condition"] == {"StringLike": {"aws:RequestTag/ses-tenant": "?*"}}
    (send,) = statements
    assert send["Sid"] == "SendAsSessionTenant"
    assert _actions(send) == ["ses:SendBulkEmail", "ses:SendEmail"]
    assert _resources(send) == sorted([f"{SCOPE}:identity/*", f"{SCOPE}:configuration-set/*", f"{SCOPE}:template/*"])
    assert send["Condition"] == {
        "StringEquals": {"ses:TenantName": "${aws:PrincipalTag/ses-tenant}"},
        "Null": {"ses:TenantName": "false"},
    }


def test_readonly_role(tpl: dict) -> None:
    role, statements = _role(tpl, "RolesReadOnlyRole")
    principals = [s["Principal"]["AWS"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
    assert READER in principals and len(principals) == 2
    st = _by_sid(statements)
    assert set(st) == {"ReadTenants", "ReadResourceTenants", "ListTenantsAndRecommendations"}
    assert _actions(st["ReadTenants"]) == sorted(
        ["ses:GetTenant", "ses:ListTenantResources", "ses:GetReputationEntity", "ses:ListReputationEntities"]
    )
    assert _resources(st["ReadTenants"]) == [f"{SCOPE}:tenant/*"]
    assert _actions(st["ReadResourceTenants"]) == ["ses:ListResourceTenants"]
    assert _actions(st["ListTenantsAndRecommendations"]) == ["ses:ListRecommendations", "ses:ListTenants"]
    assert st["ListTenantsAndRecommendations"]["Resource"] == "*"
    assert all(s["Effect"] == "Allow" for s in statements)
    for action in (a for s in statements for a in _actions(s)):
        verb = action.split(":")[1]
        assert verb.startswith(("Get", "List")), action


def test_per_tenant_sender_role(tpl: dict) -> None:
    role, statements = _role(tpl, "AcmeSenderRole")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
    (send,) = statements
    assert _actions(send) == ["ses:SendBulkEmail", "ses:SendEmail"]
    assert _resources(send) == sorted([f"{SCOPE}:identity/acme.example", f"{SCOPE}:template/acme-welcome"])
    assert send["Condition"] == {"StringEquals": {"ses:TenantName": "acme"}, "Null": {"ses:TenantName": "false"}}


def test_never_send_raw_email_nor_wildcard_actions(tpl: dict) -> None:
    actions = {
        a
        for v in tpl["Resources"].values()
        if v["Type"] == "AWS::IAM::Policy"
        for s in v["Properties"]["PolicyDocument"]["Statement"]
        for a in _actions(s)
    }
    assert {"ses:SendEmail", "ses:SendBulkEmail"} <= actions
    assert "ses:SendRawEmail" not in actions
    assert not any("*" in a for a in actions)
    # The role descriptions say so too (what an operator sees in the console).
    assert "no SendRawEmail" in json.dumps(tpl)


def test_no_role_has_a_fixed_name(tpl: dict) -> None:
    # Generated names: several environments in one account never collide.
    roles = [v for v in tpl["Resources"].values() if v["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 4
    assert all("RoleName" not in r["Properties"] for r in roles)


@pytest.mark.parametrize("principal", [iam.AnyPrincipal(), iam.StarPrincipal(), iam.ArnPrincipal("*")])
def test_wildcard_principals_are_refused(principal: iam.IPrincipal) -> None:
    with pytest.raises(ValueError, match="wildcard"):
        check_principals([principal], "admin role")
    stack = cdk.Stack(cdk.App(), "Bad", env=ENV)
    with pytest.raises(ValueError, match="wildcard"):
        TenantAccessRoles(
            stack,
            "Roles",
            admin_principals=[iam.AccountRootPrincipal()],
            sender_principals=[principal],
            readonly_principals=[iam.AccountRootPrincipal()],
        )


def test_empty_principals_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        check_principals([], "read-only role")
    stack = cdk.Stack(cdk.App(), "Empty", env=ENV)
    with pytest.raises(ValueError, match="at least one"):
        TenantSenderRole(stack, "S", tenant_name="acme", principals=[])


def test_sender_role_without_resources_defaults_to_the_account(new_stack) -> None:
    stack = new_stack(ENV)
    TenantSenderRole(stack, "S", tenant_name="globex", principals=[iam.AccountRootPrincipal()])
    tpl = Template.from_stack(stack).to_json()
    _, statements = _role(tpl, "SRole")
    assert _resources(statements[0]) == sorted(
        [f"{SCOPE}:identity/*", f"{SCOPE}:configuration-set/*", f"{SCOPE}:template/*"]
    )
    assert statements[0]["Condition"]["StringEquals"] == {"ses:TenantName": "globex"}
