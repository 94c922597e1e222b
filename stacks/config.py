"""Deployment configuration from CDK context (``cdk.json`` defaults, ``-c key=value`` overrides).

Pure: ``config_from_context`` turns a mapping of context values into an ``AppConfig`` or raises
``ConfigError`` with a message that names the context key and how to fix it.

Context keys
------------
tenants                         spec file (default ``tenants.yaml``)
stack_prefix                    prefix of the stack ids/names (default ``SesTenants``)
log_group_name                  tenant event log group (default ``/aws/ses/tenants``)
log_retention_days              its retention in days (default 365; a CloudWatch Logs retention value)
log_kms_key                     ``create`` (a new customer-managed key), a KMS key ARN, or null (default)
alarm_emails                    e-mail addresses subscribed to an encrypted SNS alarm topic (default none)
admin_principals                who may assume the admin role: account ids or IAM ARNs
sender_principals               ... the shared sender role (and per-tenant sender roles)
readonly_principals             ... the read-only role
provisioner_log_retention_days  retention of the provisioner Lambda logs (default 90)
health_dashboard                tenant-health dashboard and early-warning alarms in the monitoring stack
                                (default true; see docs/monitoring-health.md)
health_warning_margin           warnings fire at this fraction of each policy's pause threshold (default 0.8)
health_min_sends                minimum sends per tenant and hour before a rate warning can fire (default 500)
environments                    several environments (one CDK Stage each): parsed without CDK by
                                ``tenantctl.environments.parse_environments`` (docs/environments.md); each
                                environment's ``settings`` override the keys above for that environment

Principals default to the deploying account's root (``AccountRootPrincipal``) and are never a wildcard.
List values may be JSON lists (cdk.json) or comma-separated strings (``-c admin_principals=111122223333``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

# One error type for the whole configuration (context keys and the pure `environments` parsing).
from tenantctl.environments import ConfigError

#: CloudWatch Logs retention values (days) -> CDK enum.
RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}

_ACCOUNT_RE = re.compile(r"^\d{12}$")
_IAM_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(root|role/.+|user/.+)$")
_KMS_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_STACK_PREFIX_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,40}$")
_LOG_GROUP_RE = re.compile(r"^[\w./#-]{1,512}$")


__all__ = ["AppConfig", "ConfigError", "check_principal_values", "config_from_context", "principals"]


@dataclass(frozen=True)
class AppConfig:
    """Validated deployment configuration."""

    spec_path: str = "tenants.yaml"
    stack_prefix: str = "SesTenants"
    log_group_name: str = "/aws/ses/tenants"
    log_retention_days: int = 365
    log_kms_key: str | None = None
    alarm_emails: tuple[str, ...] = ()
    admin_principals: tuple[str, ...] = ()
    sender_principals: tuple[str, ...] = ()
    readonly_principals: tuple[str, ...] = ()
    provisioner_log_retention_days: int = 90
    health_dashboard: bool = True
    health_warning_margin: float = 0.8
    health_min_sends: int = 500

    @property
    def log_retention(self) -> logs.RetentionDays:
        return RETENTION_DAYS[self.log_retention_days]

    @property
    def provisioner_log_retention(self) -> logs.RetentionDays:
        return RETENTION_DAYS[self.provisioner_log_retention_days]


def _as_list(key: str, value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ConfigError(f"context '{key}': not a JSON list ({exc})") from exc
        else:
            return tuple(v.strip() for v in text.split(",") if v.strip())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"context '{key}': expected a list of strings, got {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def _as_retention(key: str, value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"context '{key}': {value!r} is not a number of days") from None
    if days not in RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in RETENTION_DAYS)
        raise ConfigError(f"context '{key}': {days} is not a CloudWatch Logs retention; use one of {allowed}")
    return days


def _as_bool(key: str, value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"context '{key}': {value!r} is not true or false")


def _number(value: Any) -> float | None:
    """Return ``value`` as a float (``-c`` values arrive as strings), or None when it is not a number."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _as_float(key: str, value: Any, default: float, *, hint: str) -> float:
    """Return a number in (0, 1] (a fraction), or the default."""
    if value is None or value == "":
        return default
    number = _number(value)
    if number is None or not 0 < number <= 1:
        raise ConfigError(f"context '{key}': {value!r} is not a number above 0 and at most 1; {hint}")
    return number


