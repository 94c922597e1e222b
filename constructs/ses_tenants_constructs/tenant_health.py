"""Tenant health at a glance: a CloudWatch dashboard and early-warning alarms for SES tenants.

The construct takes **no per-tenant input**: every per-tenant view is a CloudWatch Metrics Insights query grouped
by the tenant dimension, and every alarm evaluates all tenants at once. 10 tenants and 10,000 tenants get the
same resources: one dashboard and a constant number of alarms (two per watched reputation policy, plus the
provisioner's own health alarms).

Metric names (an assumption, documented in ``docs/monitoring-health.md``)
------------------------------------------------------------------------
SES publishes tenant metrics in the ``AWS/SES`` namespace. The public documentation available to this project
did not state the tenant dimension names, so they are configurable through :class:`TenantMetricNames`. The
defaults follow the account-level SES metric names (``Send``, ``Bounce``, ``Complaint``,
``Reputation.BounceRate``, ``Reputation.ComplaintRate``) and a single ``TenantName`` dimension. The reputation
rates are taken as fractions (0.05 = 5 %), as the account-level SES reputation metrics are; set
``rate_scale=100`` if a deployment sees percentages.

Alarm design and its limits
---------------------------
CloudWatch metric math cannot combine two arrays of time series (arithmetic takes ``TS[]`` with a scalar or a
single ``TS``, never ``TS[]`` with ``TS[]``; ``IF`` takes single series only), so a per-tenant ratio or a
per-tenant ``IF(sends >= N, rate, 0)`` cannot be evaluated inside one alarm; and a request holds one Metrics
Insights query. Each early-warning is therefore a composite alarm ``ALARM(rate) AND ALARM(volume)`` over two
action-less child alarms with one query each, evaluated over the same period:

``rate``    ``SELECT MAX("Reputation.BounceRate") FROM SCHEMA("AWS/SES", TenantName)`` >= warning rate -- the
            highest per-tenant rate (the documented aggregate form of a Metrics Insights alarm: one series);
``volume``  ``MAX(SELECT SUM(Bounce) ... GROUP BY TenantName ORDER BY SUM() DESC LIMIT 1)`` >= G -- the bounce
            (or complaint) count of the tenant with the most of them in the period (a GROUP BY query wrapped
            in metric math that returns one series, as alarms require), ``G = ceil(warning_rate * min_sends)``.

Any tenant that really is above the warning rate *and* has sent at least ``min_sends`` messages in the period
has at least ``G`` bounces, so both children fire (no missed warnings). A tenant with three sends cannot
produce ``G`` bounces, so on its own it never pages. The gate is a necessary condition, not an exact
per-tenant one: a small tenant with a high rate plus a *different* large tenant with many bounces can still
fire it; the dashboard's top lists show which tenant is which.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from constructs import Construct

__all__ = [
    "KINDS",
    "PAUSE_THRESHOLDS",
    "HealthThresholds",
    "PolicyThreshold",
    "TenantHealth",
    "TenantMetricNames",
    "dashboard_body_from_template",
    "paused_tenants_query",
    "recent_findings_query",
    "resolve_intrinsics",
    "volume_gate",
    "warning_thresholds",
]

KINDS: tuple[str, ...] = ("bounce", "complaint")
"""The two reputation signals SES pauses a tenant on."""


@dataclass(frozen=True)
class PolicyThreshold:
    """A pair of rates (fractions, 0.05 = 5 %) for one reputation policy."""

    bounce: float
    complaint: float

    def rate(self, kind: str) -> float:
        """Return the rate for ``kind`` (``"bounce"`` or ``"complaint"``)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        return self.bounce if kind == "bounce" else self.complaint


PAUSE_THRESHOLDS: Mapping[str, PolicyThreshold] = {
    "standard": PolicyThreshold(bounce=0.15, complaint=0.01),
    "strict": PolicyThreshold(bounce=0.10, complaint=0.005),
}
"""Published pause thresholds of the SES-managed reputation policies (the ``none`` policy never pauses)."""


