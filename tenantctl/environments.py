"""Several environments from one repository: the ``environments`` list of the CDK app's context.

Pure and importable without aws_cdk: the CDK app (``stacks.app`` / ``stacks.config``) and ``tenantctl --env``
read the same configuration through this module, so a deploy and a plan can never disagree about where an
environment is, which spec it deploys, or which tenants it owns.

The list lives in ``cdk.json`` under ``context.environments`` (or ``-c environments='[...]'`` as JSON)::

    "environments": [
      {"name": "dev",  "account": "111111111111", "region": "eu-west-1", "spec": "tenants/dev.yaml"},
      {"name": "prod", "account": "222222222222", "region": "us-east-1", "spec": "tenants.yaml",
       "settings": {"max_deletions": 2, "alarm_emails": ["oncall@example.com"]}}
    ]

Keys of an environment: ``name`` (stage id: lowercase letters, digits and ``-``, at most 24 characters, starting
with a letter), ``account`` (12 digits), ``region`` (a region botocore's partition data knows, checked offline),
``spec`` (a spec file or directory, relative to the directory of ``cdk.json``), ``settings`` (optional).

Settings (all optional): ``max_deletions`` (the deletion guard, overriding the spec's ``settings.max_deletions``),
``deployment`` (the ownership tag value, see below), and per-environment values of the app's context keys
(:data:`CONTEXT_SETTINGS`: trusted principals of the roles, log group, alarm e-mails, tenant health, ...),
which the CDK app validates like the context keys themselves.

Ownership: the value of the ``ses-tenants:deployment`` tag of an environment's tenants is
``<spec deployment>-<environment name>`` (``acme-mail-prod``), so two environments never claim each other's
tenants. ``settings.deployment`` sets it explicitly: use it to keep the tenants of an existing single-environment
deployment (tagged ``acme-mail``) owned when that deployment becomes an environment.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ses_tenants_engine.model import Spec

CONTEXT_KEY = "environments"
CONFIG_FILE = "cdk.json"

#: Keys of one environment.
ENVIRONMENT_KEYS = ("name", "account", "region", "spec", "settings")

#: Settings that override the app's context keys for one environment (validated by ``stacks.config``).
CONTEXT_SETTINGS = (
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

#: Settings this module applies to the spec itself.
SPEC_SETTINGS = ("max_deletions", "deployment")

SETTINGS_KEYS = (*SPEC_SETTINGS, *CONTEXT_SETTINGS)

NAME_PATTERN = r"^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$"
_NAME_RE = re.compile(NAME_PATTERN)
_ACCOUNT_RE = re.compile(r"^\d{12}$")
# Same rule as tenants.yaml's `deployment:` (tenantctl.spec.DEPLOYMENT_PATTERN).
_DEPLOYMENT_RE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


class ConfigError(ValueError):
    """A configuration value the app cannot use (one line: what is wrong and how to fix it).

    ``stacks.config.ConfigError`` is this class: the CDK app and ``tenantctl`` raise the same error.
    """


@dataclass(frozen=True)
class Environment:
    """One validated environment.

    Attributes
    ----------
    name : str
        Stage id and suffix of physical names.
    account, region : str
        Where it deploys.
    spec : str
        The spec file or directory as written in the configuration.
    spec_path : Path
        ``spec`` resolved against the configuration's directory.
    settings : dict
        The validated ``settings`` object (keys of :data:`SETTINGS_KEYS`).
    """

    name: str
    account: str
    region: str
    spec: str
    spec_path: Path
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def max_deletions(self) -> int | None:
        """The deletion guard override, or None (the spec's own)."""
        value = self.settings.get("max_deletions")
        return None if value is None else int(value)

    def deployment(self, spec_deployment: str) -> str:
        """Return the ownership tag value of this environment for a spec whose ``deployment:`` is given."""
        explicit = self.settings.get("deployment")
        return str(explicit) if explicit else f"{spec_deployment}-{self.name}"

    def context_overrides(self) -> dict[str, Any]:
        """Return the settings that override the app's context keys."""
        return {k: v for k, v in self.settings.items() if k in CONTEXT_SETTINGS}

    @property
    def display_path(self) -> str:
        """The spec path relative to the working directory when it is below it (for messages and plans)."""
        try:
            return self.spec_path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(self.spec_path)

    @property
    def stage_glob(self) -> str:
        """The CDK CLI pattern that selects exactly this environment's stacks."""
        return f"{self.name}/*"


def _where(index: int, raw: Any) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    return f"environments[{index}]" + (f" ({name})" if isinstance(name, str) and name else "")


@lru_cache(maxsize=1)
def known_regions() -> dict[str, str]:
    """Return every region botocore's bundled endpoint data knows, mapped to its partition (offline).

    Returns
    -------
    dict
        ``{"eu-west-1": "aws", "cn-north-1": "aws-cn", ...}``.
    """
    import botocore.loaders

    data = botocore.loaders.Loader().load_data("endpoints")
    return {region: p["partition"] for p in data["partitions"] for region in p.get("regions", {})}


def check_region(region: str, where: str) -> str:
    """Return ``region`` if botocore knows it; otherwise raise with the closest known names."""
    regions = known_regions()
    if region in regions:
        return region
    close = difflib.get_close_matches(region, list(regions), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else " (e.g. us-east-1, eu-west-1)"
    raise ConfigError(f"{where}: region {region!r} is not an AWS region{hint}")


def _check_settings(settings: Any, where: str) -> dict[str, Any]:
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{where}: settings must be an object, got {type(settings).__name__}")
    unknown = sorted(set(settings) - set(SETTINGS_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r}; settings may be: {', '.join(SETTINGS_KEYS)}")
    out = dict(settings)
    if "max_deletions" in out and out["max_deletions"] is not None:
        value = out["max_deletions"]
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
            raise ConfigError(
                f"{where}: settings.max_deletions must be a whole number >= 0 (the deletion guard), got {value!r}"
            )
        out["max_deletions"] = int(value)
    if out.get("deployment") is not None:
        value = out["deployment"]
        if not isinstance(value, str) or not _DEPLOYMENT_RE.match(value):
            raise ConfigError(
                f"{where}: settings.deployment {value!r} must be 1-63 letters, digits and '-', starting with a "
                "letter and not ending with '-' (the value of the ownership tag)"
            )
    return out


def _one(index: int, raw: Any, base_dir: Path) -> Environment:
    where = _where(index, raw)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected an object with name, account, region and spec")
    unknown = sorted(set(raw) - set(ENVIRONMENT_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; an environment has: {', '.join(ENVIRONMENT_KEYS)}")
    missing = [k for k in ("name", "account", "region", "spec") if raw.get(k) in (None, "")]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    name = raw["name"]
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(
            f"{where}: name {name!r} must be 1-24 lowercase letters, digits or '-', starting with a letter and "
            "not ending with '-' (it is the CDK stage id: `cdk deploy '<name>/*'`)"
        )
    account = str(raw["account"]).strip()
    if not _ACCOUNT_RE.match(account):
        raise ConfigError(
            f"{where}: account {raw['account']!r} is not a 12-digit AWS account id (write it as a string to "
            "keep leading zeros)"
        )
    region = raw["region"]
    if not isinstance(region, str):
        raise ConfigError(f"{where}: region must be a string like 'eu-west-1', got {region!r}")
    check_region(region, where)
    spec = raw["spec"]
    if not isinstance(spec, str):
        raise ConfigError(f"{where}: spec must be a path (a spec file or directory), got {spec!r}")
    spec_path = Path(spec) if os.path.isabs(spec) else base_dir / spec
    if not spec_path.exists():
        raise ConfigError(
            f"{where}: spec {spec!r}: no such file or directory (relative to {base_dir}); create it or fix the path"
        )
    settings = _check_settings(raw.get("settings"), where)
    return Environment(name=name, account=account, region=region, spec=spec, spec_path=spec_path, settings=settings)


def parse_environments(value: Any, base_dir: str | os.PathLike[str] = ".") -> tuple[Environment, ...]:
    """Parse and validate the ``environments`` context value.

    Parameters
    ----------
    value : list, str or None
        The context value: a list of objects (``cdk.json``) or its JSON text (``-c environments='[...]'``).
        None, ``""`` and ``[]`` mean "no environments": the app deploys one environment as before.
    base_dir : path-like
        Directory that relative ``spec`` paths are resolved against (the directory of ``cdk.json``).

    Returns
    -------
    tuple of Environment
        In configuration order.

    Raises
    ------
    ConfigError
        On the first problem, with a one-line message that names the environment and the fix.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ConfigError(f"environments: not valid JSON ({exc})") from None
    if not isinstance(value, list):
        raise ConfigError(f"environments: expected a list of environments, got {type(value).__name__}")
    base = Path(base_dir)
    envs = [_one(i, raw, base) for i, raw in enumerate(value)]
    seen: dict[str, int] = {}
    places: dict[tuple[str, str], Environment] = {}
    for env in envs:
        if env.name in seen:
            raise ConfigError(f"environments: duplicate name {env.name!r}; every environment needs its own name")
        seen[env.name] = 1
        other = places.get((env.account, env.region))
        if other is not None:
            raise ConfigError(
                f"environments {other.name!r} and {env.name!r} both deploy into account {env.account}, region "
                f"{env.region}: their tenants, event rules and log groups would be one and the same; give each "
                "environment its own account or region, or make them one environment"
            )
        places[(env.account, env.region)] = env
    return tuple(envs)


def select(environments: Sequence[Environment], name: str) -> Environment:
    """Return the environment called ``name``.

    Raises
    ------
    ConfigError
        If there is none; the message lists the known names (or says none are configured).
    """
    for env in environments:
        if env.name == name:
            return env
    if not environments:
        raise ConfigError(
            f"unknown environment {name!r}: no environments are configured (context '{CONTEXT_KEY}' in {CONFIG_FILE})"
        )
    known = ", ".join(e.name for e in environments)
    raise ConfigError(f"unknown environment {name!r}; known environments: {known}")


def environment_spec(spec: Spec, env: Environment) -> Spec:
    """Return ``spec`` as ``env`` deploys it: the environment's ownership tag value and deletion guard.

    Raises
    ------
    ConfigError
        If ``<deployment>-<name>`` is longer than a deployment name may be (63 characters).
    """
    deployment = env.deployment(spec.deployment)
    if not _DEPLOYMENT_RE.match(deployment):
        raise ConfigError(
            f"environment {env.name!r}: ownership tag value {deployment!r} (deployment '{spec.deployment}' + "
            f"'-{env.name}') is longer than 63 characters; shorten `deployment:` in {env.spec} or set "
            "settings.deployment"
        )
    settings = spec.settings
    if env.max_deletions is not None:
        settings = dataclasses.replace(settings, max_deletions=env.max_deletions)
    return dataclasses.replace(spec, deployment=deployment, settings=settings)


def check_deployments(pairs: Sequence[tuple[Environment, Spec]]) -> None:
    """Raise when two environments would own tenants under the same ownership tag value.

    Parameters
    ----------
    pairs : sequence of (Environment, Spec)
        Each environment with its spec as :func:`environment_spec` returned it.
    """
    owners: dict[str, str] = {}
    for env, spec in pairs:
        if spec.deployment in owners:
            raise ConfigError(
                f"environments {owners[spec.deployment]!r} and {env.name!r} both own tenants as deployment "
                f"{spec.deployment!r}; give them different settings.deployment values"
            )
        owners[spec.deployment] = env.name


def read_context(config_file: str | os.PathLike[str] = CONFIG_FILE) -> dict[str, Any]:
    """Return the ``context`` block of a ``cdk.json`` (empty when the file does not exist).

    Raises
    ------
    ConfigError
        If the file is not valid JSON.
    """
    path = Path(config_file)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON file ({exc})") from None
    context = data.get("context", {}) if isinstance(data, dict) else {}
    return dict(context) if isinstance(context, dict) else {}


def load_environments(config_file: str | os.PathLike[str] = CONFIG_FILE) -> tuple[Environment, ...]:
    """Read and validate the environments of a ``cdk.json`` (spec paths relative to its directory).

    Raises
    ------
    ConfigError
        On an invalid file or environment list.
    """
    value = read_context(config_file).get(CONTEXT_KEY)
    return parse_environments(value, Path(config_file).resolve().parent)


def load_environment_spec(env: Environment, *, strict: bool = False) -> tuple[Any, Spec]:
    """Load and validate an environment's spec with the same loader (and messages) as ``tenantctl validate``.

    Parameters
    ----------
    env : Environment
        The environment.
    strict : bool
        Treat warnings as errors.

    Returns
    -------
    (LoadResult, Spec)
        The loader's result (warnings, files, tenant locations) and the spec as the environment deploys it
        (:func:`environment_spec`).

    Raises
    ------
    tenantctl.diagnostics.SpecInvalid
        If the spec has errors (``FILE:LINE:COL: field: message`` diagnostics).
    ConfigError
        If the environment's ownership tag value is not valid.
    """
    from tenantctl.loader import load_spec

    result = load_spec(env.spec_path, strict=strict)
    return result, environment_spec(result.spec, env)
