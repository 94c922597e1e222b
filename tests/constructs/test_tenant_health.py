"""TenantHealth: dashboard body, constant-count alarms, cdk-nag, cfn-lint and the rendered picture (offline)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks
from PIL import Image
from ses_tenants_constructs import tenant_health as th
from ses_tenants_constructs.tenant_health import (
    PAUSE_THRESHOLDS,
    HealthThresholds,
    PolicyThreshold,
    TenantHealth,
    TenantMetricNames,
    dashboard_body_from_template,
    resolve_intrinsics,
)

REPO = Path(__file__).resolve().parents[2]
ENV = cdk.Environment(account="123456789012", region="eu-west-1")
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:alarms"


def _load_renderer() -> Any:
    spec = importlib.util.spec_from_file_location("render_dashboard", REPO / "scripts" / "render_dashboard.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["render_dashboard"] = module
    spec.loader.exec_module(module)
    return module


def _imported_stack(app: cdk.App, **kwargs: Any) -> tuple[cdk.Stack, TenantHealth]:
    """A stack whose only resources are the construct's own (dependencies are imported)."""
    stack = cdk.Stack(app, "Imported", env=ENV)
    fns = [
        lambda_.Function.from_function_attributes(
            stack,
            f"Fn{i}",
            function_arn=f"arn:aws:lambda:eu-west-1:123456789012:function:prov-{i}",
            same_environment=True,
        )
        for i in range(kwargs.pop("n_functions", 2))
    ]
    health = TenantHealth(
        stack,
        "Health",
        log_group=logs.LogGroup.from_log_group_name(stack, "Events", "/aws/ses/tenants"),
        topic=sns.Topic.from_topic_arn(stack, "Topic", TOPIC_ARN) if kwargs.pop("with_topic", True) else None,
        functions=fns,
        dlq=sqs.Queue.from_queue_arn(stack, "Dlq", "arn:aws:sqs:eu-west-1:123456789012:dlq")
        if kwargs.pop("with_dlq", True)
        else None,
        **kwargs,
    )
    return stack, health


@pytest.fixture(scope="module")
def created() -> dict[str, Any]:
    """Construct wired to resources created in the same stack, so the body carries Ref/GetAtt tokens."""
    app = cdk.App()
    stack = cdk.Stack(app, "Created", env=ENV)
    log_group = logs.LogGroup(stack, "TenantEvents")
    topic = sns.Topic(stack, "AlarmTopic")
    dlq = sqs.Queue(stack, "Dlq")
    fn = lambda_.Function(
        stack,
        "OnEvent",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )
    health = TenantHealth(stack, "Health", log_group=log_group, topic=topic, functions=[fn], dlq=dlq)
    tpl = Template.from_stack(stack)
    ids = {
        "log_group": stack.get_logical_id(log_group.node.default_child),
        "topic": stack.get_logical_id(topic.node.default_child),
        "dlq": stack.get_logical_id(dlq.node.default_child),
        "fn": stack.get_logical_id(fn.node.default_child),
    }
    return {"template": tpl, "json": tpl.to_json(), "health": health, "ids": ids}


def _alarms(template_json: dict[str, Any], types: tuple[str, ...] = ("AWS::CloudWatch::Alarm",)) -> dict[str, Any]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] in types}


BOTH = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")


def _notifying(template_json: dict[str, Any]) -> dict[str, Any]:
    """The alarms that notify: composites and provisioner alarms (children have ActionsEnabled false)."""
    return {k: v for k, v in _alarms(template_json, BOTH).items() if v["Properties"].get("ActionsEnabled", True)}


def _widgets_by_title(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["properties"].get("title", w["type"]): w for w in body["widgets"]}


# -- dashboard body ------------------------------------------------------------------------------------------


