"""Monitoring stack: the tenant event log, its alarms, (optionally) an encrypted alarm topic, and tenant health.

Tenant health (``add_tenant_health``) is the dashboard and the early-warning alarms of
``ses_tenants_constructs.tenant_health.TenantHealth``. It watches the provisioner's Lambda functions, which live
in the tenants stack; the tenants stack depends on this one (its prune step runs last), so this stack must not
reference the tenants stack's constructs (that would make the two stacks depend on each other). The functions
are imported **by name** instead (``handler_function_names(<tenants stack name>)``): plain strings, no
cross-stack reference, no export.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from ses_tenants_constructs.event_log import DEFAULT_LOG_GROUP_NAME, TenantEventLog
from ses_tenants_constructs.tenant_health import HealthThresholds, TenantHealth

from constructs import Construct


class FunctionByName:
    """A Lambda function of another stack, known by its name: ``IFunction`` with a literal ``function_name``.

    ``lambda_.Function.from_function_name`` builds the function's ARN from the stack's partition, region and
    account (tokens in an environment-agnostic stack) and parses the name back out of it, so its metrics carry
    ``Fn::Select(6, Fn::Split(":", <arn>))`` as the ``FunctionName`` dimension. The name is known here: this
    wrapper returns it literally (dashboards and alarms show it as written), and hands every other member to the
    imported function.

    Parameters
    ----------
    imported : aws_lambda.IFunction
        ``lambda_.Function.from_function_name(scope, id, name)``.
    name : str
        The same name.
    """

    def __init__(self, imported: lambda_.IFunction, name: str) -> None:
        self._imported = imported
        self._name = name

    @property
    def function_name(self) -> str:
        return self._name

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """Return an ``AWS/Lambda`` metric of this function (``props`` as for ``cloudwatch.Metric``)."""
        return cloudwatch.Metric(
            namespace="AWS/Lambda", metric_name=metric_name, dimensions_map={"FunctionName": self._name}, **props
        )

    def metric_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metric("Errors", **{"statistic": "Sum", **props})

    def metric_throttles(self, **props: Any) -> cloudwatch.Metric:
        return self.metric("Throttles", **{"statistic": "Sum", **props})

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        return self.metric("Invocations", **{"statistic": "Sum", **props})

    def metric_duration(self, **props: Any) -> cloudwatch.Metric:
        return self.metric("Duration", **{"statistic": "Average", **props})

    def __getattr__(self, item: str) -> Any:
        return getattr(self._imported, item)


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
        self.tenant_health: TenantHealth | None = None

    def add_tenant_health(
        self,
        provisioner_function_names: Sequence[str],
        *,
        thresholds: HealthThresholds | None = None,
    ) -> TenantHealth:
        """Add the tenant-health dashboard and early-warning alarms (once).

        Parameters
        ----------
        provisioner_function_names : sequence of str
            Names of the provisioner's handler functions in the tenants stack
            (``TenantsStack.provisioner_function_names``); imported by name, not referenced.
        thresholds : HealthThresholds, optional
            Warning margin, minimum sends, ... (default ``HealthThresholds()``).

        Returns
        -------
        TenantHealth
            Dashboard ``<stack name>-TenantHealth``; alarms named ``<stack name>-...``, so two environments
            (stages) in one account never collide.
        """
        if self.tenant_health is not None:
            raise ValueError(f"{self.stack_name} already has tenant health")
        functions: list[Any] = [
            FunctionByName(lambda_.Function.from_function_name(self, f"Provisioner{i}", name), name)
            for i, name in enumerate(provisioner_function_names)
        ]
        self.tenant_health = TenantHealth(
            self,
            "TenantHealth",
            log_group=self.event_log.log_group,
            functions=functions,
            topic=self.alarm_topic,
            dlq=self.event_log.dead_letter_queue,
            dlq_alarm=False,  # TenantEventLog alarms on its dead-letter queue already; the depth is still graphed
            thresholds=thresholds,
            dashboard_name=f"{self.stack_name}-TenantHealth",
            alarm_name_prefix=self.stack_name,
        )
        CfnOutput(self, "TenantHealthDashboard", value=self.tenant_health.dashboard.ref)
        return self.tenant_health

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
