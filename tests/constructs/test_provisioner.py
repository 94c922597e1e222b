"""TenantProvisioner: custom resources, spec asset, Provider timing, Lambda settings, least-privilege role."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Template
from ses_tenants_constructs.provisioner import (
    ATTEMPT_OVERHEAD_SECONDS,
    FIXED_OVERHEAD_SECONDS,
    OWNERSHIP_TAG_KEY,
    PRUNE_LOGICAL_ID,
    RECONCILE_LOGICAL_ID,
    TenantProvisioner,
    check_timeouts,
    handler_function_names,
    make_unique_id,
    waiter_max_attempts,
    worst_case_seconds,
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
        # 840 + 18 × (120 + 2) + 17 × 30 + 30: CloudFormation waits exactly as long as the waiter can run.
        assert props["ServiceTimeout"] == "3576"
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


def _resources(nested: bool) -> dict[str, dict]:
    stack = cdk.Stack(cdk.App(), "Test")
    scope: Construct = Construct(Construct(stack, "Refactored"), "Deeper") if nested else stack
    TenantProvisioner(
        scope,
        "Moved" if nested else "Provisioner",
        spec_document=SPEC,
        deployment="acme",
        code=cdk.aws_lambda.Code.from_inline("x"),
        function_name_prefix="Test",
    )
    return Template.from_stack(stack).to_json()["Resources"]


def test_logical_ids_survive_moving_the_construct() -> None:
    before, after = _resources(nested=False), _resources(nested=True)
    # Every resource keeps its logical id, and its definition: the framework functions (the ServiceToken's
    # target), the fixed-name handler functions, all roles and policies, the waiter, the log group.
    assert before == after
    types = sorted(r["Type"] for r in after.values())
    assert types.count("AWS::Lambda::Function") == 5
    assert types.count("AWS::IAM::Role") == 4
    assert types.count("AWS::IAM::Policy") == 4
    assert types.count("AWS::StepFunctions::StateMachine") == 1
    assert types.count("AWS::Logs::LogGroup") == 1
    token = {"Fn::GetAtt": ["ProvisionerProviderframeworkonEvent01C4BB4C", "Arn"]}
    for logical_id in (RECONCILE_LOGICAL_ID, PRUNE_LOGICAL_ID):
        assert after[logical_id]["Properties"]["ServiceToken"] == token
    # The pinned ids are the ids the tenants stack deployed before pinning (construct id "Provisioner"), so
    # pinning itself replaces nothing.
    assert {
        "ProvisionerOnEventD0DE09C3",
        "ProvisionerIsCompleteE525B450",
        "ProvisionerLogs96F6E388",
        "ProvisionerProviderwaiterstatemachine2C2D3C68",
        "ProvisionerHandlerRole54293B80",
    } <= set(after)


def test_pinned_ids_follow_cdk_allocation() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    queue = cdk.aws_sqs.Queue(Construct(stack, "A"), "Queue-1", enforce_ssl=True)
    expected = stack.resolve(stack.get_logical_id(queue.node.default_child))
    assert make_unique_id(["A", "Queue-1", "Resource"]) == expected
    assert make_unique_id(["Default", "Top_Level"]) == "TopLevel"


def test_two_provisioners_in_one_stack_need_distinct_roots(new_stack) -> None:
    stack = new_stack()
    code = cdk.aws_lambda.Code.from_inline("x")
    TenantProvisioner(stack, "One", spec_document=SPEC, deployment="acme", code=code)
    TenantProvisioner(
        stack,
        "Two",
        spec_document=SPEC,
        deployment="other",
        code=code,
        logical_id_root="Second",
        reconcile_logical_id="SecondReconcile",
        prune_logical_id="SecondPrune",
    )
    res = Template.from_stack(stack).to_json()["Resources"]
    assert sum(1 for k in res if k.startswith("Second")) == 17
    assert sum(1 for k in res if k.startswith("Provisioner")) == 15


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
    assert is_complete["Timeout"] == 2 * 60


def test_explicit_log_group_with_retention(built: dict) -> None:
    groups = _by_type(built["json"], "AWS::Logs::LogGroup")
    assert len(groups) == 1
    (group,) = groups.values()
    assert group["Properties"]["RetentionInDays"] == 90
    # The Provider's own functions log to the same group (no implicit /aws/lambda/... groups without retention).
    fns = _by_type(built["json"], "AWS::Lambda::Function")
    assert len(fns) == 5
    assert all("LogGroup" in f["Properties"]["LoggingConfig"] for f in fns.values())


def _waiter(tpl: dict) -> dict:
    (sm,) = _by_type(tpl, "AWS::StepFunctions::StateMachine").values()
    definition = sm["Properties"]["DefinitionString"]
    text = "".join(p if isinstance(p, str) else "X" for p in definition["Fn::Join"][1])
    return json.loads(text)["States"]


def test_waiter_cannot_outlive_service_timeout(built: dict) -> None:
    tpl = built["json"]
    states = _waiter(tpl)
    (retry,) = states["framework-isComplete-task"]["Retry"]
    assert retry == {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30, "MaxAttempts": 17, "BackoffRate": 1}
    assert states["framework-isComplete-task"]["Catch"][0]["Next"] == "framework-onTimeout-task"
    fns = _by_type(tpl, "AWS::Lambda::Function").values()
    timeouts = {f["Properties"]["Handler"].rsplit(".", 1)[-1]: f["Properties"]["Timeout"] for f in fns}
    on_event, is_complete = timeouts["on_event"], timeouts["is_complete"]
    # MaxAttempts counts retries: the Task runs isComplete MaxAttempts + 1 times, pausing IntervalSeconds
    # before each retry, and any attempt may take the whole isComplete timeout.
    attempts = retry["MaxAttempts"] + 1
    worst = (
        on_event
        + attempts * (is_complete + ATTEMPT_OVERHEAD_SECONDS)
        + retry["MaxAttempts"] * retry["IntervalSeconds"]
        + FIXED_OVERHEAD_SECONDS
    )
    assert worst == 840 + 18 * 122 + 17 * 30 + 30 == 3576
    for logical_id in (RECONCILE_LOGICAL_ID, PRUNE_LOGICAL_ID):
        service_timeout = int(tpl["Resources"][logical_id]["Properties"]["ServiceTimeout"])
        assert worst <= service_timeout <= 3600
    # Total handler work time the hour buys: onEvent plus every isComplete attempt.
    assert on_event + attempts * is_complete == 3000


def _timed(stack: cdk.Stack, **timing: Duration) -> TenantProvisioner:
    code = cdk.aws_lambda.Code.from_inline("x")
    return TenantProvisioner(stack, "P", spec_document=SPEC, deployment="acme", code=code, **timing)


def test_previous_defaults_are_refused(new_stack) -> None:
    # 14 min + 81 × 5 min + 80 × 30 s + overheads = 27,732 s ≈ 7.7 h: the waiter would run long after
    # CloudFormation gave up.
    with pytest.raises(ValueError, match=r"could outlive CloudFormation's 3600s limit.*= 27732s.*MaxAttempts"):
        _timed(new_stack(), total_timeout=Duration.minutes(40), is_complete_timeout=Duration.minutes(5))


def test_worst_case_boundary() -> None:
    # One more retry than the default tips the worst case over the hour.
    args = (Duration.minutes(14), Duration.minutes(2), Duration.seconds(30))
    assert waiter_max_attempts(Duration.seconds(30), Duration.seconds(510)) == 17
    assert worst_case_seconds(*args, Duration.seconds(510)) == 3576
    assert worst_case_seconds(*args, Duration.seconds(540)) == 3576 + 122 + 30
    with pytest.raises(ValueError, match="3728s"):
        check_timeouts(*args, Duration.seconds(540))


@pytest.mark.parametrize(
    ("on_event", "is_complete", "interval", "total", "message"),
    [
        (14, 2, 7, 510, "integer multiple"),
        (14, 2, 30, 0, "positive integer multiple"),
        (14, 5, 30, 45 * 60, "outlive"),
        (16, 2, 30, 510, "between 1 s and 15 min"),
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
    _timed(
        stack,
        query_interval=Duration.seconds(60),
        total_timeout=Duration.minutes(10),
        on_event_timeout=Duration.minutes(10),
        is_complete_timeout=Duration.minutes(2),
    )
    tpl = Template.from_stack(stack)
    props = tpl.to_json()["Resources"][RECONCILE_LOGICAL_ID]["Properties"]
    # 600 + 11 attempts × (120 + 2) + 10 pauses × 60 + 30
    assert props["ServiceTimeout"] == str(600 + 11 * 122 + 10 * 60 + 30)
    assert _waiter(tpl.to_json())["framework-isComplete-task"]["Retry"][0]["MaxAttempts"] == 10


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