def test_dashboard_body_is_a_token_join_that_parses_to_json(created: dict[str, Any]) -> None:
    dashboards = created["template"].find_resources("AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1
    (res,) = dashboards.values()
    assert "Fn::Join" in res["Properties"]["DashboardBody"]  # tokens: log group, functions, queue, alarm ARNs
    body = dashboard_body_from_template(created["json"])
    assert body["start"] == "-P7D"
    assert len(body["widgets"]) == created["health"].widget_count == 14
    for w in body["widgets"]:
        assert {"type", "x", "y", "width", "height", "properties"} <= set(w)
        assert w["x"] >= 0 and w["x"] + w["width"] <= 24  # CloudWatch's 24-column grid


def test_widgets_do_not_overlap(created: dict[str, Any]) -> None:
    body = dashboard_body_from_template(created["json"])
    cells: set[tuple[int, int]] = set()
    for w in body["widgets"]:
        mine = {(x, y) for x in range(w["x"], w["x"] + w["width"]) for y in range(w["y"], w["y"] + w["height"])}
        assert not (cells & mine), w["properties"].get("title")
        cells |= mine


def test_metrics_insights_widgets_group_by_tenant_in_the_ses_namespace(created: dict[str, Any]) -> None:
    widgets = _widgets_by_title(dashboard_body_from_template(created["json"]))
    expected = {
        "Top 10 tenants by bounce rate": ('MAX("Reputation.BounceRate")', "ORDER BY MAX() DESC LIMIT 10"),
        "Top 10 tenants by complaint rate": ('MAX("Reputation.ComplaintRate")', "ORDER BY MAX() DESC LIMIT 10"),
        "Top 10 tenants by sends": ("SUM(Send)", "ORDER BY SUM() DESC LIMIT 10"),
        "Top 10 tenants by bounces": ("SUM(Bounce)", "ORDER BY SUM() DESC LIMIT 10"),
        "Top 10 tenants by complaints": ("SUM(Complaint)", "ORDER BY SUM() DESC LIMIT 10"),
    }
    for title, (select, order) in expected.items():
        (row,) = widgets[title]["properties"]["metrics"]
        (query,) = row
        expr = query["expression"]
        assert expr.startswith(f"SELECT {select} ")
        assert 'FROM SCHEMA("AWS/SES", TenantName) GROUP BY TenantName' in expr
        assert expr.endswith(order)
        assert query["period"] == 3600
        assert widgets[title]["properties"]["region"] == "eu-west-1"
    bounce_ann = widgets["Top 10 tenants by bounce rate"]["properties"]["annotations"]["horizontal"]
    assert {a["label"]: a["value"] for a in bounce_ann} == {
        "standard warning": 0.12,
        "standard pause": 0.15,
        "strict warning": 0.08,
        "strict pause": 0.10,
    }


def test_account_totals_use_ses_metrics_without_dimensions(created: dict[str, Any]) -> None:
    widgets = _widgets_by_title(dashboard_body_from_template(created["json"]))
    totals = widgets["Account totals (all sending)"]["properties"]
    assert [row[:2] for row in totals["metrics"]] == [
        ["AWS/SES", "Send"],
        ["AWS/SES", "Delivery"],
        ["AWS/SES", "Bounce"],
        ["AWS/SES", "Complaint"],
    ]
    assert all(len(row) == 3 and isinstance(row[2], dict) for row in totals["metrics"])  # no dimension pairs
    assert totals["stat"] == "Sum"
    rates = widgets["Account reputation rates"]["properties"]
    assert [row[1] for row in rates["metrics"]] == ["Reputation.BounceRate", "Reputation.ComplaintRate"]


def test_logs_insights_widgets_query_the_event_log_group(created: dict[str, Any]) -> None:
    widgets = _widgets_by_title(dashboard_body_from_template(created["json"]))
    lg = created["ids"]["log_group"]
    paused = widgets["Paused tenants (latest status event per tenant and origin)"]
    findings = widgets["Recent reputation findings"]
    for w in (paused, findings):
        assert w["type"] == "log"
        assert w["properties"]["query"].startswith(f"SOURCE '<{lg}>' | filter `detail-type` ")
        assert "detail.data.record.lastUpdatedTimestamp.0 * 10000000000" in w["properties"]["query"]
    pq = paused["properties"]["query"]
    assert '["Sending Status Enabled", "Sending Status Disabled"]' in pq
    assert "by tenant_arn, origin" in pq and "filter latest % 10 = 1" in pq
    assert "dedup" not in pq  # Logs Insights allows only `limit` after dedup
    fq = findings["properties"]["query"]
    assert "like /^Advisor Recommendation Status/" in fq  # prefix: Open, Closed and Resolved
    assert "sort event_ts desc" in fq


def test_provisioner_widgets_reference_functions_and_dlq(created: dict[str, Any]) -> None:
    widgets = _widgets_by_title(dashboard_body_from_template(created["json"]))
    fn, dlq = created["ids"]["fn"], created["ids"]["dlq"]
    errors = widgets["Provisioner errors and throttles"]["properties"]["metrics"]
    assert ["AWS/Lambda", "Errors", "FunctionName", f"<{fn}>", {"stat": "Sum"}] in errors
    assert ["AWS/Lambda", "Throttles", "FunctionName", f"<{fn}>", {"stat": "Sum"}] in errors
    duration = widgets["Provisioner duration (p99, max)"]["properties"]["metrics"]
    assert {row[4]["stat"] for row in duration} == {"p99", "Maximum"}
    depth = widgets["Dead-letter queue depth"]["properties"]["metrics"]
    assert depth == [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"<{dlq}.QueueName>"]]
    alarm_widget = widgets["Alarms"]["properties"]
    assert len(alarm_widget["alarms"]) == len(_notifying(created["json"])) == 7


