"""TenantEventLog: rule, log-group target without custom resource, native resource policy, DLQ, alarms, queries."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from ses_tenants_constructs.event_log import (
    FINDINGS_BY_TENANT_QUERY,
    PAUSED_FILTER_PATTERN,
    PAUSED_LAST_DAY_QUERY,
    TenantEventLog,
)

ENV = cdk.Environment(account="111122223333", region="eu-west-1")


def _join(value: object, refs: dict[str, str] | None = None) -> str:
    """Render an Fn::Join / Ref / GetAtt tree to text with <Ref> placeholders."""
    refs = {"AWS::Partition": "aws", **(refs or {})}
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_join(p, refs) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return refs.get(value["Ref"], f"<{value['Ref']}>")
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise AssertionError(f"unexpected {value!r}")


@pytest.fixture(scope="module")
def tpl() -> dict:
    stack = cdk.Stack(cdk.App(), "Mon", env=ENV)
    TenantEventLog(stack, "Events")
    return Template.from_stack(stack).to_json()


def _one(tpl: dict, type_: str) -> tuple[str, dict]:
    found = [(k, v) for k, v in tpl["Resources"].items() if v["Type"] == type_]
    assert len(found) == 1, f"{len(found)} {type_}"
    return found[0]


def test_rule_pattern(tpl: dict) -> None:
    _, rule = _one(tpl, "AWS::Events::Rule")
    pattern = rule["Properties"]["EventPattern"]
    assert rule["Properties"].get("EventBusName") in (None, "default")
    assert pattern["source"] == ["aws.ses"]
    assert pattern["detail-type"] == [
        "Sending Status Enabled",
        "Sending Status Disabled",
        {"prefix": "Advisor Recommendation Status"},
    ]
    assert [_join(p["prefix"]) for p in pattern["resources"]] == ["arn:aws:ses:eu-west-1:111122223333:tenant/"]
    assert set(pattern) == {"source", "detail-type", "resources"}


def test_target_is_the_log_group_without_star_and_with_dlq(tpl: dict) -> None:
    _, rule = _one(tpl, "AWS::Events::Rule")
    (target,) = rule["Properties"]["Targets"]
    log_group_id, _ = _one(tpl, "AWS::Logs::LogGroup")
    queue_id, _ = _one(tpl, "AWS::SQS::Queue")
    assert _join(target["Arn"]) == f"arn:aws:logs:eu-west-1:111122223333:log-group:<{log_group_id}>"
    assert not _join(target["Arn"]).endswith(":*")
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    assert "RoleArn" not in target and "Input" not in target


def test_no_custom_resource_for_the_log_policy(tpl: dict) -> None:
    types = {r["Type"] for r in tpl["Resources"].values()}
    assert "Custom::CloudwatchLogResourcePolicy" not in types
    assert "AWS::Lambda::Function" not in types
    assert not any(t.startswith("Custom::") for t in types)


def test_log_group_defaults(tpl: dict) -> None:
    _, group = _one(tpl, "AWS::Logs::LogGroup")
    assert group["Properties"]["LogGroupName"] == "/aws/ses/tenants"
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Retain" and group["UpdateReplacePolicy"] == "Retain"
    assert "KmsKeyId" not in group["Properties"]


def test_native_resource_policy_two_scoped_statements(tpl: dict) -> None:
    _, policy = _one(tpl, "AWS::Logs::ResourcePolicy")
    log_group_id, _ = _one(tpl, "AWS::Logs::LogGroup")
    rule_id, _ = _one(tpl, "AWS::Events::Rule")
    doc = json.loads(_join(policy["Properties"]["PolicyDocument"]))
    put, create = doc["Statement"]
    principals = {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]}
    group_arn = f"<{log_group_id}.Arn>"  # the log group's Arn attribute ends in :*
    assert put == {
        "Sid": "TenantEventsPutLogEvents",
        "Effect": "Allow",
        "Principal": principals,
        "Action": "logs:PutLogEvents",
        "Resource": group_arn,
        "Condition": {
            "ArnEquals": {"aws:SourceArn": f"<{rule_id}.Arn>"},
            "StringEquals": {"aws:SourceAccount": "111122223333"},
        },
    }
    assert create == {
        "Sid": "TenantEventsCreateLogStream",
        "Effect": "Allow",
        "Principal": principals,
        "Action": "logs:CreateLogStream",
        "Resource": group_arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    }
    assert len(policy["Properties"]["PolicyName"]) <= 255


def test_dead_letter_queue_encrypted_tls_only_and_scoped_to_the_rule(tpl: dict) -> None:
    queue_id, queue = _one(tpl, "AWS::SQS::Queue")
    rule_id, _ = _one(tpl, "AWS::Events::Rule")
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    _, qp = _one(tpl, "AWS::SQS::QueuePolicy")
    statements = qp["Properties"]["PolicyDocument"]["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert len(deny) == 1 and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(allow) == 1
    assert allow[0]["Action"] == "sqs:SendMessage"
    assert allow[0]["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow[0]["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert allow[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}


def test_paused_metric_filter(tpl: dict) -> None:
    _, mf = _one(tpl, "AWS::Logs::MetricFilter")
    assert mf["Properties"]["FilterPattern"] == PAUSED_FILTER_PATTERN
    (transform,) = mf["Properties"]["MetricTransformations"]
    assert transform == {
        "MetricName": "TenantsPaused",
        "MetricNamespace": "SesTenants",
        "MetricValue": "1",
        "DefaultValue": 0,
    }


def test_alarms(tpl: dict) -> None:
    alarms = {k: v["Properties"] for k, v in tpl["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert len(alarms) == 2
    paused = next(a for k, a in alarms.items() if "Paused" in k)
    dlq = next(a for k, a in alarms.items() if "DeadLetter" in k)
    assert (paused["MetricName"], paused["Namespace"], paused["Statistic"]) == ("TenantsPaused", "SesTenants", "Sum")
    assert (dlq["MetricName"], dlq["Namespace"]) == ("ApproximateNumberOfMessagesVisible", "AWS/SQS")
    for a in (paused, dlq):
        assert a["Threshold"] == 1
        assert a["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert a["EvaluationPeriods"] == 1
        assert a["TreatMissingData"] == "notBreaching"
        assert "AlarmActions" not in a


def test_saved_queries(tpl: dict) -> None:
    queries = {
        v["Properties"]["Name"]: v["Properties"]
        for v in tpl["Resources"].values()
        if v["Type"] == "AWS::Logs::QueryDefinition"
    }
    assert set(queries) == {"ses-tenants/tenants paused in the last day", "ses-tenants/findings by tenant"}
    log_group_id, _ = _one(tpl, "AWS::Logs::LogGroup")
    for q in queries.values():
        assert q["LogGroupNames"] == [{"Ref": log_group_id}]
    assert queries["ses-tenants/tenants paused in the last day"]["QueryString"] == PAUSED_LAST_DAY_QUERY
    assert queries["ses-tenants/findings by tenant"]["QueryString"] == FINDINGS_BY_TENANT_QUERY


def test_paused_query_sorts_by_the_event_time_array() -> None:
    q = PAUSED_LAST_DAY_QUERY
    assert '`detail-type` = "Sending Status Disabled"' in q
    for i in range(7):
        assert f"detail.data.record.lastUpdatedTimestamp.{i}" in q
    assert q.index("as eventTimeKey") < q.index("| sort eventTimeKey desc") < q.index("| dedup tenantArn")
    assert "sort @timestamp" not in q and "@ingestionTime" not in q


def _event_time_key(ts: list[int]) -> int:
    """Evaluate the query's arithmetic on a timestamp array, as Logs Insights does."""
    y, mo, d, h, mi, s, ns = ts
    return (y - 2000) * 10**13 + mo * 10**11 + d * 10**9 + h * 10**7 + mi * 10**5 + s * 10**3 + ns // 10**6


