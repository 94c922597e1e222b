"""Stacks: template size independent of the tenant count, per-tenant sender roles, stages, dependencies."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from ses_tenants_engine import model

from stacks.access import MAX_TENANT_SENDER_ROLES, AccessStack
from stacks.app import apply_nag, build_stacks, cdk_json_context
from stacks.config import AppConfig, ConfigError
from stacks.monitoring import MonitoringStack


def _spec(n: int, *, sender: dict | None = None, every: int = 0) -> model.Spec:
    tenants = []
    for i in range(n):
        tenants.append(
            model.TenantSpec(
                name=f"customer-{i:05d}",
                reputation_policy=("standard", "strict", "none")[i % 3],
                sending="DISABLED" if i % 7 == 0 else "ENABLED",
                tags={"customer": f"c{i}"},
                resources=(
                    model.Resource("EMAIL_IDENTITY", f"mail{i}.example.com"),
                    model.Resource("CONFIGURATION_SET", f"cs-{i}"),
                    model.Resource("EMAIL_TEMPLATE", f"welcome-{i}"),
                ),
                sender_access=sender if every and i % every == 0 else None,
            )
        )
    return model.Spec(tenants=tuple(tenants), deployment="scale")


def _templates(spec: model.Spec, outdir) -> tuple[dict[str, str], str]:
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    stacks = build_stacks(app, spec, AppConfig())
    app.synth()
    texts = {s.stack_name: json.dumps(Template.from_stack(s).to_json(), sort_keys=True) for s in stacks.all()}
    return texts, stacks.tenants.provisioner.spec_asset.asset_hash


def test_template_size_does_not_depend_on_the_tenant_count(tmp_path) -> None:
    small, small_hash = _templates(_spec(10), tmp_path / "small")
    large, large_hash = _templates(_spec(1000), tmp_path / "large")
    assert small_hash != large_hash
    assert len(_spec(1000).dumps()) > 90 * len(_spec(10).dumps()) // 10  # the spec really grew
    assert set(small) == set(large) == {"SesTenants-Monitoring", "SesTenants-Access", "SesTenants-Tenants"}
    for name in small:
        a = small[name].replace(small_hash, "<SPEC>")
        b = large[name].replace(large_hash, "<SPEC>")
        assert a == b, name
    # Only the spec hash differs, and the tenants template is far below CloudFormation's 1 MB limit.
    # SpecKey and SpecHash of both custom resources, and the SpecHash output.
    assert small["SesTenants-Tenants"].count(small_hash) == 5
    assert len(large["SesTenants-Tenants"]) < 100_000


def _access_template(spec: model.Spec, **kwargs) -> dict:
    stack = AccessStack(
        cdk.App(),
        "Access",
        spec=spec,
        admin_principals=[iam.AccountRootPrincipal()],
        sender_principals=kwargs.get("sender", [iam.AccountPrincipal("444455556666")]),
        readonly_principals=[iam.AccountRootPrincipal()],
    )
    return Template.from_stack(stack).to_json()


def _tenant_roles(tpl: dict) -> dict[str, dict]:
    """Per-tenant sender statements by tenant name."""
    out = {}
    for res in tpl["Resources"].values():
        if res["Type"] != "AWS::IAM::Policy":
            continue
        for s in res["Properties"]["PolicyDocument"]["Statement"]:
            name = s.get("Condition", {}).get("StringEquals", {}).get("ses:TenantName", "")
            if name and not name.startswith("${"):
                out[name] = s
    return out


def test_sender_access_opt_in_builds_one_role_per_tenant() -> None:
    spec = model.Spec(
        tenants=(
            model.TenantSpec(
                name="acme",
                resources=(model.Resource("EMAIL_IDENTITY", "acme.example"), model.Resource("EMAIL_TEMPLATE", "t1")),
                sender_access={"role": True},
            ),
            model.TenantSpec(
                name="globex", sender_access={"role": True, "principals": ["arn:aws:iam::999988887777:role/globex-app"]}
            ),
            model.TenantSpec(name="initech", sender_access={"role": False}),
            model.TenantSpec(name="umbrella", sender_access=None),
            model.TenantSpec(name="vandelay"),
        )
    )
    tpl = _access_template(spec)
    roles = _tenant_roles(tpl)
    assert set(roles) == {"acme", "globex"}
    acme_resources = sorted(json.dumps(r) for r in roles["acme"]["Resource"])
    assert any("identity/acme.example" in r for r in acme_resources)
    assert any("template/t1" in r for r in acme_resources)
    assert len(acme_resources) == 2
    # globex has no resources in the spec: the role may use any identity / set / template of the account.
    assert len(roles["globex"]["Resource"]) == 3
    trusts = [
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
        for r in tpl["Resources"].values()
        if r["Type"] == "AWS::IAM::Role"
    ]
    assert "arn:aws:iam::999988887777:role/globex-app" in trusts
    outputs = tpl["Outputs"]
    tenant_outputs = sorted(o["Description"] for o in outputs.values() if "tenant" in o.get("Description", ""))
    assert tenant_outputs == ["sender role of tenant acme", "sender role of tenant globex"]
    assert len(outputs) == 6


def test_similar_tenant_names_get_distinct_roles_and_outputs() -> None:
    # "a-b" and "ab" would collide if names were used raw as logical ids.
    spec = model.Spec(
        tenants=tuple(model.TenantSpec(name=n, sender_access={"role": True}) for n in ("a-b", "ab", "a_b", "A-B"))
    )
    tpl = _access_template(spec)
    assert set(_tenant_roles(tpl)) == {"a-b", "ab", "a_b", "A-B"}
    descriptions = sorted(o.get("Description", "") for o in tpl["Outputs"].values())
    assert [d for d in descriptions if d.startswith("sender role of tenant")] == [
        "sender role of tenant A-B",
        "sender role of tenant a-b",
        "sender role of tenant a_b",
        "sender role of tenant ab",
    ]


def test_sender_access_principals_are_validated() -> None:
    spec = model.Spec(tenants=(model.TenantSpec(name="acme", sender_access={"role": True, "principals": ["*"]}),))
    with pytest.raises(ConfigError, match="wildcard"):
        _access_template(spec)


def test_too_many_per_tenant_roles_is_a_clear_error() -> None:
    spec = _spec(MAX_TENANT_SENDER_ROLES + 1, sender={"role": True}, every=1)
    with pytest.raises(ConfigError, match="shared sender role"):
        _access_template(spec)


def test_two_stages_do_not_collide(tmp_path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    spec = _spec(3)
    built = {}
    for env in ("dev", "prod"):
        # dev has a concrete account and region (literal ARNs), prod is environment-agnostic (tokens):
        # the cdk-nag acknowledgements must match the findings in both forms.
        environment = cdk.Environment(account="111122223333", region="eu-west-1") if env == "dev" else None
        stage = cdk.Stage(app, env, env=environment)
        built[env] = build_stacks(stage, spec, AppConfig(log_group_name=f"/{env}/ses/tenants"))
    apply_nag(app)  # registered on the app, it checks the stacks inside the stages too
    app.synth()
    names = {s.stack_name for stacks in built.values() for s in stacks.all()}
    assert len(names) == 6 and all(re.match(r"^(dev|prod)-SesTenants-", n) for n in names)
    policy_names = set()
    for stacks in built.values():
        tpl = Template.from_stack(stacks.monitoring).to_json()
        (policy,) = [r for r in tpl["Resources"].values() if r["Type"] == "AWS::Logs::ResourcePolicy"]
        policy_names.add(policy["Properties"]["PolicyName"])
    assert len(policy_names) == 2
    dev_roles = Template.from_stack(built["dev"].access).to_json()
    assert "arn:aws:ses:eu-west-1:111122223333:tenant/*" in json.dumps(dev_roles)


def test_monitoring_with_an_existing_kms_key() -> None:
    key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    stack = MonitoringStack(cdk.App(), "Mon", log_kms_key=key_arn, log_group_name="/team/ses/tenants")
    tpl = Template.from_stack(stack).to_json()
    (group,) = [r for r in tpl["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert group["Properties"]["KmsKeyId"] == key_arn
    assert group["Properties"]["LogGroupName"] == "/team/ses/tenants"
    assert not [r for r in tpl["Resources"].values() if r["Type"] in ("AWS::KMS::Key", "AWS::SNS::Topic")]