# -- alarms --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "kind", "warning", "gate"),
    [
        ("standard", "bounce", 0.12, 60),
        ("standard", "complaint", 0.008, 4),
        ("strict", "bounce", 0.08, 40),
        ("strict", "complaint", 0.004, 2),
    ],
)
def test_reputation_alarm_per_policy(
    created: dict[str, Any], policy: str, kind: str, warning: float, gate: int
) -> None:
    health, res = created["health"], created["json"]["Resources"]
    stack = cdk.Stack.of(health)
    rate = res[stack.get_logical_id(health.rate_alarms[(policy, kind)])]["Properties"]
    volume = res[stack.get_logical_id(health.volume_alarms[(policy, kind)])]["Properties"]
    rate_id = stack.get_logical_id(health.rate_alarms[(policy, kind)])
    volume_id = stack.get_logical_id(health.volume_alarms[(policy, kind)])
    warn = res[stack.get_logical_id(health.reputation_alarms[(policy, kind)])]
    assert warn["Type"] == "AWS::CloudWatch::CompositeAlarm"
    assert warn["Properties"]["AlarmName"] == f"Created-tenant-{kind}-warning-{policy}"
    rule = resolve_intrinsics(warn["Properties"]["AlarmRule"])
    assert rule == f'ALARM("<{rate_id}.Arn>") AND ALARM("<{volume_id}.Arn>")'
    assert f"{warning:.2%}" in warn["Properties"]["AlarmDescription"]

    rate_metric = "Reputation.BounceRate" if kind == "bounce" else "Reputation.ComplaintRate"
    count_metric = "Bounce" if kind == "bounce" else "Complaint"
    assert rate["AlarmName"] == f"Created-tenant-{kind}-rate-{policy}"
    assert rate["Threshold"] == pytest.approx(warning)
    assert warning < PAUSE_THRESHOLDS[policy].rate(kind)
    (worst,) = rate["Metrics"]
    assert worst["Expression"] == f'SELECT MAX("{rate_metric}") FROM SCHEMA("AWS/SES", TenantName)'
    assert worst["ReturnData"] is True and worst["Period"] == 3600

    assert volume["AlarmName"] == f"Created-tenant-{kind}-volume-{policy}"
    assert volume["Threshold"] == gate == math.ceil(round(warning * 500, 9))
    counts, top = volume["Metrics"]
    assert counts["Expression"] == (
        f'SELECT SUM({count_metric}) FROM SCHEMA("AWS/SES", TenantName) GROUP BY TenantName ORDER BY SUM() DESC LIMIT 1'
    )
    assert counts["ReturnData"] is False and counts["Period"] == 3600
    assert top["Expression"] == "MAX(counts)" and top["ReturnData"] is True  # GROUP BY wrapped: one series
    for child in (rate, volume):
        assert child["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert child["TreatMissingData"] == "notBreaching"
        assert child["ActionsEnabled"] is False and "AlarmActions" not in child


def test_each_alarm_holds_at_most_one_metrics_insights_query(created: dict[str, Any]) -> None:
    for alarm in _alarms(created["json"]).values():
        queries = [m for m in alarm["Properties"].get("Metrics", []) if m.get("Expression", "").startswith("SELECT")]
        assert len(queries) <= 1, alarm["Properties"]["AlarmName"]


def test_every_notifying_alarm_uses_the_topic(created: dict[str, Any]) -> None:
    topic_ref = {"Ref": created["ids"]["topic"]}
    alarms = _notifying(created["json"])
    assert len(alarms) == 7  # 4 composite warnings + errors, throttles, DLQ
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [topic_ref]
        assert alarm["Properties"]["OKActions"] == [topic_ref]


def test_without_topic_alarms_have_no_actions() -> None:
    stack, _ = _imported_stack(cdk.App(), with_topic=False)
    alarms = _alarms(Template.from_stack(stack).to_json(), BOTH)
    assert len(alarms) == 15
    assert all("AlarmActions" not in a["Properties"] for a in alarms.values())


def test_provisioner_alarms_sum_every_function(created: dict[str, Any]) -> None:
    stack, health = _imported_stack(cdk.App(), n_functions=3)
    tpl = Template.from_stack(stack).to_json()
    errors = tpl["Resources"][stack.get_logical_id(health.provisioner_alarms["lambda_errors"].node.default_child)]
    metrics = errors["Properties"]["Metrics"]
    expr = next(m for m in metrics if m.get("ReturnData", True) and "Expression" in m)["Expression"]
    assert expr == "FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0)"
    names = sorted(m["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for m in metrics if "MetricStat" in m)
    assert names == ["prov-0", "prov-1", "prov-2"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in metrics if "MetricStat" in m} == {"Errors"}
    dlq = tpl["Resources"][stack.get_logical_id(health.provisioner_alarms["dlq_messages"].node.default_child)]
    assert dlq["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": "dlq"}]


def test_dlq_graphed_without_a_second_alarm() -> None:
    stack, health = _imported_stack(cdk.App(), dlq_alarm=False)
    tpl = Template.from_stack(stack).to_json()
    assert "dlq_messages" not in health.provisioner_alarms
    assert len(_notifying(tpl)) == 6
    widgets = _widgets_by_title(dashboard_body_from_template(tpl))
    assert widgets["Dead-letter queue depth"]["properties"]["metrics"][0][3] == "dlq"


def test_construct_takes_no_per_tenant_input() -> None:
    params = set(inspect.signature(TenantHealth.__init__).parameters) - {"self", "scope", "construct_id"}
    assert params == {
        "log_group",
        "functions",
        "topic",
        "dlq",
        "dlq_alarm",
        "thresholds",
        "metric_names",
        "dashboard_name",
        "alarm_name_prefix",
    }


@pytest.mark.parametrize(
    ("policies", "n_functions", "with_dlq", "expected"),
    [
        (("standard", "strict"), 2, True, 15),
        (("standard",), 2, True, 9),
        (("strict",), 0, False, 6),
        (("standard", "strict"), 10, False, 14),
    ],
)
def test_alarm_count_depends_only_on_policies_and_provisioner(
    policies: tuple[str, ...], n_functions: int, with_dlq: bool, expected: int
) -> None:
    stack, health = _imported_stack(
        cdk.App(), thresholds=HealthThresholds(policies=policies), n_functions=n_functions, with_dlq=with_dlq
    )
    tpl = Template.from_stack(stack)
    tpl.resource_count_is("AWS::CloudWatch::CompositeAlarm", 2 * len(policies))
    tpl.resource_count_is("AWS::CloudWatch::Alarm", expected - 2 * len(policies))
    tpl.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    assert set(health.reputation_alarms) == {(p, k) for p in policies for k in ("bounce", "complaint")}


def test_ten_versus_thousand_tenants_same_template() -> None:
    """The SES tenant count reaches the construct nowhere: two apps whose specs differ synthesize equally."""

    def synth(n_tenants: int) -> dict[str, Any]:
        app = cdk.App(context={"tenants": [f"tenant-{i:05d}" for i in range(n_tenants)]})
        stack, _ = _imported_stack(app)
        return Template.from_stack(stack).to_json()

    small, large = synth(10), synth(1000)
    assert small == large
    assert "tenant-00001" not in json.dumps(large)


def test_custom_metric_names_and_scale() -> None:
    names = TenantMetricNames(tenant_dimension="TenantId", extra_dimensions=("TenantName",), rate_scale=100)
    stack, health = _imported_stack(cdk.App(), metric_names=names)
    tpl = Template.from_stack(stack).to_json()
    key = ("strict", "complaint")
    rate = tpl["Resources"][stack.get_logical_id(health.rate_alarms[key])]["Properties"]
    volume = tpl["Resources"][stack.get_logical_id(health.volume_alarms[key])]["Properties"]
    assert rate["Threshold"] == pytest.approx(0.4)  # 0.4 % as a percentage
    assert volume["Threshold"] == 2  # a count: not scaled
    assert rate["Metrics"][0]["Expression"] == (
        'SELECT MAX("Reputation.ComplaintRate") FROM SCHEMA("AWS/SES", TenantId, TenantName)'
    )
    assert "GROUP BY TenantId ORDER BY SUM() DESC LIMIT 1" in volume["Metrics"][0]["Expression"]


def test_margin_and_overrides() -> None:
    thr = HealthThresholds(warning_margin=0.5, overrides={"strict": PolicyThreshold(bounce=0.09, complaint=0.0045)})
    warnings = th.warning_thresholds(thr)
    assert warnings["standard"] == PolicyThreshold(bounce=0.075, complaint=0.005)
    assert warnings["strict"] == PolicyThreshold(bounce=0.09, complaint=0.0045)
    assert th.volume_gate(0.0045, 500) == 3
    assert th.volume_gate(0.004, 100) == 1
    assert th.volume_gate(0.12, 500) == 60


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"warning_margin": 0}, "warning_margin"),
        ({"warning_margin": 1.2}, "warning_margin"),
        ({"min_sends": 0}, "min_sends"),
        ({"policies": ("none",)}, "'none' policy never pauses"),
        ({"policies": ()}, "at least one"),
        ({"policies": ("strict", "strict")}, "must not repeat"),
        ({"period": 90}, "multiple of 60"),
        ({"period": 3600, "evaluation_periods": 4}, "3 hours"),
        ({"evaluation_periods": 2, "datapoints_to_alarm": 3}, "datapoints_to_alarm"),
        ({"overrides": {"standard": PolicyThreshold(bounce=0.2, complaint=0.005)}}, "below the pause threshold"),
    ],
)
def test_invalid_thresholds_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _imported_stack(cdk.App(), thresholds=HealthThresholds(**kwargs))


