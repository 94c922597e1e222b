"""Pre-flight: every resource the plan associates must exist before the first write.

Each unique resource is checked once (``GetEmailIdentity`` / ``GetConfigurationSet`` / ``GetEmailTemplate``).
Resources already associated are not re-checked (they exist). ARNs in another account or region cannot be
checked with this client and are left to the association call itself.
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

_LABELS = {
    "EMAIL_IDENTITY": "email identity",
    "CONFIGURATION_SET": "configuration set",
    "EMAIL_TEMPLATE": "email template",
}


def _parse(arn: str) -> tuple[str, str, str, str] | None:
    """ARN -> (region, account, type, name), or None if it is not an SES identity/config set/template ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "ses" or "/" not in parts[5]:
        return None
    segment, name = parts[5].split("/", 1)
    rtype = ARN_SEGMENT_TO_TYPE.get(segment)
    if rtype is None:
        return None
    return parts[3], parts[4], rtype, name


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
        Only resources in this account and region are checked.
    concurrency : int
        Parallel checks.

    Returns
    -------
    list of PlanProblem
        One problem per missing resource, naming it and the tenants that reference it.
    """
    users: dict[str, list[str]] = defaultdict(list)
    for change in plan.changes:
        for op in change.ops:
            if op.kind == ASSOCIATE:
                users[op.params["resource_arn"]].append(change.tenant)
    checks: dict[str, tuple[str, str]] = {}
    for arn in users:
        parsed = _parse(arn)
        if parsed is None:
            continue
        region, account, rtype, name = parsed
        if region == ctx.region and account == ctx.account:
            checks[arn] = (rtype, name)
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
        who = ", ".join(tenants[:3]) + (f" and {len(tenants) - 3} more" if len(tenants) > 3 else "")
        problems.append(
            PlanProblem(
                tenants[0] if len(tenants) == 1 else None,
                PROBLEM_MISSING_RESOURCE,
                f"{_LABELS[rtype]} {name!r} (referenced by tenant {who}) does not exist in account {ctx.account} "
                f"region {ctx.region}; create it first or fix the reference in tenants.yaml. Nothing was changed",
            )
        )
    return problems
