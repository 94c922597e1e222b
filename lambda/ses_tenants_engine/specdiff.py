"""Spec-versus-spec planning: what deploying ``new`` over an account that holds ``old`` would do.

This is not a second planner. :func:`live_from_spec` turns a spec into the live state a successful deploy of
it leaves behind (every tenant owned by the spec's deployment, with its tags, policy, customer-managed
status, suppression and associations), and :func:`plan_specs` hands that to the one planner
(:func:`ses_tenants_engine.planner.plan`). So ``tenantctl plan --against origin/main`` shows exactly the
operations the Lambda would run after the previous version was deployed, with the same op kinds and order.

Pure standard library (no SES calls); bundled with the engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .client import AwsContext
from .live import LiveTenant
from .model import OWNERSHIP_TAG_KEY, Spec
from .plan_types import Plan
from .planner import plan

#: Context used when nothing in the specs names an account (bare names resolve against it on both sides).
PLACEHOLDER_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


def infer_context(specs: Iterable[Spec], *, region: str | None = None, account: str | None = None) -> AwsContext:
    """Choose a context for resolving bare resource names when no account is at hand (file-versus-file plans).

    The most frequent partition/region/account among the specs' resource ARNs wins, so a resource written
    by name in one spec and by its same-account ARN in the other is the same resource. Without ARNs the
    given region (or ``us-east-1``) and a placeholder account are used; both sides resolve alike, so
    the diff is unaffected.

    Parameters
    ----------
    specs : iterable of Spec
        The specs being compared.
    region, account : str, optional
        Override the inferred region / account.

    Returns
    -------
    AwsContext
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    for spec in specs:
        for t in spec.tenants:
            for r in t.resources:
                if r.is_arn:
                    parts = r.ref.split(":", 5)
                    if len(parts) == 6:
                        seen[(parts[1], parts[3], parts[4])] += 1
    if seen:
        (partition, arn_region, arn_account), _ = seen.most_common(1)[0]
    else:
        partition, arn_region, arn_account = "aws", region or DEFAULT_REGION, PLACEHOLDER_ACCOUNT
    return AwsContext(partition=partition, region=region or arn_region, account=account or arn_account)


def live_from_spec(spec: Spec, ctx: AwsContext, *, owner: str | None = None) -> dict[str, LiveTenant]:
    """Build the live state a completed deploy of ``spec`` leaves in the account.

    Parameters
    ----------
    spec : Spec
        The deployed spec.
    ctx : AwsContext
        Resolves bare resource names to ARNs.
    owner : str, optional
        Ownership tag value the tenants carry; default ``spec.deployment``.

    Returns
    -------
    dict
        Tenant name -> fully detailed :class:`LiveTenant`.
    """
    owner = owner or spec.deployment
    live: dict[str, LiveTenant] = {}
    for t in spec.tenants:
        arn = f"arn:{ctx.partition}:ses:{ctx.region}:{ctx.account}:tenant/{t.name}/tn-from-spec"
        live[t.name] = LiveTenant(
            name=t.name,
            arn=arn,
            tenant_id="tn-from-spec",
            tags={**{k: v for k, v in t.tags.items() if k != OWNERSHIP_TAG_KEY}, OWNERSHIP_TAG_KEY: owner},
            sending_status=t.sending,
            suppression=t.suppression,
            policy=t.reputation_policy,
            customer_status=t.sending,
            ses_status="ENABLED",
            aggregate_status=t.sending,
            resources={r.arn(ctx.partition, ctx.region, ctx.account): r.type for r in t.resources},
            detailed=True,
        )
    return live


def plan_specs(old: Spec | None, new: Spec, ctx: AwsContext | None = None) -> Plan:
    """Plan the change from ``old`` (already deployed) to ``new`` without touching SES.

    Parameters
    ----------
    old : Spec or None
        The deployed spec; ``None`` for an account with no tenants of this deployment.
    new : Spec
        The desired spec.
    ctx : AwsContext, optional
        Resolves bare names; inferred from both specs by default (:func:`infer_context`).

    Returns
    -------
    Plan
        The same :class:`Plan` the engine would compute against the live state ``old`` leaves behind,
        including deletions and the deletion-guard problem.
    """
    ctx = ctx or infer_context([s for s in (old, new) if s is not None])
    live = live_from_spec(old, ctx) if old is not None else {}
    return plan(new, live, ctx, mode="all")