def test_more_than_ten_functions_is_rejected() -> None:
    with pytest.raises(ValueError, match="at most 10 provisioner functions"):
        _imported_stack(cdk.App(), n_functions=11)


# -- the event-time arithmetic of the Logs Insights queries --------------------------------------------------


def _event_ts(parts: list[int]) -> int:
    expr = th.EVENT_TS_EXPR
    for i, value in enumerate(parts[:6]):
        expr = expr.replace(f"detail.data.record.lastUpdatedTimestamp.{i}", str(value))
    assert re.fullmatch(r"[0-9 *+]+", expr), expr
    return int(eval(expr))  # only digits, * and + remain


def test_event_time_orders_by_the_array_not_by_arrival() -> None:
    # [Y, M, D, h, m, s, nanos] as SES sends it; arrival order is the list order.
    events = [
        ("t1", "CUSTOMER_MANAGED", "Sending Status Disabled", [2026, 12, 3, 10, 0, 5, 0]),
        ("t1", "CUSTOMER_MANAGED", "Sending Status Enabled", [2026, 12, 3, 9, 59, 59, 999]),  # late, older
        ("t2", "AWS_MANAGED", "Sending Status Disabled", [2026, 11, 30, 23, 59, 59, 0]),
        ("t2", "AWS_MANAGED", "Sending Status Enabled", [2026, 12, 1, 0, 0, 0, 0]),
        ("t3", "CUSTOMER_MANAGED", "Sending Status Disabled", [2025, 12, 31, 23, 0, 0, 0]),
    ]
    assert _event_ts([2026, 12, 1, 0, 0, 0]) > _event_ts([2026, 11, 30, 23, 59, 59])
    assert _event_ts([2026, 1, 2, 3, 4, 5]) == 20260102030405
    assert len("Sending Status Disabled") - 22 == 1 and len("Sending Status Enabled") - 22 == 0
    latest: dict[tuple[str, str], int] = {}
    for tenant, origin, detail_type, parts in events:  # stats max(event_ts * 10 + disabled) by tenant, origin
        key = _event_ts(parts) * 10 + (len(detail_type) - 22)
        latest[(tenant, origin)] = max(latest.get((tenant, origin), 0), key)
    paused = {k: v // 10 for k, v in latest.items() if v % 10 == 1}
    assert paused == {("t1", "CUSTOMER_MANAGED"): 20261203100005, ("t3", "CUSTOMER_MANAGED"): 20251231230000}
    assert max(latest.values()) * 10 < 2**53  # exact in a double


# -- intrinsic resolution ------------------------------------------------------------------------------------


def test_resolve_intrinsics() -> None:
    value = {
        "Fn::Join": [
            "",
            ['{"a":"', {"Ref": "Lg"}, '","b":"', {"Fn::GetAtt": ["Q", "QueueName"]}, '","r":"', {"Ref": "AWS::Region"}],
        ]
    }
    value["Fn::Join"][1].append('","s":"')
    value["Fn::Join"][1].append({"Fn::Select": [1, ["x", {"Ref": "Y"}]]})
    value["Fn::Join"][1].append('"}')
    resolved = resolve_intrinsics(value, {"AWS::Region": "eu-west-1"})
    assert json.loads(resolved) == {"a": "<Lg>", "b": "<Q.QueueName>", "r": "eu-west-1", "s": "<Y>"}
    cross = {
        "Fn::Join": [
            "|",
            [
                {"Fn::ImportValue": "Monitoring:LogGroup"},
                {"Fn::GetStackOutput": {"StackName": "Mon", "Region": "eu-west-1", "OutputName": "Dlq"}},
            ],
        ]
    }
    assert resolve_intrinsics(cross) == "<import:Monitoring:LogGroup>|<Mon.Dlq>"
    with pytest.raises(ValueError, match="unsupported intrinsic Fn::Sub"):
        resolve_intrinsics({"Fn::Sub": "x"})
    with pytest.raises(ValueError, match="exactly one AWS::CloudWatch::Dashboard"):
        dashboard_body_from_template({"Resources": {}})


# -- cdk-nag and cfn-lint ------------------------------------------------------------------------------------


def test_cdk_nag_aws_solutions_clean_for_the_construct(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "out"))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    _imported_stack(app)  # only the construct's own resources exist in this stack
    app.synth()  # raises on any unacknowledged finding
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    violations = [v for r in report["pluginReports"] for v in r.get("violations", [])]
    assert violations == []


