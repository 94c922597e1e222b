"""Build the ses-tenants stack set in a CDK app (or stage), and apply cdk-nag.

``app.py`` at the repository root is the CLI entry point; tests call ``build_app`` in-process.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, Stage, Validations
from aws_cdk import Environment as CdkEnvironment
from cdk_nag import AwsSolutionsChecks
from ses_tenants_constructs.tenant_health import HealthThresholds
from ses_tenants_engine.model import Spec

from constructs import Construct
from stacks.access import AccessStack
from stacks.config import AppConfig, ConfigError, config_from_context, principals
from stacks.monitoring import MonitoringStack
from stacks.tenants import REPO_ROOT, TenantsStack
from tenantctl.environments import CONTEXT_KEY as ENVIRONMENTS_KEY
from tenantctl.environments import CONTEXT_SETTINGS, Environment, parse_environments

#: Context keys read by ``config_from_context`` (documented in ``stacks.config``); all but the first two may be
#: set per environment (``settings`` of an entry of the ``environments`` list).
CONTEXT_KEYS = ("tenants", "stack_prefix", *CONTEXT_SETTINGS)


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


def load_environments(scope: Construct, base_dir: Path | None = None) -> tuple[Environment, ...]:
    """Read and validate the ``environments`` context value (empty: the single default environment).

    Parameters
    ----------
    scope : Construct
        The app (its context holds the list, from ``cdk.json`` or ``-c environments='[...]'``).
    base_dir : Path, optional
        Directory relative spec paths are resolved against (default: the working directory, where ``cdk``
        runs the app next to ``cdk.json``).

    Raises
    ------
    stacks.config.ConfigError
        On an invalid list (see ``tenantctl.environments.parse_environments``).
    """
    return parse_environments(scope.node.try_get_context(ENVIRONMENTS_KEY), base_dir or Path.cwd())


def environment_config(scope: Construct, env: Environment) -> AppConfig:
    """Return one environment's configuration: the app's context keys, overridden by the environment's settings.

    The tenant event log group is ``<log_group_name>/<environment>`` unless the environment's settings name
    one, so two environments never share a log group.

    Raises
    ------
    stacks.config.ConfigError
        On an invalid value; the message names the environment.
    """
    context = {k: scope.node.try_get_context(k) for k in CONTEXT_KEYS}
    overrides = env.context_overrides()
    if "log_group_name" not in overrides:
        base = str(context.get("log_group_name") or AppConfig().log_group_name).rstrip("/")
        context["log_group_name"] = f"{base}/{env.name}"
    context.update(overrides)
    try:
        return config_from_context(context)
    except ConfigError as exc:
        message = str(exc)
        for key in overrides:  # the value came from the environment's settings, not the app's context
            message = message.replace(f"context '{key}'", f"settings.{key}")
        raise ConfigError(f"environment {env.name!r}: {message}") from None


def build_environments(
    app: App, environments: Sequence[tuple[Environment, Spec]], *, nag: bool = True
) -> dict[str, DeploymentStacks]:
    """Build one CDK Stage per environment (stage id = environment name) with the full stack set inside.

    ``cdk deploy '<name>/*'`` then deploys exactly one environment. Stack names are ``<name>-<stack id>``,
    and every physical name (log group, dashboard, alarms, functions; roles are named by CloudFormation after
    the stack) derives from them, so environments in one account never collide.

    Parameters
    ----------
    app : App
        The CDK app; its context supplies the shared configuration.
    environments : sequence of (Environment, Spec)
        Each environment with its spec as it deploys it (``tenantctl.environments.environment_spec``).
    nag : bool, optional
        Apply cdk-nag to the app (default True).

    Returns
    -------
    dict
        Environment name -> its stacks.

    Raises
    ------
    stacks.config.ConfigError
        On an invalid setting; the message names the environment.
    """
    built: dict[str, DeploymentStacks] = {}
    for env, spec in environments:
        config = environment_config(app, env)
        stage = Stage(app, env.name, env=CdkEnvironment(account=env.account, region=env.region))
        try:
            built[env.name] = build_stacks(stage, spec, config)
        except ConfigError as exc:
            raise ConfigError(f"environment {env.name!r} ({env.spec}): {exc}") from None
    if nag:
        apply_nag(app)
    return built


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
