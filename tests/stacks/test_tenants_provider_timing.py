"""Tenants stack: the provisioner's waiter fits CloudFormation's hour and its logical ids are the pinned ones."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from ses_tenants_engine.model import Spec, TenantSpec

from stacks.app import build_app


@pytest.mark.slow
def test_tenants_stack_waiter_and_pinned_ids() -> None:
    stacks = build_app(cdk.App(), Spec(tenants=(TenantSpec(name="a"),), deployment="acme"), nag=False)
    res = Template.from_stack(stacks.tenants).to_json()["Resources"]
    (sm,) = (r for r in res.values() if r["Type"] == "AWS::StepFunctions::StateMachine")
    text = "".join(p if isinstance(p, str) else "X" for p in sm["Properties"]["DefinitionString"]["Fn::Join"][1])
    (retry,) = json.loads(text)["States"]["framework-isComplete-task"]["Retry"]
    assert (retry["IntervalSeconds"], retry["MaxAttempts"], retry["BackoffRate"]) == (30, 17, 1)
    # onEvent 840 s + 18 isComplete attempts × (120 s + 2 s) + 17 pauses × 30 s + 30 s = 3576 s <= 3600 s.
    on_event = res["ProvisionerOnEventD0DE09C3"]["Properties"]
    is_complete = res["ProvisionerIsCompleteE525B450"]["Properties"]
    assert (on_event["Timeout"], is_complete["Timeout"]) == (840, 120)
    assert on_event["FunctionName"] == "SesTenants-Tenants-onEvent"
    assert is_complete["FunctionName"] == "SesTenants-Tenants-isComplete"
    for logical_id in ("SesTenantsReconcile", "SesTenantsPrune"):
        props = res[logical_id]["Properties"]
        assert props["ServiceTimeout"] == "3576"
        assert props["ServiceToken"] == {"Fn::GetAtt": ["ProvisionerProviderframeworkonEvent01C4BB4C", "Arn"]}