@dataclass(frozen=True)
class HealthThresholds:
    """Alarm thresholds and evaluation settings, all with defaults.

    Parameters
    ----------
    warning_margin
        Warnings fire at ``warning_margin`` times the pause threshold of each policy (0 < margin <= 1).
    min_sends
        Minimum send volume, per tenant and period, for a tenant's rate to page anyone (see the module notes
        for how the gate is evaluated).
    policies
        The reputation policies that get an alarm pair; a subset of ``standard`` and ``strict``.
    overrides
        Explicit warning rates per policy, replacing ``warning_margin * pause`` for that policy.
    period
        Alarm period in seconds (a multiple of 60; Metrics Insights alarms evaluate the last 3 hours only).
    evaluation_periods, datapoints_to_alarm
        M-out-of-N evaluation of the reputation alarms.
    lambda_errors, lambda_throttles, dlq_messages
        Thresholds (>=) of the provisioner alarms over 5-minute periods.
    """

    warning_margin: float = 0.8
    min_sends: int = 500
    policies: tuple[str, ...] = ("standard", "strict")
    overrides: Mapping[str, PolicyThreshold] = field(default_factory=dict)
    period: int = 3600
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    lambda_errors: int = 1
    lambda_throttles: int = 1
    dlq_messages: int = 1

    def validate(self) -> None:
        """Raise ``ValueError`` with a fix-it message when a setting is out of range."""
        if not 0 < self.warning_margin <= 1:
            raise ValueError(f"warning_margin must be in (0, 1], got {self.warning_margin}")
        if self.min_sends < 1:
            raise ValueError(f"min_sends must be >= 1, got {self.min_sends}")
        if not self.policies:
            raise ValueError("policies must name at least one of: standard, strict")
        unknown = [p for p in (*self.policies, *self.overrides) if p not in PAUSE_THRESHOLDS]
        if unknown:
            raise ValueError(
                f"unknown reputation policy {unknown[0]!r}; alarms exist for: {', '.join(PAUSE_THRESHOLDS)} "
                "(the 'none' policy never pauses a tenant)"
            )
        if len(set(self.policies)) != len(self.policies):
            raise ValueError(f"policies must not repeat: {self.policies}")
        if self.period < 60 or self.period % 60:
            raise ValueError(f"period must be a positive multiple of 60 seconds, got {self.period}")
        if self.evaluation_periods * self.period > 3 * 3600:
            raise ValueError(
                "evaluation_periods * period must be <= 3 hours: Metrics Insights alarms only evaluate "
                f"the most recent 3 hours (got {self.evaluation_periods} x {self.period}s)"
            )
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError("datapoints_to_alarm must be between 1 and evaluation_periods")
        for name in ("lambda_errors", "lambda_throttles", "dlq_messages"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        for policy, thr in self.overrides.items():
            pause = PAUSE_THRESHOLDS[policy]
            for kind in KINDS:
                if not 0 < thr.rate(kind) < pause.rate(kind):
                    raise ValueError(
                        f"override {policy}.{kind} = {thr.rate(kind)} must be above 0 and below the pause "
                        f"threshold {pause.rate(kind)}, or the warning would come after the pause"
                    )


@dataclass(frozen=True)
class TenantMetricNames:
    """Where SES publishes tenant metrics. Defaults documented in the module notes."""

    namespace: str = "AWS/SES"
    tenant_dimension: str = "TenantName"
    extra_dimensions: tuple[str, ...] = ()
    send: str = "Send"
    delivery: str = "Delivery"
    bounce: str = "Bounce"
    complaint: str = "Complaint"
    bounce_rate: str = "Reputation.BounceRate"
    complaint_rate: str = "Reputation.ComplaintRate"
    rate_scale: float = 1.0

    def schema(self) -> str:
        """Return the Metrics Insights ``SCHEMA(...)`` source that matches exactly the tenant metrics."""
        dims = ", ".join(_mi_ident(d) for d in (self.tenant_dimension, *self.extra_dimensions))
        return f'SCHEMA("{self.namespace}", {dims})'

    def count_metric(self, kind: str) -> str:
        """Return the count metric name for ``kind``."""
        return {"bounce": self.bounce, "complaint": self.complaint}[kind]

    def rate_metric(self, kind: str) -> str:
        """Return the reputation-rate metric name for ``kind``."""
        return {"bounce": self.bounce_rate, "complaint": self.complaint_rate}[kind]


_PLAIN_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _mi_ident(name: str) -> str:
    """Quote a Metrics Insights identifier when it holds anything but letters, digits and underscores."""
    return name if _PLAIN_IDENT.match(name) else f'"{name}"'


def warning_thresholds(thresholds: HealthThresholds) -> dict[str, PolicyThreshold]:
    """Return the warning rates per watched policy.

    Parameters
    ----------
    thresholds
        The validated settings.

    Returns
    -------
    dict
        ``{policy: PolicyThreshold}`` for each policy in ``thresholds.policies``, in that order.
    """
    out: dict[str, PolicyThreshold] = {}
    for policy in thresholds.policies:
        if policy in thresholds.overrides:
            out[policy] = thresholds.overrides[policy]
        else:
            pause = PAUSE_THRESHOLDS[policy]
            out[policy] = PolicyThreshold(
                bounce=round(pause.bounce * thresholds.warning_margin, 6),
                complaint=round(pause.complaint * thresholds.warning_margin, 6),
            )
    return out


def volume_gate(rate: float, min_sends: int) -> int:
    """Return the per-period event count a tenant above ``rate`` with ``min_sends`` sends must reach.

    Parameters
    ----------
    rate
        Warning rate as a fraction.
    min_sends
        Minimum send volume per tenant and period.

    Returns
    -------
    int
        ``ceil(rate * min_sends)``, at least 1.
    """
    return max(1, math.ceil(round(rate * min_sends, 9)))


def worst_rate_query(names: TenantMetricNames, kind: str) -> str:
    """Return the single-series query: the highest per-tenant reputation rate of ``kind``."""
    return f"SELECT MAX({_mi_ident(names.rate_metric(kind))}) FROM {names.schema()}"


def top_count_query(names: TenantMetricNames, kind: str, limit: int = 1) -> str:
    """Return the query: the ``limit`` tenants with the highest ``kind`` count per period."""
    return (
        f"SELECT SUM({_mi_ident(names.count_metric(kind))}) FROM {names.schema()} "
        f"GROUP BY {_mi_ident(names.tenant_dimension)} ORDER BY SUM() DESC LIMIT {limit}"
    )


def top_rate_query(names: TenantMetricNames, kind: str, limit: int = 10) -> str:
    """Return the query: the ``limit`` tenants with the highest reputation rate of ``kind``."""
    return (
        f"SELECT MAX({_mi_ident(names.rate_metric(kind))}) FROM {names.schema()} "
        f"GROUP BY {_mi_ident(names.tenant_dimension)} ORDER BY MAX() DESC LIMIT {limit}"
    )


def top_senders_query(names: TenantMetricNames, limit: int = 10) -> str:
    """Return the query: the ``limit`` tenants that sent the most."""
    return (
        f"SELECT SUM({_mi_ident(names.send)}) FROM {names.schema()} "
        f"GROUP BY {_mi_ident(names.tenant_dimension)} ORDER BY SUM() DESC LIMIT {limit}"
    )


# The event's own time, built from detail.data.record.lastUpdatedTimestamp = [Y, M, D, h, m, s, nanos]
# (Logs Insights flattens JSON arrays to .0, .1, ...): a sortable number YYYYMMDDhhmmss. Events are best
# effort and may arrive late or out of order, so queries order by this, not by @timestamp.
_TS = "detail.data.record.lastUpdatedTimestamp"
EVENT_TS_EXPR = (
    f"{_TS}.0 * 10000000000 + {_TS}.1 * 100000000 + {_TS}.2 * 1000000 + {_TS}.3 * 10000 + {_TS}.4 * 100 + {_TS}.5"
)


def paused_tenants_query() -> str:
    """Return the Logs Insights query listing tenants whose latest status event is ``Disabled``.

    The latest event per tenant and origin (customer-managed or SES-managed) is found by the event's own
    timestamp: ``max(event_ts * 10 + disabled)`` where ``disabled`` is 1 for ``Sending Status Disabled``
    (23 characters) and 0 for ``Sending Status Enabled`` (22), so the status rides along with the time.
    ``dedup`` cannot be used here: Logs Insights allows only ``limit`` after it.
    """
    return (
        'filter `detail-type` in ["Sending Status Enabled", "Sending Status Disabled"]'
        f" | fields resources.0 as tenant_arn, detail.data.origin as origin, {EVENT_TS_EXPR} as event_ts,"
        " strlen(`detail-type`) - 22 as disabled"
        " | fields event_ts * 10 + disabled as status_key"
        " | stats max(status_key) as latest by tenant_arn, origin"
        " | filter latest % 10 = 1"
        " | fields floor(latest / 10) as paused_since"
        " | sort paused_since desc"
        " | display paused_since, tenant_arn, origin"
        " | limit 100"
    )


def recent_findings_query() -> str:
    """Return the Logs Insights query listing the latest reputation findings, newest event first.

    Findings are matched by prefix (the closing event is documented under two names). They are ordered by
    the event's own timestamp; a finding without ``lastUpdatedTimestamp`` sorts last (event_ts 0).
    """
    return (
        "filter `detail-type` like /^Advisor Recommendation Status/"
        f" | fields resources.0 as tenant_arn, `detail-type` as finding, {EVENT_TS_EXPR} as record_ts"
        " | fields coalesce(record_ts, 0) as event_ts"
        " | sort event_ts desc"
        " | display event_ts, @timestamp, tenant_arn, finding"
        " | limit 50"
    )


def resolve_intrinsics(value: Any, placeholders: Mapping[str, str] | None = None) -> Any:
    """Resolve the CloudFormation intrinsics CDK emits in a dashboard body to plain strings.

    ``Fn::Join`` is joined, ``Ref`` becomes ``placeholders[name]`` or ``<name>``, ``Fn::GetAtt`` becomes
    ``<resource.attribute>``, ``AWS::Region``-style pseudo parameters become placeholders as well; cross-stack
    references (``Fn::ImportValue``, ``Fn::GetStackOutput``) become ``<import:name>`` / ``<stack.output>``.

    Parameters
    ----------
    value
        A template value (string, list or intrinsic dict).
    placeholders
        Optional replacements for ``Ref`` targets (e.g. ``{"AWS::Region": "us-east-1"}``).

    Returns
    -------
    Any
        The value with every supported intrinsic replaced; unsupported ones raise ``ValueError``.
    """
    placeholders = placeholders or {}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list):
        return [resolve_intrinsics(v, placeholders) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::Join":
                sep, parts = arg
                return str(sep).join(str(resolve_intrinsics(p, placeholders)) for p in parts)
            if key == "Ref":
                return placeholders.get(arg, f"<{arg}>")
            if key == "Fn::GetAtt":
                target = ".".join(arg) if isinstance(arg, list) else str(arg)
                return placeholders.get(target, f"<{target}>")
            if key == "Fn::ImportValue":
                name = resolve_intrinsics(arg, placeholders)
                return placeholders.get(str(name), f"<import:{name}>")
            if key == "Fn::GetStackOutput":  # cross-stack reference form used by newer CDK feature flags
                target = f"{arg.get('StackName')}.{arg.get('OutputName')}"
                return placeholders.get(target, f"<{target}>")
            if key == "Fn::Select":
                index, items = arg
                return resolve_intrinsics(items, placeholders)[int(index)]
            if key.startswith("Fn::"):
                raise ValueError(f"unsupported intrinsic {key} in dashboard body")
        return {k: resolve_intrinsics(v, placeholders) for k, v in value.items()}
    raise ValueError(f"unexpected value of type {type(value).__name__} in dashboard body")


def dashboard_body_from_template(
    template: Mapping[str, Any], placeholders: Mapping[str, str] | None = None, logical_id: str | None = None
) -> dict[str, Any]:
    """Return the parsed dashboard body of an ``AWS::CloudWatch::Dashboard`` in a synthesized template.

    Parameters
    ----------
    template
        A CloudFormation template as a dict (``Template.to_json()`` or a ``cdk.out`` file).
    placeholders
        Replacements for ``Ref`` targets, see :func:`resolve_intrinsics`.
    logical_id
        Which dashboard, when the template holds more than one.

    Returns
    -------
    dict
        The dashboard body (``{"widgets": [...], ...}``) with every token replaced by a placeholder.
    """
    dashboards = {
        lid: res
        for lid, res in template.get("Resources", {}).items()
        if res.get("Type") == "AWS::CloudWatch::Dashboard" and (logical_id is None or lid == logical_id)
    }
    if len(dashboards) != 1:
        raise ValueError(f"expected exactly one AWS::CloudWatch::Dashboard, found {sorted(dashboards)}")
    (res,) = dashboards.values()
    body = resolve_intrinsics(res["Properties"]["DashboardBody"], placeholders)
    return json.loads(body)


@dataclass(frozen=True)
class _Widget:
    type: str
    x: int
    y: int
    width: int
    height: int
    properties: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "x": self.x,
            "y": self.y,
            "width": self.width,
            "height": self.height,
            "properties": self.properties,
        }


