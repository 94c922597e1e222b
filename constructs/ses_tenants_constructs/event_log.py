"""The tenant event log: SES tenant events from EventBridge into a CloudWatch Logs log group.

One job: keep every tenant sending-status change and reputation finding, queryable, and say when
delivery breaks or a tenant is paused.

- An EventBridge rule on the default bus matches ``source = aws.ses``, the detail-types
  ``Sending Status Enabled`` / ``Sending Status Disabled`` and every ``Advisor Recommendation Status …``
  finding (prefix match: the closing event is documented both as ``…Closed`` and ``…Resolved``), limited to
  tenant resources (``resources`` prefix ``arn:<partition>:ses:<region>:<account>:tenant/``).
- The target is the log group itself (``LogGroupTarget``): unlike ``aws_events_targets.CloudWatchLogGroup``,
  it adds no custom-resource Lambda writing an unconditioned account-level log policy. Delivery is authorized
  by one native ``AWS::Logs::ResourcePolicy`` with two statements on the log group ARN (``…:*``):
  ``logs:PutLogEvents`` conditioned on ``aws:SourceArn`` = this rule and ``aws:SourceAccount``, and
  ``logs:CreateLogStream`` conditioned on ``aws:SourceAccount`` only (the rule ARN is not in the request
  context of CreateLogStream; a SourceArn condition there silently stops delivery).
- Undeliverable events go to an encrypted SQS dead-letter queue (TLS enforced) with its own alarm.
- A metric filter counts ``DISABLED`` sending-status events (paused tenants), with an alarm.
- Two Logs Insights saved queries: tenants paused in the last day, and findings by tenant. Events arrive
  best-effort and possibly out of order, so the paused-tenants query orders by the event's own time
  (``detail.data.record.lastUpdatedTimestamp``, an array ``[Y, M, D, h, m, s, nanos]``) turned into one
  sortable integer ``eventTimeKey`` = ``YYMMDDhhmmssmmm`` with the year counted from 2000 (exact in a
  double until year 2900).
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import ArnFormat, Duration, Names, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs

from constructs import Construct
from ses_tenants_constructs.arns import tenant_resources_prefix
from ses_tenants_constructs.nag import acknowledge

DEFAULT_LOG_GROUP_NAME = "/aws/ses/tenants"
STATUS_DETAIL_TYPES = ("Sending Status Enabled", "Sending Status Disabled")
FINDING_DETAIL_TYPE_PREFIX = "Advisor Recommendation Status"
EVENT_SERVICE_PRINCIPALS = ("events.amazonaws.com", "delivery.logs.amazonaws.com")
DEFAULT_METRIC_NAMESPACE = "SesTenants"
PAUSED_METRIC_NAME = "TenantsPaused"

#: Metric filter: sending-status events whose status is DISABLED (one per pause).
PAUSED_FILTER_PATTERN = '{ ($.source = "aws.ses") && ($.detail.data.record.status = "DISABLED") }'


def _event_time_key(field: str = "detail.data.record.lastUpdatedTimestamp") -> str:
    """Return a Logs Insights expression: the event's own time array as one sortable integer."""
    parts = [
        f"({field}.0 - 2000) * 10000000000000",
        f"{field}.1 * 100000000000",
        f"{field}.2 * 1000000000",
        f"{field}.3 * 10000000",
        f"{field}.4 * 100000",
        f"{field}.5 * 1000",
        f"floor({field}.6 / 1000000)",
    ]
    return " + ".join(parts)


PAUSED_LAST_DAY_QUERY = "\n".join(
    [
        "# Tenants paused in the last day: run over the last 24 hours. One row per tenant, most recent pause",
        "# first, ordered by the event's own time (events may arrive late and out of order).",
        'filter source = "aws.ses" and `detail-type` = "Sending Status Disabled"',
        "| fields resources.0 as tenantArn, detail.data.origin as origin, detail.data.record.cause as cause,",
        f"    {_event_time_key()} as eventTimeKey",
        "| sort eventTimeKey desc",
        "| dedup tenantArn",
        "| limit 10000",
    ]
)