def _as_count(key: str, value: Any, default: int, *, hint: str) -> int:
    """Return a whole number >= 1, or the default."""
    if value is None or value == "":
        return default
    number = _number(value)
    if number is None or number != int(number) or number < 1:
        raise ConfigError(f"context '{key}': {value!r} is not a whole number of at least 1; {hint}")
    return int(number)


def check_principal_values(key: str, values: tuple[str, ...]) -> tuple[str, ...]:
    for v in values:
        if "*" in v:
            raise ConfigError(f"context '{key}': wildcard principal {v!r} is not allowed; name accounts or IAM ARNs")
        if not (_ACCOUNT_RE.match(v) or _IAM_ARN_RE.match(v)):
            raise ConfigError(
                f"context '{key}': {v!r} is neither a 12-digit account id nor an IAM ARN "
                "(arn:aws:iam::<account>:root|role/<name>|user/<name>)"
            )
    return values


def config_from_context(context: Mapping[str, Any]) -> AppConfig:
    """Build and validate the configuration from CDK context values.

    Parameters
    ----------
    context : Mapping[str, Any]
        Context values by key (missing keys take the defaults).

    Returns
    -------
    AppConfig

    Raises
    ------
    ConfigError
        On the first invalid value.
    """
    d = AppConfig()
    spec_path = str(context.get("tenants") or d.spec_path)
    prefix = str(context.get("stack_prefix") or d.stack_prefix)
    if not _STACK_PREFIX_RE.match(prefix):
        raise ConfigError(
            f"context 'stack_prefix': {prefix!r} must be 1-41 letters, digits or '-', starting with a letter"
        )
    log_group_name = str(context.get("log_group_name") or d.log_group_name)
    if not _LOG_GROUP_RE.match(log_group_name) or log_group_name.startswith("aws/"):
        raise ConfigError(f"context 'log_group_name': {log_group_name!r} is not a valid log group name")
    kms = context.get("log_kms_key") or None
    if kms is not None:
        kms = str(kms)
        if kms != "create" and not _KMS_ARN_RE.match(kms):
            raise ConfigError(f"context 'log_kms_key': {kms!r} must be 'create', a KMS key ARN, or null")
    emails = _as_list("alarm_emails", context.get("alarm_emails"))
    for e in emails:
        if not _EMAIL_RE.match(e):
            raise ConfigError(f"context 'alarm_emails': {e!r} is not an e-mail address")
    return AppConfig(
        spec_path=spec_path,
        stack_prefix=prefix,
        log_group_name=log_group_name,
        log_retention_days=_as_retention("log_retention_days", context.get("log_retention_days"), d.log_retention_days),
        log_kms_key=kms,
        alarm_emails=emails,
        admin_principals=check_principal_values(
            "admin_principals", _as_list("admin_principals", context.get("admin_principals"))
        ),
        sender_principals=check_principal_values(
            "sender_principals", _as_list("sender_principals", context.get("sender_principals"))
        ),
        readonly_principals=check_principal_values(
            "readonly_principals", _as_list("readonly_principals", context.get("readonly_principals"))
        ),
        provisioner_log_retention_days=_as_retention(
            "provisioner_log_retention_days",
            context.get("provisioner_log_retention_days"),
            d.provisioner_log_retention_days,
        ),
        health_dashboard=_as_bool("health_dashboard", context.get("health_dashboard"), d.health_dashboard),
        health_warning_margin=_as_float(
            "health_warning_margin",
            context.get("health_warning_margin"),
            d.health_warning_margin,
            hint="it is the fraction of each policy's pause threshold at which warnings fire "
            "(0.8 warns at 12 % bounces for the standard policy's 15 %)",
        ),
        health_min_sends=_as_count(
            "health_min_sends",
            context.get("health_min_sends"),
            d.health_min_sends,
            hint="it is the minimum number of sends per tenant and hour before a rate warning can fire",
        ),
    )


def principals(values: tuple[str, ...]) -> list[iam.IPrincipal]:
    """IAM principals for configured values; the deploying account's root when none are configured.

    Parameters
    ----------
    values : tuple of str
        Validated account ids or IAM ARNs.

    Returns
    -------
    list of iam.IPrincipal
    """
    if not values:
        return [iam.AccountRootPrincipal()]
    return [iam.AccountPrincipal(v) if _ACCOUNT_RE.match(v) else iam.ArnPrincipal(v) for v in values]