def test_cdk_nag_is_really_active(tmp_path: Path) -> None:
    """Control: the same setup fails on a resource nag flags, so a clean run above means something."""
    app = cdk.App(outdir=str(tmp_path / "out"))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack, _ = _imported_stack(app)
    sns.Topic(stack, "PlainTopic")  # AwsSolutions-SNS3: no SSL enforcement
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    violations = [v for r in report["pluginReports"] for v in r.get("violations", [])]
    assert violations and all("PlainTopic" in json.dumps(v) for v in violations)
    assert "AwsSolutions-SNS3" in json.dumps(violations)


def test_cfn_lint_clean(created: dict[str, Any], tmp_path: Path) -> None:
    from cfnlint.api import lint_file

    # Only the construct's resources: zero findings of any level.
    stack, _ = _imported_stack(cdk.App())
    path = tmp_path / "imported.template.json"
    path.write_text(json.dumps(Template.from_stack(stack).to_json()))
    assert [str(m) for m in lint_file(path)] == []
    # Wired to created resources (Ref/GetAtt tokens in every property): nothing about the construct's own.
    path = tmp_path / "created.template.json"
    path.write_text(json.dumps(created["json"]))
    ours = [str(m) for m in lint_file(path) if "/Health" in str(m.path) or "Health" in str(m)]
    assert ours == []