def _metric_widget(
    title: str, region: str, period: int, metrics: list[list[Any]], stat: str | None = None
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "title": title,
        "view": "timeSeries",
        "stacked": False,
        "region": region,
        "period": period,
        "metrics": metrics,
    }
    if stat:
        props["stat"] = stat
    return props


def _mi_metric_widget(
    title: str, query: str, region: str, period: int, annotations: list[dict[str, Any]] | None = None, label: str = ""
) -> dict[str, Any]:
    props = _metric_widget(
        title, region, period, [[{"expression": query, "id": "q1", "label": label, "period": period}]]
    )
    if annotations:
        props["annotations"] = {"horizontal": annotations}
    return props


class TenantHealth(Construct):
    """A dashboard and constant-count early-warning alarms for SES tenants.

    Parameters
    ----------
    scope, construct_id
        Construct scope and id.
    log_group
        The tenant event log group (EventBridge → CloudWatch Logs) of the monitoring stack.
    functions
        The provisioner's Lambda functions (custom-resource handlers); at most 10.
    topic
        Optional SNS topic: every alarm sends its ALARM and OK notifications there.
    dlq
        Optional dead-letter queue (of the event rule target or the provisioner); its depth is graphed and
        alarmed.
    dlq_alarm
        Set False when the queue already has an alarm elsewhere (e.g. ``TenantEventLog.dead_letter_alarm``):
        the depth is still graphed.
    thresholds
        Alarm settings, see :class:`HealthThresholds`.
    metric_names
        Where SES publishes tenant metrics, see :class:`TenantMetricNames`.
    dashboard_name
        Optional explicit dashboard name (default: generated by CloudFormation).
    alarm_name_prefix
        Prefix of alarm names (default: the stack name).

    Attributes
    ----------
    dashboard : aws_cloudwatch.CfnDashboard
    reputation_alarms : dict[tuple[str, str], aws_cloudwatch.CfnCompositeAlarm]
        ``{(policy, kind): warning}``: the alarms that notify (``rate AND volume``).
    rate_alarms, volume_alarms : dict[tuple[str, str], aws_cloudwatch.CfnAlarm]
        Their action-less children, one Metrics Insights query each.
    provisioner_alarms : dict[str, aws_cloudwatch.Alarm]
        ``lambda_errors``, ``lambda_throttles`` (when functions are given) and ``dlq_messages`` (with a dlq and
        ``dlq_alarm``).
    warnings : dict[str, PolicyThreshold]
        The warning rates in force per policy.
    widget_count : int
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_group: logs.ILogGroup,
        functions: Sequence[lambda_.IFunction] = (),
        topic: sns.ITopic | None = None,
        dlq: sqs.IQueue | None = None,
        dlq_alarm: bool = True,
        thresholds: HealthThresholds | None = None,
        metric_names: TenantMetricNames | None = None,
        dashboard_name: str | None = None,
        alarm_name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.thresholds = thresholds or HealthThresholds()
        self.thresholds.validate()
        self.metric_names = metric_names or TenantMetricNames()
        functions = list(functions)
        if len(functions) > 10:
            raise ValueError(
                f"TenantHealth takes at most 10 provisioner functions (a metric-math alarm reads at most 10 "
                f"metrics), got {len(functions)}"
            )
        stack = cdk.Stack.of(self)
        prefix = alarm_name_prefix or stack.stack_name
        self.warnings = warning_thresholds(self.thresholds)
        self._topic = topic

        self.reputation_alarms: dict[tuple[str, str], cloudwatch.CfnCompositeAlarm] = {}
        self.rate_alarms: dict[tuple[str, str], cloudwatch.CfnAlarm] = {}
        self.volume_alarms: dict[tuple[str, str], cloudwatch.CfnAlarm] = {}
        for policy, warn in self.warnings.items():
            for kind in KINDS:
                key = (policy, kind)
                self.reputation_alarms[key], self.rate_alarms[key], self.volume_alarms[key] = self._reputation_alarm(
                    prefix, policy, kind, warn.rate(kind)
                )

        self.provisioner_alarms: dict[str, cloudwatch.Alarm] = {}
        if functions:
            self.provisioner_alarms["lambda_errors"] = self._sum_alarm(
                "ProvisionerErrors",
                f"{prefix}-provisioner-errors",
                [fn.metric_errors(period=cdk.Duration.minutes(5), statistic="Sum") for fn in functions],
                self.thresholds.lambda_errors,
                "The tenant provisioner's Lambda functions reported errors: a deploy may have failed or be retrying.",
            )
            self.provisioner_alarms["lambda_throttles"] = self._sum_alarm(
                "ProvisionerThrottles",
                f"{prefix}-provisioner-throttles",
                [fn.metric_throttles(period=cdk.Duration.minutes(5), statistic="Sum") for fn in functions],
                self.thresholds.lambda_throttles,
                "The tenant provisioner's Lambda functions were throttled.",
            )
        if dlq is not None and dlq_alarm:
            alarm = cloudwatch.Alarm(
                self,
                "DeadLetterMessages",
                alarm_name=f"{prefix}-dead-letter-messages",
                alarm_description=(
                    "Messages are waiting in the dead-letter queue: events or invocations were not delivered."
                ),
                metric=dlq.metric_approximate_number_of_messages_visible(
                    period=cdk.Duration.minutes(5), statistic="Maximum"
                ),
                threshold=self.thresholds.dlq_messages,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self._add_actions(alarm)
            self.provisioner_alarms["dlq_messages"] = alarm

        body = self._dashboard_body(stack, log_group, functions, dlq)
        self.widget_count = len(body["widgets"])
        self.dashboard = cloudwatch.CfnDashboard(
            self, "Dashboard", dashboard_name=dashboard_name, dashboard_body=stack.to_json_string(body)
        )

    # -- alarms ---------------------------------------------------------------------------------------------

    def _add_actions(self, alarm: cloudwatch.Alarm) -> None:
        if self._topic is not None:
            from aws_cdk import aws_cloudwatch_actions as cw_actions

            alarm.add_alarm_action(cw_actions.SnsAction(self._topic))
            alarm.add_ok_action(cw_actions.SnsAction(self._topic))

    def _sum_alarm(
        self, cid: str, name: str, metrics: list[cloudwatch.IMetric], threshold: int, description: str
    ) -> cloudwatch.Alarm:
        using = {f"m{i}": m for i, m in enumerate(metrics)}
        expression = " + ".join(f"FILL(m{i}, 0)" for i in range(len(metrics)))
        alarm = cloudwatch.Alarm(
            self,
            cid,
            alarm_name=name,
            alarm_description=description,
            metric=cloudwatch.MathExpression(
                expression=expression, using_metrics=using, period=cdk.Duration.minutes(5), label=cid
            ),
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self._add_actions(alarm)
        return alarm

    def _child_alarm(
        self, cid: str, name: str, description: str, threshold: float, queries: list[tuple[str, str, str, bool]]
    ) -> cloudwatch.CfnAlarm:
        """Create an action-less alarm holding exactly one Metrics Insights query (plus math on it)."""
        thr = self.thresholds
        return cloudwatch.CfnAlarm(
            self,
            cid,
            alarm_name=name,
            alarm_description=description,
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=threshold,
            evaluation_periods=thr.evaluation_periods,
            datapoints_to_alarm=thr.datapoints_to_alarm,
            treat_missing_data="notBreaching",
            actions_enabled=False,
            metrics=[
                cloudwatch.CfnAlarm.MetricDataQueryProperty(
                    id=qid,
                    expression=expr,
                    label=label,
                    period=thr.period if expr.startswith("SELECT") else None,
                    return_data=ret,
                )
                for qid, expr, label, ret in queries
            ],
        )

    def _reputation_alarm(
        self, prefix: str, policy: str, kind: str, warn_rate: float
    ) -> tuple[cloudwatch.CfnCompositeAlarm, cloudwatch.CfnAlarm, cloudwatch.CfnAlarm]:
        names, thr = self.metric_names, self.thresholds
        gate = volume_gate(warn_rate, thr.min_sends)
        pause = PAUSE_THRESHOLDS[policy].rate(kind)
        base = f"{policy.capitalize()}{kind.capitalize()}"
        rate = self._child_alarm(
            f"{base}Rate",
            f"{prefix}-tenant-{kind}-rate-{policy}",
            f"Some tenant's {kind} rate is >= {warn_rate:.2%} (child of the {policy} {kind} warning; no actions).",
            round(warn_rate * names.rate_scale, 9),
            [("worst", worst_rate_query(names, kind), f"highest tenant {kind} rate", True)],
        )
        volume = self._child_alarm(
            f"{base}Volume",
            f"{prefix}-tenant-{kind}-volume-{policy}",
            f"Some tenant had >= {gate} {kind}s in a period (= {warn_rate:.2%} of {thr.min_sends} sends; child of "
            f"the {policy} {kind} warning; no actions).",
            gate,
            [
                ("counts", top_count_query(names, kind, limit=1), f"top tenant {kind}s", False),
                ("top", "MAX(counts)", f"{kind}s of the top tenant", True),
            ],
        )
        actions = [self._topic.topic_arn] if self._topic is not None else None
        warning = cloudwatch.CfnCompositeAlarm(
            self,
            f"{base}Warning",
            alarm_name=f"{prefix}-tenant-{kind}-warning-{policy}",
            alarm_rule=f'ALARM("{rate.attr_arn}") AND ALARM("{volume.attr_arn}")',
            alarm_description=(
                f"A tenant's {kind} rate reached {warn_rate:.2%}, the early warning for the '{policy}' reputation "
                f"policy (SES pauses '{policy}' tenants above {pause:.2%}), with volume: the tenant with the most "
                f"{kind}s had >= {gate} in the period (= {warn_rate:.2%} of {thr.min_sends} sends). "
                "See the tenant-health dashboard for which tenant."
            ),
            actions_enabled=True,
            alarm_actions=actions,
            ok_actions=actions,
        )
        return warning, rate, volume

    # -- dashboard ------------------------------------------------------------------------------------------

    def _dashboard_body(
        self,
        stack: cdk.Stack,
        log_group: logs.ILogGroup,
        functions: Sequence[lambda_.IFunction],
        dlq: sqs.IQueue | None,
    ) -> dict[str, Any]:
        names, thr = self.metric_names, self.thresholds
        region = stack.region
        period = thr.period
        widgets: list[_Widget] = []

        rows = "\n".join(
            f"| {p} | {PAUSE_THRESHOLDS[p].bounce:.2%} | {w.bounce:.2%} | {PAUSE_THRESHOLDS[p].complaint:.2%} "
            f"| {w.complaint:.2%} |"
            for p, w in self.warnings.items()
        )
        widgets.append(
            _Widget(
                "text",
                0,
                0,
                24,
                4,
                {
                    "markdown": (
                        "# SES tenant health\n"
                        f"Per-tenant views are Metrics Insights queries on `{names.schema()}` grouped by "
                        f"`{names.tenant_dimension}`; alarms are per policy, not per tenant. Volume gate: "
                        f"{thr.min_sends} sends per {period // 60} min.\n\n"
                        "| policy | bounce pause | bounce warning | complaint pause | complaint warning |\n"
                        "|---|---|---|---|---|\n" + rows
                    )
                },
            )
        )

        def annotations(kind: str) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for policy, warn in self.warnings.items():
                out.append(
                    {"label": f"{policy} warning", "value": warn.rate(kind) * names.rate_scale, "color": "#ff7f0e"}
                )
                out.append(
                    {
                        "label": f"{policy} pause",
                        "value": PAUSE_THRESHOLDS[policy].rate(kind) * names.rate_scale,
                        "color": "#d62728",
                    }
                )
            return out

        for i, kind in enumerate(KINDS):
            widgets.append(
                _Widget(
                    "metric",
                    12 * i,
                    4,
                    12,
                    6,
                    _mi_metric_widget(
                        f"Top 10 tenants by {kind} rate", top_rate_query(names, kind), region, period, annotations(kind)
                    ),
                )
            )
        widgets.append(
            _Widget(
                "metric",
                0,
                10,
                8,
                6,
                _mi_metric_widget("Top 10 tenants by sends", top_senders_query(names), region, period),
            )
        )
        for i, kind in enumerate(KINDS):
            widgets.append(
                _Widget(
                    "metric",
                    8 * (i + 1),
                    10,
                    8,
                    6,
                    _mi_metric_widget(f"Top 10 tenants by {kind}s", top_count_query(names, kind, 10), region, period),
                )
            )

        ns = names.namespace
        widgets.append(
            _Widget(
                "metric",
                0,
                16,
                12,
                6,
                _metric_widget(
                    "Account totals (all sending)",
                    region,
                    period,
                    [
                        [ns, names.send, {"label": "sends"}],
                        [ns, names.delivery, {"label": "deliveries"}],
                        [ns, names.bounce, {"label": "bounces"}],
                        [ns, names.complaint, {"label": "complaints"}],
                    ],
                    stat="Sum",
                ),
            )
        )
        widgets.append(
            _Widget(
                "metric",
                12,
                16,
                12,
                6,
                _metric_widget(
                    "Account reputation rates",
                    region,
                    period,
                    [
                        [ns, names.bounce_rate, {"label": "account bounce rate"}],
                        [ns, names.complaint_rate, {"label": "account complaint rate"}],
                    ],
                    stat="Maximum",
                ),
            )
        )

        source = f"SOURCE '{log_group.log_group_name}'"
        widgets.append(
            _Widget(
                "log",
                0,
                22,
                12,
                6,
                {
                    "title": "Paused tenants (latest status event per tenant and origin)",
                    "region": region,
                    "view": "table",
                    "query": f"{source} | {paused_tenants_query()}",
                },
            )
        )
        widgets.append(
            _Widget(
                "log",
                12,
                22,
                12,
                6,
                {
                    "title": "Recent reputation findings",
                    "region": region,
                    "view": "table",
                    "query": f"{source} | {recent_findings_query()}",
                },
            )
        )

        y = 28
        if functions:
            fn_metrics: list[list[Any]] = []
            dur_metrics: list[list[Any]] = []
            for fn in functions:
                fname = fn.function_name
                fn_metrics.append(["AWS/Lambda", "Errors", "FunctionName", fname, {"stat": "Sum"}])
                fn_metrics.append(["AWS/Lambda", "Throttles", "FunctionName", fname, {"stat": "Sum"}])
                dur_metrics.append(["AWS/Lambda", "Duration", "FunctionName", fname, {"stat": "p99"}])
                dur_metrics.append(["AWS/Lambda", "Duration", "FunctionName", fname, {"stat": "Maximum"}])
            width = 8 if dlq is not None else 12
            widgets.append(
                _Widget(
                    "metric",
                    0,
                    y,
                    width,
                    6,
                    _metric_widget("Provisioner errors and throttles", region, 300, fn_metrics),
                )
            )
            widgets.append(
                _Widget(
                    "metric",
                    width,
                    y,
                    width,
                    6,
                    _metric_widget("Provisioner duration (p99, max)", region, 300, dur_metrics),
                )
            )
        if dlq is not None:
            x = 16 if functions else 0
            widgets.append(
                _Widget(
                    "metric",
                    x,
                    y,
                    24 - x,
                    6,
                    _metric_widget(
                        "Dead-letter queue depth",
                        region,
                        300,
                        [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq.queue_name]],
                        stat="Maximum",
                    ),
                )
            )
        if functions or dlq is not None:
            y += 6

        alarm_arns = [a.attr_arn for a in self.reputation_alarms.values()] + [
            a.alarm_arn for a in self.provisioner_alarms.values()
        ]
        widgets.append(
            _Widget("alarm", 0, y, 24, 3, {"title": "Alarms", "alarms": alarm_arns, "sortBy": "stateUpdatedTimestamp"})
        )
        return {"start": "-P7D", "periodOverride": "inherit", "widgets": [w.to_json() for w in widgets]}