FINDINGS_BY_TENANT_QUERY = "\n".join(
    [
        "# Reputation findings by tenant (Advisor Recommendation Status Open / Resolved / Closed),",
        "# ordered by the most recent event time (@timestamp is the event's own time field).",
        f'filter source = "aws.ses" and `detail-type` like /^{FINDING_DETAIL_TYPE_PREFIX}/',
        "| fields resources.0 as tenantArn, `detail-type` as findingStatus",
        "| stats count(*) as findingEvents, latest(findingStatus) as lastStatus, max(@timestamp) as lastEventTime"
        " by tenantArn",
        "| sort lastEventTime desc",
        "| limit 10000",
    ]
)


@jsii.implements(events.IRuleTarget)
class LogGroupTarget:
    """EventBridge rule target that delivers events to a log group, without any custom resource.

    Authorization is the caller's job (``TenantEventLog`` writes one native ``AWS::Logs::ResourcePolicy``).

    Parameters
    ----------
    log_group : logs.ILogGroup
        The destination.
    dead_letter_queue : sqs.IQueue, optional
        Receives events EventBridge could not deliver after its retries; this target adds the queue policy
        statement allowing ``events.amazonaws.com`` to send for this rule only.
    max_event_age : Duration, optional
        Retry window (EventBridge default 24 h).
    retry_attempts : int, optional
        Maximum retries (EventBridge default 185).
    """

    def __init__(
        self,
        log_group: logs.ILogGroup,
        *,
        dead_letter_queue: sqs.IQueue | None = None,
        max_event_age: Duration | None = None,
        retry_attempts: int | None = None,
    ) -> None:
        self.log_group = log_group
        self.dead_letter_queue = dead_letter_queue
        self.max_event_age = max_event_age
        self.retry_attempts = retry_attempts

    def bind(self, rule: events.IRule, id: str | None = None) -> events.RuleTargetConfig:
        """Return the target configuration (log group ARN without ``:*``, DLQ, retry policy)."""
        stack = Stack.of(self.log_group)
        arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=self.log_group.log_group_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        dead_letter = None
        if self.dead_letter_queue is not None:
            self.dead_letter_queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"AllowEventRule{Names.node_unique_id(rule.node)}"[:100],
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[self.dead_letter_queue.queue_arn],
                    conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
                )
            )
            dead_letter = events.CfnRule.DeadLetterConfigProperty(arn=self.dead_letter_queue.queue_arn)
        retry = None
        if self.max_event_age is not None or self.retry_attempts is not None:
            retry = events.CfnRule.RetryPolicyProperty(
                maximum_event_age_in_seconds=self.max_event_age.to_seconds() if self.max_event_age else None,
                maximum_retry_attempts=self.retry_attempts,
            )
        return events.RuleTargetConfig(
            arn=arn,
            dead_letter_config=dead_letter,
            retry_policy=retry,
            target_resource=self.log_group,
        )


