"""The tenant provisioner: one custom resource that reconciles every tenant, plus the prune step.

Architecture (one job: run the reconcile engine from CloudFormation)::

    CloudFormation ─► Custom::SesTenants (Mode=reconcile) ─┐
                   ─► Custom::SesTenantsPrune (Mode=prune) ┴► Provider (onEvent + isComplete, Step Functions
                                                               waiter) ─► Lambda (the engine) ─► SES v2

- The normalized spec travels as an S3 asset; the custom resources carry only its location and hash
  (``SpecBucket``, ``SpecKey``, ``SpecHash``) plus ``Mode`` and ``Deployment``, so the template has the same
  size whatever the number of tenants.
- The Lambda code is the engine package plus the pinned boto3, bundled locally (no Docker).
- Time limits: CloudFormation waits at most one hour for a custom resource. ``on_event_timeout`` +
  ``total_timeout`` + ``is_complete_timeout`` must fit in that hour, ``total_timeout`` must be an integer
  multiple of ``query_interval`` (the Provider's waiter retries ``total/interval`` times), and each custom
  resource's ``ServiceTimeout`` is set to that sum, so CloudFormation and the Provider give up together.
- Both custom resources have pinned logical ids, so moving this construct in the tree cannot replace them
  (a replacement would send CloudFormation Delete events). The physical id is kept stable by the Lambda.
- The prune step (``DeleteTenant``, irreversible) depends on the reconcile resource; the stack that owns this
  construct makes it depend on everything else in the deployment (see ``prune_after``).

The construct has no reconcile logic; it ships the engine and the spec and wires permissions.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import custom_resources as cr

from constructs import Construct, IConstruct
from ses_tenants_constructs.arns import associable_resource_arns, reputation_policy_arns, ses_arn, tenant_arns
from ses_tenants_constructs.nag import acknowledge, nag_text
from ses_tenants_constructs.permissions import tenant_configuration_statements

#: Tag that marks a tenant as managed by a deployment (kept equal to ses_tenants_engine.model.OWNERSHIP_TAG_KEY;
#: the constructs package does not import the engine).
OWNERSHIP_TAG_KEY = "ses-tenants:deployment"

RECONCILE_LOGICAL_ID = "SesTenantsReconcile"
PRUNE_LOGICAL_ID = "SesTenantsPrune"
RECONCILE_RESOURCE_TYPE = "Custom::SesTenants"
PRUNE_RESOURCE_TYPE = "Custom::SesTenantsPrune"

#: CloudFormation's limit for a custom resource (ServiceTimeout maximum).
MAX_SERVICE_TIMEOUT = Duration.hours(1)

_SPEC_DIRS: list[str] = []


def _cleanup_spec_dirs() -> None:
    for d in _SPEC_DIRS:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup_spec_dirs)


def write_spec_file(document: str) -> str:
    """Write a normalized spec document to a private temporary file (removed at interpreter exit).

    Parameters
    ----------
    document : str
        The normalized spec JSON (``Spec.dumps()``).

    Returns
    -------
    str
        Path of ``spec.json``; the asset hash depends on the content only.
    """
    if not _SPEC_DIRS:
        _SPEC_DIRS.append(tempfile.mkdtemp(prefix="ses-tenants-spec-"))
    digest = hashlib.sha256(document.encode()).hexdigest()[:16]
    folder = Path(_SPEC_DIRS[0]) / digest
    folder.mkdir(exist_ok=True)
    path = folder / "spec.json"
    path.write_text(document, encoding="utf-8")
    return str(path)


def check_timeouts(
    on_event_timeout: Duration, is_complete_timeout: Duration, query_interval: Duration, total_timeout: Duration
) -> Duration:
    """Validate the Provider timing and return the custom resources' ServiceTimeout.

    Parameters
    ----------
    on_event_timeout, is_complete_timeout : Duration
        Lambda timeouts of the two handlers (each at most 15 minutes).
    query_interval, total_timeout : Duration
        The Provider waiter's polling interval and total time.

    Returns
    -------
    Duration
        ``on_event_timeout + total_timeout + is_complete_timeout`` (the worst case CloudFormation waits).

    Raises
    ------
    ValueError
        If the total is not a whole multiple of the interval, or the sum exceeds one hour.
    """
    interval = query_interval.to_seconds()
    total = total_timeout.to_seconds()
    if interval <= 0 or total % interval != 0:
        raise ValueError(f"total_timeout ({total}s) must be an integer multiple of query_interval ({interval}s)")
    for name, d in (("on_event_timeout", on_event_timeout), ("is_complete_timeout", is_complete_timeout)):
        if not 0 < d.to_seconds() <= 900:
            raise ValueError(f"{name} must be between 1 s and 15 min, got {d.to_seconds()}s")
    worst = on_event_timeout.to_seconds() + total + is_complete_timeout.to_seconds()
    if worst > MAX_SERVICE_TIMEOUT.to_seconds():
        raise ValueError(
            f"on_event_timeout + total_timeout + is_complete_timeout = {worst}s exceeds CloudFormation's "
            f"{MAX_SERVICE_TIMEOUT.to_seconds()}s limit for a custom resource"
        )
    return Duration.seconds(worst)


def handler_function_names(prefix: str) -> tuple[str, str]:
    """Return the onEvent and isComplete function names for a name prefix (at most 64 characters each).

    Parameters
    ----------
    prefix : str
        E.g. the tenants stack's name, which is unique per account and region.

    Returns
    -------
    tuple of str
        ``(<prefix>-onEvent, <prefix>-isComplete)``; a long prefix is shortened and suffixed with a hash of
        the full prefix, so distinct prefixes keep distinct names.
    """
    names = []
    for suffix in ("onEvent", "isComplete"):
        name = f"{prefix}-{suffix}"
        if len(name) > 64:
            digest = hashlib.sha256(prefix.encode()).hexdigest()[:8]
            name = f"{prefix[: 64 - len(suffix) - 10]}-{digest}-{suffix}"
        names.append(name)
    return names[0], names[1]


class TenantProvisioner(Construct):
    """Reconcile SES tenants to a normalized spec with a Provider-framework custom resource.

    Parameters
    ----------
    scope : Construct
    id : str
    spec_document : str
        The normalized spec JSON; shipped as an S3 asset.
    deployment : str
        The deployment name (value of the ownership tag ``ses-tenants:deployment``); passed to the Lambda and
        used to restrict ``ses:DeleteTenant`` to tenants tagged as owned by this deployment.
    code : aws_lambda.Code
        The engine's code asset (see ``ses_tenants_constructs.bundling.python_code_asset``).
    runtime : aws_lambda.Runtime, optional
        Default ``PYTHON_3_14``.
    handler_module : str, optional
        Module holding ``on_event`` and ``is_complete`` (default ``ses_tenants_engine.handler``).
    query_interval : Duration, optional
        Default 30 seconds.
    total_timeout : Duration, optional
        Default 40 minutes (an integer multiple of ``query_interval``).
    on_event_timeout : Duration, optional
        Default 14 minutes (the handler stops starting work before its budget ends).
    is_complete_timeout : Duration, optional
        Default 5 minutes.
    memory_size : int, optional
        Default 256 MB.
    log_retention : logs.RetentionDays, optional
        Retention of the provisioner's log group (default three months).
    reconcile_logical_id, prune_logical_id : str, optional
        Pinned CloudFormation logical ids of the two custom resources.
    function_name_prefix : str, optional
        When given, the two handler functions are named ``<prefix>-onEvent`` and ``<prefix>-isComplete``
        (see ``handler_function_names``), so other stacks can watch them by name without a cross-stack
        reference; default: names generated by CloudFormation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec_document: str,
        deployment: str,
        code: lambda_.Code,
        runtime: lambda_.Runtime | None = None,
        handler_module: str = "ses_tenants_engine.handler",
        query_interval: Duration | None = None,
        total_timeout: Duration | None = None,
        on_event_timeout: Duration | None = None,
        is_complete_timeout: Duration | None = None,
        memory_size: int = 256,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        reconcile_logical_id: str = RECONCILE_LOGICAL_ID,
        prune_logical_id: str = PRUNE_LOGICAL_ID,
        function_name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        runtime = runtime or lambda_.Runtime.PYTHON_3_14
        query_interval = query_interval or Duration.seconds(30)
        total_timeout = total_timeout or Duration.minutes(40)
        on_event_timeout = on_event_timeout or Duration.minutes(14)
        is_complete_timeout = is_complete_timeout or Duration.minutes(5)
        service_timeout = check_timeouts(on_event_timeout, is_complete_timeout, query_interval, total_timeout)

        self.spec_asset = s3_assets.Asset(self, "Spec", path=write_spec_file(spec_document))

        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)

        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="ses-tenants provisioner: reconciles SES tenants to the deployed spec",
        )
        self._grant_engine_permissions(deployment)

        common = {
            "runtime": runtime,
            "code": code,
            "memory_size": memory_size,
            "role": self.role,
            "log_group": self.log_group,
            "architecture": lambda_.Architecture.ARM_64,
            "logging_format": lambda_.LoggingFormat.JSON,
        }
        self.on_event_function = lambda_.Function(
            self,
            "OnEvent",
            function_name=handler_function_names(function_name_prefix)[0] if function_name_prefix else None,
            handler=f"{handler_module}.on_event",
            timeout=on_event_timeout,
            description="ses-tenants provisioner: onEvent (plan and apply within the time budget)",
            **common,
        )
        self.is_complete_function = lambda_.Function(
            self,
            "IsComplete",
            function_name=handler_function_names(function_name_prefix)[1] if function_name_prefix else None,
            handler=f"{handler_module}.is_complete",
            timeout=is_complete_timeout,
            description="ses-tenants provisioner: isComplete (re-plan from live state and continue)",
            **common,
        )

        framework_role = self._framework_role("FrameworkOnEventRole")
        framework_waiter_role = self._framework_role("FrameworkWaiterRole")
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            query_interval=query_interval,
            total_timeout=total_timeout,
            log_group=self.log_group,
            framework_on_event_role=framework_role,
            framework_complete_and_timeout_role=framework_waiter_role,
        )

        self.reconcile = self._custom_resource(
            "Reconcile", RECONCILE_RESOURCE_TYPE, reconcile_logical_id, "reconcile", deployment, service_timeout
        )
        self.prune = self._custom_resource(
            "Prune", PRUNE_RESOURCE_TYPE, prune_logical_id, "prune", deployment, service_timeout
        )
        self.prune.node.add_dependency(self.reconcile)
        self.service_timeout = service_timeout
        self._acknowledge_framework_findings()

    # ----------------------------------------------------------------------------------------------- API

    def prune_after(self, *constructs: IConstruct) -> None:
        """Make the prune step (tenant deletions) wait for the given constructs.

        Parameters
        ----------
        *constructs : IConstruct
            Constructs (or whole stacks) whose resources must be in place before any tenant is deleted.
        """
        for c in constructs:
            self.prune.node.add_dependency(c)

    # ----------------------------------------------------------------------------------------- internals

    def _custom_resource(
        self, id: str, resource_type: str, logical_id: str, mode: str, deployment: str, timeout: Duration
    ) -> CustomResource:
        resource = CustomResource(
            self,
            id,
            service_token=self.provider.service_token,
            resource_type=resource_type,
            service_timeout=timeout,
            properties={
                "SpecBucket": self.spec_asset.s3_bucket_name,
                "SpecKey": self.spec_asset.s3_object_key,
                "SpecHash": self.spec_asset.asset_hash,
                "Mode": mode,
                "Deployment": deployment,
            },
        )
        resource.node.default_child.override_logical_id(logical_id)  # type: ignore[union-attr]
        return resource

    def _framework_role(self, id: str) -> iam.Role:
        """Create a role for the Provider's own functions: logs to the provisioner log group, nothing else."""
        role = iam.Role(
            self,
            id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="ses-tenants provisioner: CDK Provider framework function",
        )
        self.log_group.grant_write(role)
        return role

    def _grant_engine_permissions(self, deployment: str) -> None:
        tenants = tenant_arns(self)
        identity, config_set, template = associable_resource_arns(self)
        statements = [
            *tenant_configuration_statements(self),
            iam.PolicyStatement(sid="PreflightIdentity", actions=["ses:GetEmailIdentity"], resources=[identity]),
            iam.PolicyStatement(
                sid="PreflightConfigurationSet", actions=["ses:GetConfigurationSet"], resources=[config_set]
            ),
            iam.PolicyStatement(sid="PreflightTemplate", actions=["ses:GetEmailTemplate"], resources=[template]),
            # Deletions only for tenants carrying this deployment's ownership tag.
            iam.PolicyStatement(
                sid="DeleteOwnedTenants",
                actions=["ses:DeleteTenant"],
                resources=[tenants],
                conditions={"StringEquals": {f"aws:ResourceTag/{OWNERSHIP_TAG_KEY}": deployment}},
            ),
            # Update events read the previous spec object as well (OldResourceProperties), whose key is a
            # different content hash: the grant covers the JSON objects of the asset bucket, read-only.
            iam.PolicyStatement(
                sid="ReadSpecAssets",
                actions=["s3:GetObject"],
                resources=[self.spec_asset.bucket.arn_for_objects("*.json")],
            ),
        ]
        for s in statements:
            self.role.add_to_policy(s)
        self.log_group.grant_write(self.role)

    def _acknowledge_framework_findings(self) -> None:
        """Acknowledge the cdk-nag findings inherent to this design, each on the construct it concerns."""
        stack = Stack.of(self)

        def arn_ref(fn: IConstruct) -> str:
            logical_id = stack.resolve(stack.get_logical_id(fn.node.default_child))  # type: ignore[arg-type]
            return f"<{logical_id}.Arn>"

        patterns = {
            "tenant": tenant_arns(self),
            "identity": ses_arn(self, "identity"),
            "configuration-set": ses_arn(self, "configuration-set"),
            "template": ses_arn(self, "template"),
            "reputation-policy": reputation_policy_arns(self),
            "*": "*",
        }
        for key, reason in _HANDLER_WILDCARDS.items():
            acknowledge(self.role, f"AwsSolutions-IAM5[Resource::{nag_text(self, patterns[key])}]", reason)
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{nag_text(self, self.spec_asset.bucket.arn_for_objects('*.json'))}]",
            "Update events read the previous spec object too (OldResourceProperties), whose key is another "
            "content hash; s3:GetObject only, on the JSON objects of the CDK asset bucket.",
        )
        invoke_reason = (
            "CDK Provider framework: lambda:InvokeFunction granted by Function.grantInvoke includes the "
            "function's versions/aliases (<arn>:*); the unqualified function is the only one invoked."
        )
        for role in (self.node.find_child("FrameworkOnEventRole"), self.node.find_child("FrameworkWaiterRole")):
            for fn in (self.on_event_function, self.is_complete_function):
                acknowledge(role, f"AwsSolutions-IAM5[Resource::{arn_ref(fn)}:*]", invoke_reason)
        waiter = self.provider.node.find_child("waiter-state-machine")
        for name in ("framework-isComplete", "framework-onTimeout"):
            acknowledge(
                waiter.node.find_child("Role"),
                f"AwsSolutions-IAM5[Resource::{arn_ref(self.provider.node.find_child(name))}:*]",
                invoke_reason,
            )
        state_machine = waiter.node.find_child("Resource")
        acknowledge(
            state_machine,
            "AwsSolutions-SF1",
            "CDK Provider framework waiter: a retry loop around the isComplete Lambda, whose own logs (and the "
            "framework's) go to the provisioner log group; execution-history logging would need logs:* on '*'.",
        )
        acknowledge(
            state_machine,
            "AwsSolutions-SF2",
            "CDK Provider framework waiter: the framework offers no X-Ray option for its state machine; the "
            "handler Lambdas log every call in JSON to the provisioner log group.",
        )


_HANDLER_WILDCARDS = {
    "tenant": "Tenant ARNs end in an id SES assigns at creation (tenant/<name>/<tn-id>) and "
    "the spec (asset data) can hold any number of tenants; the engine acts only on tenants of the deployed spec.",
    "identity": "Associations and pre-flight existence checks need the identity ARNs named in "
    "the spec, which is asset data (the template must not grow with the number of tenants).",
    "configuration-set": "Associations and pre-flight checks need the configuration-set ARNs "
    "named in the spec (asset data; the template must not grow with the number of tenants).",
    "template": "Associations and pre-flight checks need the email-template ARNs named in the "
    "spec (asset data; the template must not grow with the number of tenants).",
    "reputation-policy": "UpdateReputationEntityPolicy needs the "
    "SES-managed policy ARN (standard|strict|none, account 'aws'); the spec chooses which per tenant.",
    "*": "ses:ListTenants supports no resource-level permissions (IAM service authorization reference); it is "
    "the only action granted on '*'.",
}
