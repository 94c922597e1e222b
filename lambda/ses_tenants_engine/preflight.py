"""Pre-flight: every resource the plan associates must exist before the first write.

Each unique resource is checked once (``GetEmailIdentity`` / ``GetConfigurationSet`` / ``GetEmailTemplate``).
Resources already associated are not re-checked (they exist).

A resource ARN in another partition, account or region is refused here, before any write: the provisioner's
role may only associate this account's and region's identities, configuration sets and templates, so the
association call would fail with ``AccessDenied`` after other tenants had already been written (a half-applied
deploy). Cross-account associations are not supported by this deployment.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from .client import AwsContext
from .live import error_code
from .model import ARN_SEGMENT_TO_TYPE
from .plan_types import ASSOCIATE, Plan, PlanProblem

PROBLEM_MISSING_RESOURCE = "missing_resource"
PROBLEM_FOREIGN_RESOURCE = "foreign_resource"

_LABELS = {
    "EMAIL_IDENTITY": "email identity",
    "CONFIGURATION_SET": "configuration set",
    "EMAIL_TEMPLATE": "email template",
}


def _parse(arn: str) -> tuple[str, str, str, str, str] | None:
    """ARN -> (partition, region, account, type, name), or None if not an SES identity/config set/template ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "ses" or "/" not in parts[5]:
        return None
    segment, name = parts[5].split("/", 1)
    rtype = ARN_SEGMENT_TO_TYPE.get(segment)
    if rtype is None or not name:
        return None
    return parts[1], parts[3], parts[4], rtype, name


def _who(tenants: list[str]) -> str:
    return ", ".join(tenants[:3]) + (f" and {len(tenants) - 3} more" if len(tenants) > 3 else "")


def foreign_problem(arn: str, tenants: list[str], ctx: AwsContext) -> PlanProblem:
    """Return the problem for a resource ARN outside ``ctx``'s partition/account/region (or not an SES ARN)."""
    parsed = _parse(arn)
    who = f"tenant {_who(tenants)}"
    if parsed is None:
        text = (
            f"{who}: resource {arn!r} is not an SES email identity, configuration set or template ARN "
            f"(arn:{ctx.partition}:ses:{ctx.region}:{ctx.account}:identity|configuration-set|template/NAME)"
        )
    else:
        partition, region, account, rtype, name = parsed
        where = [
            f"{label} {got}"
            for label, got, want in (
                ("partition", partition, ctx.partition),
                ("account", account, ctx.account),
                ("region", region, ctx.region),
            )
            if got != want
        ]
        text = (
            f"{who}: {_LABELS[rtype]} {name!r} ({arn}) is in {', '.join(where)}, not in this deployment's "
            f"account {ctx.account} region {ctx.region}{'' if partition == ctx.partition else f' ({ctx.partition})'}. "
            "Cross-account and cross-region associations are not supported (the provisioner's role may only "
            "associate this account's and region's resources): use a resource in this account and region, or "
            "deploy these tenants where the resource is"
        )
    tenant = tenants[0] if len(tenants) == 1 else None
    return PlanProblem(tenant, PROBLEM_FOREIGN_RESOURCE, f"{text}. Nothing was changed")


def _exists(ses: Any, rtype: str, name: str) -> bool:
    try:
        if rtype == "EMAIL_IDENTITY":
            ses.get_email_identity(EmailIdentity=name)
        elif rtype == "CONFIGURATION_SET":
            ses.get_configuration_set(ConfigurationSetName=name)
        else:
            ses.get_email_template(TemplateName=name)
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return False
        raise
    return True


def check_resources(ses: Any, plan: Plan, ctx: AwsContext, *, concurrency: int = 16) -> list[PlanProblem]:
    """Check that every resource the plan associates exists.

    Parameters
    ----------
    ses
        SES v2 client.
    plan : Plan
        The plan about to be applied.
    ctx : AwsContext
        The deployment's partition, account and region: a resource ARN elsewhere is a problem (not called).
    concurrency : int
        Parallel checks.

    Returns
    -------
    list of PlanProblem
        One problem per resource in another partition/account/region (checked first, without a call), then
        one per missing resource, each naming the resource and the tenants that reference it.
    """
    users: dict[str, list[str]] = defaultdict(list)
    for change in plan.changes:
        for op in change.ops:
            if op.kind == ASSOCIATE:
                users[op.params["resource_arn"]].append(change.tenant)
    checks: dict[str, tuple[str, str]] = {}
    foreign: list[PlanProblem] = []
    for arn in sorted(users):
        parsed = _parse(arn)
        if parsed is not None and parsed[:3] == (ctx.partition, ctx.region, ctx.account):
            checks[arn] = parsed[3:]
        else:
            foreign.append(foreign_problem(arn, users[arn], ctx))
    if foreign:
        return foreign  # nothing is called: the deploy stops before any write
    if not checks:
        return []

    def one(arn: str) -> tuple[str, bool]:
        rtype, name = checks[arn]
        return arn, _exists(ses, rtype, name)

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(checks)))) as pool:
        found = dict(pool.map(one, sorted(checks)))
    problems = []
    for arn, ok in sorted(found.items()):
        if ok:
            continue
        rtype, name = checks[arn]
        tenants = users[arn]
        who = _who(tenants)
        problems.append(
            PlanProblem(
                tenants[0] if len(tenants) == 1 else None,
                PROBLEM_MISSING_RESOURCE,
                f"{_LABELS[rtype]} {name!r} (referenced by tenant {who}) does not exist in account {ctx.account} "
                f"region {ctx.region}; create it first or fix the reference in tenants.yaml. Nothing was changed",
            )
        )
    return problems
