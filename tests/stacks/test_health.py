"""Tenant health wired into the monitoring stack: dashboard, constant alarm count, functions imported by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from ses_tenants_engine import model

from stacks.app import DeploymentStacks, build_stacks, cdk_json_context
from stacks.config import AppConfig, ConfigError, config_from_context

ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")


def _spec(n: int) -> model.Spec:
    return model.Spec(
        tenants=tuple(
            model.TenantSpec(name=f"customer-{i:05d}", reputation_policy=("standard", "strict")[i % 2])
            for i in range(n)
        ),
        deployment="health",
    )


def _build(spec: model.Spec, outdir: Path, config: AppConfig, scope_id: str | None = None) -> DeploymentStacks:
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    scope: cdk.App | cdk.Stage = app if scope_id is None else cdk.Stage(app, scope_id)
    stacks = build_stacks(scope, spec, config)
    app.synth()
    return stacks


def _templates(stacks: DeploymentStacks) -> dict[str, dict[str, Any]]:
    names = ("monitoring", "access", "tenants")
    return {name: Template.from_stack(s).to_json() for name, s in zip(names, stacks.all(), strict=True)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[DeploymentStacks, dict[str, dict[str, Any]]]]:
    """10 and 1,000 tenants with the defaults, and one stage with health options set and alarm e-mails."""
    out: dict[str, tuple[DeploymentStacks, dict[str, dict[str, Any]]]] = {}
    for key, n in (("small", 10), ("large", 1000)):
        stacks = _build(_spec(n), tmp_path_factory.mktemp(key), AppConfig())
        out[key] = (stacks, _templates(stacks))
    config = config_from_context(
        {"health_warning_margin": "0.5", "health_min_sends": "1000", "alarm_emails": "ops@example.com"}
    )
    stacks = _build(_spec(3), tmp_path_factory.mktemp("staged"), config, scope_id="prod")
    out["staged"] = (stacks, _templates(stacks))
    return out


def _alarms(tpl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in tpl["Resources"].items() if v["Type"] in ALARM_TYPES}


def _function_names(tpl: dict[str, Any]) -> set[str]:
    return {
        r["Properties"]["FunctionName"]
        for r in tpl["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "FunctionName" in r["Properties"]
    }


def test_dashboard_is_in_the_monitoring_stack_named_after_it(built) -> None:
    for key in ("small", "staged"):
        stacks, tpls = built[key]
        (dash,) = [r for r in tpls["monitoring"]["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
        assert dash["Properties"]["DashboardName"] == f"{stacks.monitoring.stack_name}-TenantHealth"
        for other in ("access", "tenants"):
            assert not [r for r in tpls[other]["Resources"].values() if r["Type"].startswith("AWS::CloudWatch::D")]
        assert "TenantHealthDashboard" in tpls["monitoring"]["Outputs"]
    assert built["staged"][0].monitoring.stack_name == "prod-SesTenants-Monitoring"


def test_alarm_names_include_the_stack_name(built) -> None:
    for key in ("small", "staged"):
        stacks, tpls = built[key]
        health = stacks.monitoring.tenant_health
        assert health is not None
        names = [
            a["Properties"]["AlarmName"] for a in _alarms(tpls["monitoring"]).values() if "AlarmName" in a["Properties"]
        ]
        # 4 composite warnings + 8 children + errors + throttles (the DLQ is alarmed by the event log itself).
        assert len(names) == 14
        assert all(n.startswith(f"{stacks.monitoring.stack_name}-") for n in names), names


def test_alarm_count_is_the_same_for_10_and_1000_tenants(built) -> None:
    small, large = built["small"][1]["monitoring"], built["large"][1]["monitoring"]
    assert len(_alarms(small)) == len(_alarms(large)) == 16  # 14 tenant-health + 2 tenant event log
    assert json.dumps(small, sort_keys=True) == json.dumps(large, sort_keys=True)


def test_watched_functions_are_the_tenants_stacks_real_functions(built) -> None:
    for key in ("small", "staged"):
        stacks, tpls = built[key]
        real = _function_names(tpls["tenants"])
        assert real == set(stacks.tenants.provisioner_function_names)
        mon = tpls["monitoring"]
        errors = next(
            a for a in _alarms(mon).values() if a["Properties"].get("AlarmName", "").endswith("-provisioner-errors")
        )
        watched = {
            d["Value"]
            for m in errors["Properties"]["Metrics"]
            if "MetricStat" in m
            for d in m["MetricStat"]["Metric"]["Dimensions"]
            if d["Name"] == "FunctionName"
        }
        assert watched == real
        (dash,) = [r for r in mon["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
        body = json.dumps(dash["Properties"]["DashboardBody"])
        assert all(name in body for name in real)


def test_monitoring_does_not_reference_the_tenants_stack(built) -> None:
    stacks, tpls = built["staged"]
    text = json.dumps(tpls["monitoring"])
    assert "Fn::ImportValue" not in text
    deps = {d.node.id for d in stacks.monitoring.dependencies}
    assert deps == set()
    assert {d.node.id for d in stacks.tenants.dependencies} == {"SesTenants-Monitoring", "SesTenants-Access"}


def test_health_options_from_context_reach_the_alarms(built) -> None:
    stacks, tpls = built["staged"]
    health = stacks.monitoring.tenant_health
    assert health is not None
    assert health.warnings["standard"].bounce == pytest.approx(0.075)  # 0.5 x 15 %
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in _alarms(tpls["monitoring"]).values()
        if "AlarmName" in a["Properties"]  # the event log's two alarms have generated names
    }
    prefix = stacks.monitoring.stack_name
    assert alarms[f"{prefix}-tenant-bounce-rate-standard"]["Threshold"] == pytest.approx(0.075)
    assert alarms[f"{prefix}-tenant-bounce-volume-standard"]["Threshold"] == 75  # ceil(0.075 x 1000)
    topic_ref = [k for k, v in tpls["monitoring"]["Resources"].items() if v["Type"] == "AWS::SNS::Topic"]
    warning = alarms[f"{prefix}-tenant-bounce-warning-standard"]
    assert warning["AlarmActions"] == [{"Ref": topic_ref[0]}]


def test_health_can_be_switched_off(tmp_path) -> None:
    stacks = _build(_spec(2), tmp_path, config_from_context({"health_dashboard": "false"}))
    tpl = Template.from_stack(stacks.monitoring).to_json()
    assert stacks.monitoring.tenant_health is None
    types = [r["Type"] for r in tpl["Resources"].values()]
    assert "AWS::CloudWatch::Dashboard" not in types and "AWS::CloudWatch::CompositeAlarm" not in types
    assert types.count("AWS::CloudWatch::Alarm") == 2  # the event log's own


def test_health_defaults() -> None:
    cfg = config_from_context({})
    assert (cfg.health_dashboard, cfg.health_warning_margin, cfg.health_min_sends) == (True, 0.8, 500)
    assert config_from_context({"health_dashboard": False}).health_dashboard is False
    assert config_from_context({"health_min_sends": 20}).health_min_sends == 20


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"health_dashboard": "maybe"}, "'health_dashboard': 'maybe' is not true or false"),
        ({"health_warning_margin": 0}, "'health_warning_margin': 0 is not a number above 0 and at most 1"),
        ({"health_warning_margin": 1.5}, "health_warning_margin"),
        ({"health_warning_margin": "most"}, "health_warning_margin"),
        ({"health_min_sends": 0}, "'health_min_sends': 0 is not a whole number of at least 1"),
        ({"health_min_sends": 2.5}, "health_min_sends"),
        ({"health_min_sends": True}, "health_min_sends"),
    ],
)
def test_invalid_health_options_name_the_key(context: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_context(context)
