"""Monitoring stack: the tenant event log, its alarms and (optionally) an encrypted alarm topic.

Later additions (a dashboard, early-warning alarms) belong here too; they can use ``event_log`` (log group,
metrics) and ``alarm_topic``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from ses_tenants_constructs.event_log import DEFAULT_LOG_GROUP_NAME, TenantEventLog

from constructs import Construct


class MonitoringStack(Stack):
    """SES tenant events into CloudWatch Logs, with alarms.

    Parameters
    ----------
    scope : Construct
    id : str
    log_group_name : str, optional
        Default ``/aws/ses/tenants``.
    log_retention : logs.RetentionDays, optional
        Default one year.
    log_kms_key : str, optional
        ``"create"`` for a new customer-managed key (rotation on), a KMS key ARN to use an existing key (its
        policy must allow CloudWatch Logs), or None for CloudWatch Logs' default encryption.
    alarm_emails : sequence of str, optional
        When given, an SNS topic (KMS-encrypted, TLS-only) with these e-mail subscriptions receives the alarms.
    **kwargs
        Stack properties (env, stack_name, description, ...).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        log_group_name: str = DEFAULT_LOG_GROUP_NAME,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        log_kms_key: str | None = None,
        alarm_emails: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        key: kms.IKey | None = None
        if log_kms_key == "create":
            key = kms.Key(
                self,
                "LogKey",
                enable_key_rotation=True,
                description=f"ses-tenants: encryption of the tenant event log {log_group_name}",
            )
        elif log_kms_key:
            key = kms.Key.from_key_arn(self, "LogKey", log_kms_key)

        self.alarm_topic: sns.Topic | None = None
        actions: list[cloudwatch.IAlarmAction] = []
        if alarm_emails:
            self.alarm_topic = self._alarm_topic(alarm_emails)
            actions.append(cw_actions.SnsAction(self.alarm_topic))

        self.event_log = TenantEventLog(
            self,
            "TenantEventLog",
            log_group_name=log_group_name,
            retention=log_retention,
            encryption_key=key,
            alarm_actions=actions,
        )
        CfnOutput(self, "TenantEventLogGroup", value=self.event_log.log_group.log_group_name)
        CfnOutput(self, "TenantEventRuleArn", value=self.event_log.rule.rule_arn)
        CfnOutput(self, "DeadLetterQueueUrl", value=self.event_log.dead_letter_queue.queue_url)

    def _alarm_topic(self, emails: Sequence[str]) -> sns.Topic:
        key = kms.Key(
            self, "AlarmTopicKey", enable_key_rotation=True, description="ses-tenants: alarm topic encryption"
        )
        # CloudWatch alarms publish to an encrypted topic only if the key lets the service use it.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="ses-tenants alarms",
            master_key=key,
            enforce_ssl=True,
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        for address in emails:
            topic.add_subscription(subscriptions.EmailSubscription(address))
        CfnOutput(self, "AlarmTopicArn", value=topic.topic_arn)
        return topic
