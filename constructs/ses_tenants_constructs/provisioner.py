"""The tenant provisioner: one custom resource that reconciles every tenant, plus the prune step.

Architecture (one job: run the reconcile engine from CloudFormation)::

    CloudFormation ─► Custom::SesTenants (Mode=reconcile) ─┐
                   ─► Custom::SesTenantsPrune (Mode=prune) ┴► Provider (onEvent + isComplete, Step Functions
                                                               waiter) ─► Lambda (the engine) ─► SES v2

- The normalized spec travels as an S3 asset; the custom resources carry only its location and hash
  (``SpecBucket``, ``SpecKey``, ``SpecHash``) plus ``Mode`` and ``Deployment``, so the template has the same
  size whatever the number of tenants.
- The Lambda code is the engine package plus the pinned boto3, bundled locally (no Docker).
- Time limits: CloudFormation waits at most one hour for a custom resource (``ServiceTimeout`` ≤ 3600 s) and
  nothing stops the Provider's waiter state machine when CloudFormation gives up (aws/aws-cdk#31541). The
  waiter (CDK 2.275 ``WaiterStateMachine``) is one Task with ``Retry{IntervalSeconds: query_interval,
  MaxAttempts: total_timeout / query_interval, BackoffRate: 1}``: the interval is a pause *between* attempts
  and every attempt runs isComplete (up to its Lambda timeout), so the waiter runs ``MaxAttempts + 1``
  isComplete attempts. ``check_timeouts`` computes the true worst case (see ``worst_case_seconds``) and refuses
  any configuration whose waiter could outlive the one-hour limit; each custom resource's ``ServiceTimeout``
  (a resource property, which the handler also reads to compute its write deadline) is that worst case.
- Every resource of this construct has a pinned logical id (see ``pinned_logical_id``): the two custom
  resources by name, everything else (handler and Provider framework functions, their roles and policies, the
  waiter state machine, the log group) under a stable root, so moving this construct in the tree changes no
  logical id: no replacement, no ServiceToken change (which CloudFormation rejects), no clash of the
  fixed function names. The physical id is kept stable by the Lambda.
- The prune step (``DeleteTenant``, irreversible) depends on the reconcile resource; the stack that owns this
  construct makes it depend on everything else in the deployment (see ``prune_after``).

The construct has no reconcile logic; it ships the engine and the spec and wires permissions.
"""

from __future__ import annotations

import atexit
import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from aws_cdk import CfnElement, CustomResource, Duration, RemovalPolicy, Stack
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

#: Default Provider timing (see ``check_timeouts``): worst case 840 + 18 × (120 + 2) + 17 × 30 + 30 = 3576 s.
DEFAULT_ON_EVENT_TIMEOUT = Duration.minutes(14)
DEFAULT_IS_COMPLETE_TIMEOUT = Duration.minutes(2)
DEFAULT_QUERY_INTERVAL = Duration.seconds(30)
DEFAULT_TOTAL_TIMEOUT = Duration.seconds(17 * 30)

#: Allowance, per isComplete attempt, for what the Lambda timeout does not bound: the framework-isComplete
#: hop, the state machine's transition and the handler's init phase.
ATTEMPT_OVERHEAD_SECONDS = 2
#: Fixed allowance for CloudFormation → framework-onEvent, StartExecution, and the onTimeout task's response.
FIXED_OVERHEAD_SECONDS = 30

#: Root of the pinned logical ids of the construct's resources other than the two custom resources. Equal to
#: the construct id the tenants stack has always used, so the pinned ids equal the ids already deployed.
LOGICAL_ID_ROOT = "Provisioner"

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