def test_event_time_key_orders_like_the_timestamps() -> None:
    # The query's coefficients, read back from the query text, give the same order as the timestamps.
    coefficients = [int(c) for c in __import__("re").findall(r"\* (\d+)", PAUSED_LAST_DAY_QUERY)]
    assert coefficients == [10**13, 10**11, 10**9, 10**7, 10**5, 10**3]
    stamps = [
        [2026, 12, 3, 16, 46, 28, 999_000_000],
        [2026, 12, 3, 16, 46, 29, 1_000_000],
        [2026, 1, 31, 23, 59, 59, 0],
        [2027, 1, 1, 0, 0, 0, 0],
        [2026, 12, 3, 9, 5, 1, 500_000_000],
    ]
    keys = [_event_time_key(s) for s in stamps]
    assert sorted(range(5), key=lambda i: keys[i]) == sorted(range(5), key=lambda i: stamps[i])
    assert max(keys) < 2**53  # exact in a double


def test_findings_query_matches_by_prefix_and_groups_by_tenant() -> None:
    q = FINDINGS_BY_TENANT_QUERY
    assert "like /^Advisor Recommendation Status/" in q
    assert "by tenantArn" in q and "sort lastEventTime desc" in q


def test_options_name_retention_kms_and_alarm_actions() -> None:
    stack = cdk.Stack(cdk.App(), "Opt", env=ENV)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    topic = sns.Topic(stack, "Topic", enforce_ssl=True)
    TenantEventLog(
        stack,
        "Events",
        log_group_name="/custom/tenants",
        retention=logs.RetentionDays.ONE_MONTH,
        encryption_key=key,
        alarm_actions=[cw_actions.SnsAction(topic)],
        metric_namespace="Custom",
        query_name_prefix="prod",
    )
    tpl = Template.from_stack(stack).to_json()
    _, group = _one(tpl, "AWS::Logs::LogGroup")
    key_id, key_res = _one(tpl, "AWS::KMS::Key")
    assert group["Properties"]["LogGroupName"] == "/custom/tenants"
    assert group["Properties"]["RetentionInDays"] == 30
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    logs_stmt = next(
        s
        for s in key_res["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "AllowCloudWatchLogsForTenantEvents"
    )
    assert logs_stmt["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    (context_arn,) = logs_stmt["Condition"]["ArnEquals"].values()
    assert list(logs_stmt["Condition"]["ArnEquals"]) == ["kms:EncryptionContext:aws:logs:arn"]
    assert _join(context_arn) == "arn:aws:logs:eu-west-1:111122223333:log-group:/custom/tenants"
    for a in (v["Properties"] for v in tpl["Resources"].values() if v["Type"] == "AWS::CloudWatch::Alarm"):
        assert len(a["AlarmActions"]) == 1
    names = sorted(
        v["Properties"]["Name"] for v in tpl["Resources"].values() if v["Type"] == "AWS::Logs::QueryDefinition"
    )
    assert names == ["prod/findings by tenant", "prod/tenants paused in the last day"]
    _, mf = _one(tpl, "AWS::Logs::MetricFilter")
    assert mf["Properties"]["MetricTransformations"][0]["MetricNamespace"] == "Custom"