# -- the rendered picture ------------------------------------------------------------------------------------


def test_renderer_draws_the_synthesized_body(created: dict[str, Any], tmp_path: Path) -> None:
    renderer = _load_renderer()
    body = dashboard_body_from_template(created["json"])
    result = renderer.render(body, tmp_path / "dash.png", source="test")
    assert result.widget_count == len(body["widgets"]) == 14
    assert result.size_bytes > 30_000
    with Image.open(result.path) as img:
        assert img.format == "PNG"
        assert img.size == (result.width, result.height)
        assert img.info["widget_count"] == "14"
        assert img.info["source"] == "test"
        colors = img.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colors is not None and len(colors) > 50  # text and boxes, not a blank canvas


def test_renderer_cli_reads_a_template_file(created: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    renderer = _load_renderer()
    template = tmp_path / "Created.template.json"
    template.write_text(json.dumps(created["json"]))
    out = tmp_path / "from-template.png"
    assert renderer.main(["--template", str(template), "--out", str(out)]) == 0
    assert "14 widgets" in capsys.readouterr().out
    with Image.open(out) as img:
        assert img.info["widget_count"] == "14"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Resources": {}}))
    assert renderer.main(["--template", str(bad), "--out", str(tmp_path / "x.png")]) == 1
    assert "exactly one AWS::CloudWatch::Dashboard" in capsys.readouterr().err


def test_docs_picture_matches_the_current_construct() -> None:
    renderer = _load_renderer()
    body = renderer.synthesize_demo_body()
    picture = REPO / "docs" / "dashboard.png"
    assert picture.exists(), "run: python scripts/render_dashboard.py"
    with Image.open(picture) as img:
        assert img.info["widget_count"] == str(len(body["widgets"])), "docs/dashboard.png is stale: re-render it"