def waiter_max_attempts(query_interval: Duration, total_timeout: Duration) -> int:
    """Return the waiter's ``Retry.MaxAttempts``, as CDK 2.275's Provider computes it.

    Parameters
    ----------
    query_interval, total_timeout : Duration
        The Provider waiter's polling interval and total time.

    Returns
    -------
    int
        ``total_timeout / query_interval`` (``calculateRetryPolicy`` in ``custom-resources/lib/provider-framework
        /util.js``): the number of *retries* after the first isComplete attempt.

    Raises
    ------
    ValueError
        If the total is not a whole, positive multiple of the interval.
    """
    interval = query_interval.to_seconds()
    total = total_timeout.to_seconds()
    if interval <= 0 or total <= 0 or total % interval != 0:
        raise ValueError(
            f"total_timeout ({total}s) must be a positive integer multiple of query_interval ({interval}s)"
        )
    return int(total // interval)


def worst_case_seconds(
    on_event_timeout: Duration, is_complete_timeout: Duration, query_interval: Duration, total_timeout: Duration
) -> int:
    """Return the longest time the Provider can work on one custom-resource event, in seconds.

    The waiter's Task runs isComplete once and retries ``MaxAttempts`` times, pausing ``query_interval`` before
    each retry (``BackoffRate`` 1); any attempt may last the whole isComplete Lambda timeout. So::

        on_event + (MaxAttempts + 1) × (is_complete + ATTEMPT_OVERHEAD) + MaxAttempts × query_interval
                 + FIXED_OVERHEAD

    Parameters
    ----------
    on_event_timeout, is_complete_timeout, query_interval, total_timeout : Duration
        As for ``check_timeouts``.

    Returns
    -------
    int
        The worst case in seconds.
    """
    retries = waiter_max_attempts(query_interval, total_timeout)
    attempt = is_complete_timeout.to_seconds() + ATTEMPT_OVERHEAD_SECONDS
    return int(
        on_event_timeout.to_seconds()
        + (retries + 1) * attempt
        + retries * query_interval.to_seconds()
        + FIXED_OVERHEAD_SECONDS
    )


def check_timeouts(
    on_event_timeout: Duration, is_complete_timeout: Duration, query_interval: Duration, total_timeout: Duration
) -> Duration:
    """Validate the Provider timing and return the custom resources' ServiceTimeout.

    Parameters
    ----------
    on_event_timeout, is_complete_timeout : Duration
        Lambda timeouts of the two handlers (each at most 15 minutes).
    query_interval, total_timeout : Duration
        The Provider waiter's polling interval and ``total_timeout`` (``MaxAttempts = total / interval``).

    Returns
    -------
    Duration
        ``worst_case_seconds(...)``: CloudFormation waits exactly as long as the waiter can run.

    Raises
    ------
    ValueError
        If the total is not a whole multiple of the interval, a handler timeout is out of range, or the worst
        case exceeds CloudFormation's one-hour limit (the waiter would keep running after CloudFormation has
        given up, aws/aws-cdk#31541).
    """
    for name, d in (("on_event_timeout", on_event_timeout), ("is_complete_timeout", is_complete_timeout)):
        if not 0 < d.to_seconds() <= 900:
            raise ValueError(f"{name} must be between 1 s and 15 min, got {d.to_seconds()}s")
    retries = waiter_max_attempts(query_interval, total_timeout)
    worst = worst_case_seconds(on_event_timeout, is_complete_timeout, query_interval, total_timeout)
    limit = int(MAX_SERVICE_TIMEOUT.to_seconds())
    if worst > limit:
        oe, ic, qi = (int(d.to_seconds()) for d in (on_event_timeout, is_complete_timeout, query_interval))
        raise ValueError(
            f"the Provider's waiter could outlive CloudFormation's {limit}s limit for a custom resource: "
            f"on_event_timeout {oe}s + {retries + 1} isComplete attempts x ({ic}s timeout + "
            f"{ATTEMPT_OVERHEAD_SECONDS}s overhead) + {retries} pauses x {qi}s query_interval + "
            f"{FIXED_OVERHEAD_SECONDS}s overhead = {worst}s (MaxAttempts = total_timeout / query_interval = "
            f"{retries}); lower total_timeout, is_complete_timeout or on_event_timeout"
        )
    return Duration.seconds(worst)


def make_unique_id(components: list[str]) -> str:
    """Return the logical id CDK allocates to an element at ``components`` below its stack.

    Same algorithm as aws-cdk-lib's ``makeUniqueId`` (``core/lib/private/uniqueid``): ``Default`` dropped,
    ``Resource`` dropped from the readable part, repeated suffixes folded, non-alphanumerics removed, plus the
    first 8 hex digits (upper case) of the MD5 of the ``/``-joined path.

    Parameters
    ----------
    components : list of str
        Construct ids from below the stack down to the element.

    Returns
    -------
    str
    """
    parts = [c for c in components if c != "Default"]
    if not parts:
        raise ValueError("unable to compute a logical id for an empty path")
    if len(parts) == 1:
        return re.sub(r"[^A-Za-z0-9]", "", parts[0])
    digest = hashlib.md5("/".join(parts).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    folded: list[str] = []
    for part in parts:
        if not folded or not folded[-1].endswith(part):
            folded.append(part)
    human = "".join(re.sub(r"[^A-Za-z0-9]", "", p) for p in folded if p != "Resource")[:240]
    return human + digest


def pinned_logical_id(root: str, element: CfnElement, construct: Construct) -> str:
    """Return the pinned logical id of ``element``, a CloudFormation element inside ``construct``.

    Parameters
    ----------
    root : str
        Stable root (``LOGICAL_ID_ROOT``) standing in for the construct's position in the tree.
    element : CfnElement
        The element to pin (its path below ``construct`` decides the id).
    construct : Construct
        The provisioner.

    Returns
    -------
    str
        The id CDK would allocate if ``construct`` sat directly below its stack with id ``root``: it depends on
        the element's path *inside* the construct only.
    """
    base = construct.node.path.split("/")
    path = element.node.path.split("/")
    return make_unique_id([root, *path[len(base) :]])


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
        Pause between two isComplete attempts; default 30 seconds.
    total_timeout : Duration, optional
        The Provider's ``total_timeout``, an integer multiple of ``query_interval``; the waiter makes
        ``total_timeout / query_interval`` retries. Default 510 s (17 retries, 18 isComplete attempts).
    on_event_timeout : Duration, optional
        Default 14 minutes (the handler stops starting work before its budget ends).
    is_complete_timeout : Duration, optional
        Default 2 minutes (the handler works within its own remaining time).
    memory_size : int, optional
        Default 256 MB.
    log_retention : logs.RetentionDays, optional
        Retention of the provisioner's log group (default three months).
    reconcile_logical_id, prune_logical_id : str, optional
        Pinned CloudFormation logical ids of the two custom resources.
    logical_id_root : str, optional
        Root of the pinned logical ids of every other resource of the construct (default ``"Provisioner"``);
        give each provisioner of one stack its own root.
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
        logical_id_root: str = LOGICAL_ID_ROOT,
        function_name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        runtime = runtime or lambda_.Runtime.PYTHON_3_14
        query_interval = query_interval or DEFAULT_QUERY_INTERVAL
        total_timeout = total_timeout or DEFAULT_TOTAL_TIMEOUT
        on_event_timeout = on_event_timeout or DEFAULT_ON_EVENT_TIMEOUT
        is_complete_timeout = is_complete_timeout or DEFAULT_IS_COMPLETE_TIMEOUT
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
        self._pin_logical_ids(logical_id_root, {reconcile_logical_id, prune_logical_id})
        for name in ("onEvent", "isComplete", "onTimeout"):
            # The framework writes the construct path into the description; keep it path-free so a move
            # changes nothing in the template but metadata.
            fn = self.provider.node.find_child(f"framework-{name}").node.default_child
            fn.add_property_override(  # type: ignore[union-attr]
                "Description", f"AWS CDK resource provider framework - {name} (ses-tenants provisioner)"
            )
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

    def _pin_logical_ids(self, root: str, keep: set[str]) -> None:
        """Pin the logical id of every CloudFormation element of this construct (see ``pinned_logical_id``)."""
        stack = Stack.of(self)
        for c in self.node.find_all():
            if isinstance(c, CfnElement) and stack.resolve(c.logical_id) not in keep:
                c.override_logical_id(pinned_logical_id(root, c, self))

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