class TenantEventLog(Construct):
    """SES tenant events (sending status, reputation findings) into a retained CloudWatch Logs log group.

    Parameters
    ----------
    scope : Construct
    id : str
    log_group_name : str, optional
        Default ``/aws/ses/tenants``.
    retention : logs.RetentionDays, optional
        Default one year.
    encryption_key : kms.IKey, optional
        Customer-managed key for the log group; for a key created in the same app, the construct adds the
        key-policy statement CloudWatch Logs needs (an imported key's policy must allow it already).
    alarm_actions : sequence of cloudwatch.IAlarmAction, optional
        Actions of the dead-letter and paused-tenant alarms (e.g. an SNS topic action).
    metric_namespace : str, optional
        Namespace of the paused-tenants metric (default ``SesTenants``).
    query_name_prefix : str, optional
        Folder of the saved queries (default ``ses-tenants``).
    max_event_age : Duration, optional
        EventBridge retry window before an event goes to the dead-letter queue (default 24 h).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        log_group_name: str = DEFAULT_LOG_GROUP_NAME,
        retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        encryption_key: kms.IKey | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        metric_namespace: str = DEFAULT_METRIC_NAMESPACE,
        query_name_prefix: str = "ses-tenants",
        max_event_age: Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=log_group_name,
            retention=retention,
            encryption_key=encryption_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if encryption_key is not None:
            encryption_key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowCloudWatchLogsForTenantEvents",
                    principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                    actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                    resources=["*"],
                    conditions={
                        "ArnEquals": {
                            "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                                service="logs",
                                resource="log-group",
                                resource_name=log_group_name,
                                arn_format=ArnFormat.COLON_RESOURCE_NAME,
                            )
                        }
                    },
                )
            )

        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the EventBridge rule target (EventBridge DLQs are "
            "configured on the target, which cdk-nag does not see as a redrive policy).",
        )

        self.rule = events.Rule(
            self,
            "Rule",
            description="SES tenant sending-status changes and reputation findings to the tenant event log",
            event_pattern=events.EventPattern(
                source=["aws.ses"],
                detail_type=events.Match.any_of(
                    *[events.Match.exact_string(t) for t in STATUS_DETAIL_TYPES],
                    events.Match.prefix(FINDING_DETAIL_TYPE_PREFIX),
                ),
                resources=events.Match.prefix(tenant_resources_prefix(self)),
            ),
        )
        self.rule.add_target(
            LogGroupTarget(self.log_group, dead_letter_queue=self.dead_letter_queue, max_event_age=max_event_age)
        )

        self.resource_policy = logs.CfnResourcePolicy(
            self,
            "DeliveryPolicy",
            policy_name=f"ses-tenants-events-{Names.unique_id(self)}"[-255:],
            policy_document=stack.to_json_string(self._delivery_policy().to_json()),
        )

        self.paused_metric_filter = logs.MetricFilter(
            self,
            "PausedTenants",
            log_group=self.log_group,
            filter_pattern=logs.FilterPattern.literal(PAUSED_FILTER_PATTERN),
            metric_namespace=metric_namespace,
            metric_name=PAUSED_METRIC_NAME,
            metric_value="1",
            default_value=0,
        )
        self.paused_alarm = cloudwatch.Alarm(
            self,
            "PausedTenantsAlarm",
            alarm_description="An SES tenant's sending status changed to DISABLED (paused by SES or by a deploy). "
            "Run the 'tenants paused in the last day' query of the tenant event log.",
            metric=self.paused_metric_filter.metric(statistic="Sum", period=Duration.minutes(5)),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.dead_letter_alarm = cloudwatch.Alarm(
            self,
            "DeadLetterAlarm",
            alarm_description="SES tenant events could not be delivered to the tenant event log; they are kept "
            "in the dead-letter queue (14 days).",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                statistic="Maximum", period=Duration.minutes(5)
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for alarm in (self.paused_alarm, self.dead_letter_alarm):
            for action in alarm_actions:
                alarm.add_alarm_action(action)

        self.paused_query = logs.CfnQueryDefinition(
            self,
            "PausedLastDayQuery",
            name=f"{query_name_prefix}/tenants paused in the last day",
            query_string=PAUSED_LAST_DAY_QUERY,
            log_group_names=[self.log_group.log_group_name],
        )
        self.findings_query = logs.CfnQueryDefinition(
            self,
            "FindingsByTenantQuery",
            name=f"{query_name_prefix}/findings by tenant",
            query_string=FINDINGS_BY_TENANT_QUERY,
            log_group_names=[self.log_group.log_group_name],
        )

    def _delivery_policy(self) -> iam.PolicyDocument:
        account = Stack.of(self).account
        principals = [iam.ServicePrincipal(p) for p in EVENT_SERVICE_PRINCIPALS]
        return iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="TenantEventsPutLogEvents",
                    principals=principals,
                    actions=["logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                    conditions={
                        "ArnEquals": {"aws:SourceArn": self.rule.rule_arn},
                        "StringEquals": {"aws:SourceAccount": account},
                    },
                ),
                iam.PolicyStatement(
                    sid="TenantEventsCreateLogStream",
                    principals=principals,
                    actions=["logs:CreateLogStream"],
                    resources=[self.log_group.log_group_arn],
                    conditions={"StringEquals": {"aws:SourceAccount": account}},
                ),
            ]
        )
