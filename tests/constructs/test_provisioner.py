"""TenantProvisioner: custom resources, spec asset, Provider timing, Lambda settings, least-privilege role."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Template
from ses_tenants_constructs.provisioner import (
    OWNERSHIP_TAG_KEY,
    PRUNE_LOGICAL_ID,
    RECONCILE_LOGICAL_ID,
    TenantProvisioner,
    check_timeouts,
    handler_function_names,
)
from ses_tenants_engine import model

from constructs import Construct

SPEC = '{"deployment":"acme","settings":{},"spec_version":1,"tenants":[{"name":"a"}]}'


def _spec(n: int) -> str:
    tenants = tuple(model.TenantSpec(name=f"tenant-{i:05d}") for i in range(n))
    return model.Spec(tenants=tenants, deployment="acme").dumps()


@pytest.fixture(scope="module")
def built() -> dict:
    app = cdk.App()
    stack = cdk.Stack(app, "Prov")
    code = cdk.aws_lambda.Code.from_asset(
        str(Path(__file__).resolve().parents[2] / "lambda"), exclude=["**/__pycache__"]
    )
    prov = TenantProvisioner(stack, "Provisioner", spec_document=SPEC, deployment="acme", code=code)
    template = Template.from_stack(stack)
    assembly = app.synth()
    return {
        "stack": stack,
        "prov": prov,
        "template": template,
        "json": template.to_json(),
        "outdir": assembly.directory,
    }


def _by_type(tpl: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in tpl["Resources"].items() if v["Type"] == type_}


def test_two_custom_resources_with_pinned_logical_ids(built: dict) -> None:
    res = built["json"]["Resources"]
    assert res[RECONCILE_LOGICAL_ID]["Type"] == "Custom::SesTenants"
    assert res[PRUNE_LOGICAL_ID]["Type"] == "Custom::SesTenantsPrune"
    assert len(_by_type(built["json"], "Custom::SesTenants")) == 1
    assert len(_by_type(built["json"], "Custom::SesTenantsPrune")) == 1


def test_custom_resource_properties_carry_only_the_spec_location(built: dict) -> None:
    prov: TenantProvisioner = built["prov"]
    asset_hash = prov.spec_asset.asset_hash
    for logical_id, mode in ((RECONCILE_LOGICAL_ID, "reconcile"), (PRUNE_LOGICAL_ID, "prune")):
        props = built["json"]["Resources"][logical_id]["Properties"]
        assert set(props) == {
            "ServiceToken",
            "ServiceTimeout",
            "SpecBucket",
            "SpecKey",
            "SpecHash",
            "Mode",
            "Deployment",
        }
        assert props["Mode"] == mode
        assert props["Deployment"] == "acme"
        assert props["SpecHash"] == asset_hash
        assert props["SpecKey"] == f"{asset_hash}.json"
        assert props["SpecBucket"] == {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}
        # onEvent 14 min + waiter 40 min + last isComplete 5 min: CloudFormation gives up with the Provider.
        assert props["ServiceTimeout"] == "3540"
        assert "ProviderframeworkonEvent" in props["ServiceToken"]["Fn::GetAtt"][0]


def test_spec_asset_holds_the_document(built: dict) -> None:
    asset = Path(built["outdir"]) / f"asset.{built['prov'].spec_asset.asset_hash}.json"
    assert json.loads(asset.read_text()) == json.loads(SPEC)


def test_prune_runs_after_reconcile(built: dict) -> None:
    depends = built["json"]["Resources"][PRUNE_LOGICAL_ID].get("DependsOn", [])
    assert RECONCILE_LOGICAL_ID in depends


def test_prune_after_adds_dependencies(new_stack) -> None:
    stack = new_stack()
    code = cdk.aws_lambda.Code.from_inline("x")
    prov = TenantProvisioner(stack, "P", spec_document=SPEC, deployment="acme", code=code)
    other = cdk.aws_sqs.Queue(stack, "Other", enforce_ssl=True)
    prov.prune_after(other)
    tpl = Template.from_stack(stack).to_json()
    queue_id = next(iter(_by_type(tpl, "AWS::SQS::Queue")))
    assert queue_id in tpl["Resources"][PRUNE_LOGICAL_ID]["DependsOn"]


def test_logical_ids_survive_moving_the_construct(new_stack) -> None:
    stack = new_stack()
    nested = Construct(Construct(stack, "Refactored"), "Deeper")
    TenantProvisioner(nested, "Moved", spec_document=SPEC, deployment="acme", code=cdk.aws_lambda.Code.from_inline("x"))
    res = Template.from_stack(stack).to_json()["Resources"]
    assert res[RECONCILE_LOGICAL_ID]["Type"] == "Custom::SesTenants"
    assert res[PRUNE_LOGICAL_ID]["Type"] == "Custom::SesTenantsPrune"


def test_template_does_not_grow_with_the_spec(new_stack) -> None:
    texts = []
    hashes = []
    for n in (10, 1000):
        stack = new_stack()
        prov = TenantProvisioner(
            stack, "P", spec_document=_spec(n), deployment="acme", code=cdk.aws_lambda.Code.from_inline("x")
        )
        texts.append(json.dumps(Template.from_stack(stack).to_json(), sort_keys=True))
        hashes.append(prov.spec_asset.asset_hash)
    assert hashes[0] != hashes[1]
    assert len(_spec(1000)) > 20 * len(_spec(10))
    assert texts[0].replace(hashes[0], "HASH") == texts[1].replace(hashes[1], "HASH")


def test_handlers_settings(built: dict) -> None:
    fns = _by_type(built["json"], "AWS::Lambda::Function")
    engine = {
        p["Properties"]["Handler"]: p["Properties"]
        for p in fns.values()
        if "ses_tenants_engine" in p["Properties"]["Handler"]
    }
    assert set(engine) == {"ses_tenants_engine.handler.on_event", "ses_tenants_engine.handler.is_complete"}
    on_event = engine["ses_tenants_engine.handler.on_event"]
    is_complete = engine["ses_tenants_engine.handler.is_complete"]
    for props in (on_event, is_complete):
        assert props["Runtime"] == "python3.14"
        assert props["MemorySize"] == 256
        assert props["Architectures"] == ["arm64"]
        assert "ReservedConcurrentExecutions" not in props
        assert props["LoggingConfig"]["LogGroup"]["Ref"].startswith("ProvisionerLogs")
    assert on_event["Timeout"] == 14 * 60
    assert is_complete["Timeout"] == 5 * 60


def test_explicit_log_group_with_retention(built: dict) -> None:
    groups = _by_type(built["json"], "AWS::Logs::LogGroup")
    assert len(groups) == 1
    (group,) = groups.values()
    assert group["Properties"]["RetentionInDays"] == 90
    # The Provider's own functions log to the same group (no implicit /aws/lambda/... groups without retention).
    fns = _by_type(built["json"], "AWS::Lambda::Function")
    assert len(fns) == 5
    assert all("LogGroup" in f["Properties"]["LoggingConfig"] for f in fns.values())


def test_waiter_polls_every_interval_until_total_timeout(built: dict) -> None:
    (sm,) = _by_type(built["json"], "AWS::StepFunctions::StateMachine").values()
    definition = sm["Properties"]["DefinitionString"]
    text = "".join(p if isinstance(p, str) else "X" for p in definition["Fn::Join"][1])
    retry = json.loads(text)["States"]["framework-isComplete-task"]["Retry"][0]
    assert retry["IntervalSeconds"] == 30
    assert retry["MaxAttempts"] == 80  # 40 min / 30 s
    assert retry["BackoffRate"] == 1


@pytest.mark.parametrize(
    ("on_event", "is_complete", "interval", "total", "message"),
    [
        (14, 5, 7, 40 * 60, "integer multiple"),
        (14, 5, 30, 45 * 60, "exceeds"),
        (16, 5, 30, 30 * 60, "between 1 s and 15 min"),
    ],
)
def test_timing_is_validated(on_event: int, is_complete: int, interval: int, total: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_timeouts(
            Duration.minutes(on_event),
            Duration.minutes(is_complete),
            Duration.seconds(interval),
            Duration.seconds(total),
        )


def test_custom_timing_sets_service_timeout(new_stack) -> None:
    stack = new_stack()
    TenantProvisioner(
        stack,
        "P",
        spec_document=SPEC,
        deployment="acme",
        code=cdk.aws_lambda.Code.from_inline("x"),
        query_interval=Duration.seconds(60),
        total_timeout=Duration.minutes(30),
        on_event_timeout=Duration.minutes(10),
        is_complete_timeout=Duration.minutes(2),
    )
    props = Template.from_stack(stack).to_json()["Resources"][RECONCILE_LOGICAL_ID]["Properties"]
    assert props["ServiceTimeout"] == str((10 + 30 + 2) * 60)


def _handler_statements(built: dict) -> dict[str, dict]:
    policies = {
        k: v for k, v in _by_type(built["json"], "AWS::IAM::Policy").items() if k.startswith("ProvisionerHandlerRole")
    }
    (policy,) = policies.values()
    return {s.get("Sid", "logs"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def _arn_suffix(resource: object) -> str:
    if isinstance(resource, str):
        return resource
    parts = resource["Fn::Join"][1]  # type: ignore[index]
    return parts[-1] if isinstance(parts[-1], str) else ""


def test_handler_role_statements(built: dict, configure_tenant_actions: list[str]) -> None:
    st = _handler_statements(built)
    assert set(st) == {
        "ConfigureTenants",
        "TenantAssociations",
        "ResourceTenants",
        "ReputationPolicy",
        "PreflightIdentity",
        "PreflightConfigurationSet",
        "PreflightTemplate",
        "ListTenants",
        "DeleteOwnedTenants",
        "ReadSpecAssets",
        "logs",
    }
    assert all(s["Effect"] == "Allow" for s in st.values())
    assert sorted(st["ConfigureTenants"]["Action"]) == configure_tenant_actions
    assert _arn_suffix(st["ConfigureTenants"]["Resource"]) == ":tenant/*"
    assert sorted(_arn_suffix(r) for r in st["TenantAssociations"]["Resource"]) == sorted(
        [":tenant/*", ":identity/*", ":configuration-set/*", ":template/*"]
    )
    assert sorted(_arn_suffix(r) for r in st["ResourceTenants"]["Resource"]) == sorted(
        [":identity/*", ":configuration-set/*", ":template/*"]
    )
    assert sorted(_arn_suffix(r) for r in st["ReputationPolicy"]["Resource"]) == sorted(
        [":tenant/*", ":aws:reputation-policy/*"]
    )
    assert (st["PreflightIdentity"]["Action"], _arn_suffix(st["PreflightIdentity"]["Resource"])) == (
        "ses:GetEmailIdentity",
        ":identity/*",
    )
    assert (st["PreflightConfigurationSet"]["Action"], _arn_suffix(st["PreflightConfigurationSet"]["Resource"])) == (
        "ses:GetConfigurationSet",
        ":configuration-set/*",
    )
    assert (st["PreflightTemplate"]["Action"], _arn_suffix(st["PreflightTemplate"]["Resource"])) == (
        "ses:GetEmailTemplate",
        ":template/*",
    )
    assert st["ListTenants"] == {"Action": "ses:ListTenants", "Effect": "Allow", "Resource": "*", "Sid": "ListTenants"}
    assert st["DeleteOwnedTenants"]["Action"] == "ses:DeleteTenant"
    assert st["DeleteOwnedTenants"]["Condition"] == {"StringEquals": {f"aws:ResourceTag/{OWNERSHIP_TAG_KEY}": "acme"}}
    assert st["ReadSpecAssets"]["Action"] == "s3:GetObject"
    assert _arn_suffix(st["ReadSpecAssets"]["Resource"]) == "/*.json"
    assert sorted(st["logs"]["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert st["logs"]["Resource"]["Fn::GetAtt"][0].startswith("ProvisionerLogs")


def test_no_managed_policies_and_no_raw_send(built: dict) -> None:
    roles = _by_type(built["json"], "AWS::IAM::Role")
    assert len(roles) == 4  # handler, two framework roles, waiter
    assert all("ManagedPolicyArns" not in r["Properties"] for r in roles.values())
    text = json.dumps(built["json"])
    assert "ses:SendRawEmail" not in text and "ses:Send" not in text
    assert '"ses:*"' not in text


def test_framework_roles_only_log_and_invoke(built: dict) -> None:
    for logical_id, policy in _by_type(built["json"], "AWS::IAM::Policy").items():
        if not logical_id.startswith("ProvisionerFramework"):
            continue
        actions = set()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]:
            acts = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            actions.update(acts)
        assert actions <= {
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "lambda:InvokeFunction",
            "lambda:GetFunction",
            "states:StartExecution",
        }


def test_function_names_from_a_prefix(new_stack) -> None:
    assert handler_function_names("prod-SesTenants-Tenants") == (
        "prod-SesTenants-Tenants-onEvent",
        "prod-SesTenants-Tenants-isComplete",
    )
    long_a, long_b = "x" * 80 + "-a", "x" * 80 + "-b"
    names = handler_function_names(long_a) + handler_function_names(long_b)
    assert all(len(n) <= 64 for n in names)
    assert len(set(names)) == 4
    stack = new_stack()
    TenantProvisioner(
        stack,
        "P",
        spec_document=SPEC,
        deployment="acme",
        code=cdk.aws_lambda.Code.from_inline("x"),
        function_name_prefix="dev-Tenants",
    )
    fns = _by_type(Template.from_stack(stack).to_json(), "AWS::Lambda::Function")
    named = sorted(f["Properties"]["FunctionName"] for f in fns.values() if "FunctionName" in f["Properties"])
    assert named == ["dev-Tenants-isComplete", "dev-Tenants-onEvent"]


def test_function_names_default_to_generated(built: dict) -> None:
    fns = _by_type(built["json"], "AWS::Lambda::Function")
    assert all("FunctionName" not in f["Properties"] for f in fns.values())
