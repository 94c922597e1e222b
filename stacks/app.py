"""Build the ses-tenants stack set in a CDK app (or stage), and apply cdk-nag.

``app.py`` at the repository root is the CLI entry point; tests call ``build_app`` in-process.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from ses_tenants_constructs.tenant_health import HealthThresholds
from ses_tenants_engine.model import Spec

from constructs import Construct
from stacks.access import AccessStack
from stacks.config import AppConfig, config_from_context, principals
from stacks.monitoring import MonitoringStack
from stacks.tenants import REPO_ROOT, TenantsStack

#: Context keys read by ``config_from_context`` (documented in ``stacks.config``).
CONTEXT_KEYS = (
    "tenants",
    "stack_prefix",
    "log_group_name",
    "log_retention_days",
    "log_kms_key",
    "alarm_emails",
    "admin_principals",
    "sender_principals",
    "readonly_principals",
    "provisioner_log_retention_days",
    "health_dashboard",
    "health_warning_margin",
    "health_min_sends",
)


@dataclass(frozen=True)
class DeploymentStacks:
    """The three stacks of one deployment."""

    monitoring: MonitoringStack
    access: AccessStack
    tenants: TenantsStack

    def all(self) -> tuple[Stack, ...]:
        return (self.monitoring, self.access, self.tenants)


def load_config(scope: Construct) -> AppConfig:
    """Read and validate the configuration from the scope's CDK context.

    Raises
    ------
    stacks.config.ConfigError
        On an invalid context value.
    """
    return config_from_context({k: scope.node.try_get_context(k) for k in CONTEXT_KEYS})


def build_stacks(scope: Construct, spec: Spec, config: AppConfig, **stack_props: Any) -> DeploymentStacks:
    """Create the monitoring, access and tenants stacks under ``scope`` (an App or a Stage).

    Parameters
    ----------
    scope : Construct
        Where the stacks go; stack ids are ``<stack_prefix>-Monitoring|Access|Tenants``.
    spec : Spec
        The validated, normalized spec.
    config : AppConfig
        Validated configuration.
    **stack_props
        Passed to every stack (e.g. ``env``).

    Returns
    -------
    DeploymentStacks
    """
    prefix = config.stack_prefix
    monitoring = MonitoringStack(
        scope,
        f"{prefix}-Monitoring",
        log_group_name=config.log_group_name,
        log_retention=config.log_retention,
        log_kms_key=config.log_kms_key,
        alarm_emails=config.alarm_emails,
        description="ses-tenants: SES tenant events to CloudWatch Logs, alarms",
        **stack_props,
    )
    access = AccessStack(
        scope,
        f"{prefix}-Access",
        spec=spec,
        admin_principals=principals(config.admin_principals),
        sender_principals=principals(config.sender_principals),
        readonly_principals=principals(config.readonly_principals),
        description="ses-tenants: admin, sender and read-only roles for SES tenants",
        **stack_props,
    )
    tenants = TenantsStack(
        scope,
        f"{prefix}-Tenants",
        spec=spec,
        run_after=(monitoring, access),
        log_retention=config.provisioner_log_retention,
        description="ses-tenants: SES tenants reconciled from tenants.yaml (custom resource)",
        **stack_props,
    )
    if config.health_dashboard:
        # By name: the monitoring stack must not reference the tenants stack (which depends on it).
        monitoring.add_tenant_health(
            tenants.provisioner_function_names,
            thresholds=HealthThresholds(warning_margin=config.health_warning_margin, min_sends=config.health_min_sends),
        )
    return DeploymentStacks(monitoring=monitoring, access=access, tenants=tenants)


def apply_nag(app: App) -> AwsSolutionsChecks:
    """Register cdk-nag's AwsSolutions pack; synthesis fails on any unacknowledged finding.

    Returns
    -------
    cdk_nag.AwsSolutionsChecks
        The registered pack.
    """
    pack = AwsSolutionsChecks(app)
    Validations.of(app).add_plugins(pack)
    return pack


def build_app(app: App, spec: Spec, config: AppConfig | None = None, *, nag: bool = True) -> DeploymentStacks:
    """Build the whole app: configuration from context (unless given), stacks, cdk-nag.

    Parameters
    ----------
    app : App
        The CDK app (its context supplies the configuration unless ``config`` is given).
    spec : Spec
        The validated, normalized spec.
    config : AppConfig, optional
        Default: read from the app's context.
    nag : bool, optional
        Apply cdk-nag (default True).

    Returns
    -------
    DeploymentStacks
    """
    stacks = build_stacks(app, spec, config or load_config(app))
    if nag:
        apply_nag(app)
    return stacks


def synthesize(app: App) -> int:
    """Synthesize the app; on failure print one summary line to stderr and return 1 (no traceback).

    CDK prints the validation report (e.g. unacknowledged cdk-nag findings) to stderr itself before it
    raises; this adds the summary line and turns the exception into an exit status.

    Returns
    -------
    int
        0 on success, 1 on failure.
    """
    try:
        app.synth()
    except Exception as exc:  # jsii surfaces CDK errors (ValidationFailed, ...) as RuntimeError
        print(f"synth failed: {str(exc).strip()}", file=sys.stderr)
        return 1
    return 0


def cdk_json_context(path: Path | None = None) -> dict[str, Any]:
    """Return the ``context`` block of ``cdk.json`` (feature flags and defaults), for building the app in-process.

    Parameters
    ----------
    path : Path, optional
        Default: the repository's ``cdk.json``.
    """
    data = json.loads((path or REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
    return dict(data.get("context", {}))
