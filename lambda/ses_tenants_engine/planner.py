"""The planner: a pure function (desired spec, live state, context, mode) -> :class:`Plan`.

It emits only what differs. Within one tenant the ops come in a safe order:

* an adopted tenant gets this deployment's ownership tag first, before anything else changes, so an unowned
  tenant is never modified without being adopted (the one exception: a tenant already at SES's 50-tag limit
  has the tags the spec removes taken off first, to make room for the ownership tag);
* a tenant being paused (``sending: DISABLED``) is paused next, before anything else changes;
* tags: removals (``UntagResource``) before additions (``TagResource``), so the tag count never exceeds SES's
  limit of 50 on the way (a tenant at the limit can rename a key); then suppression, reputation policy;
* new associations before removed ones (a resource moving between tenants is never orphaned);
* any other status change (enable / reinstate) last, once the tenant is fully configured.

Reserved ``aws:`` tag keys (e.g. ``aws:cloudformation:stack-name`` on a tenant created by ``AWS::SES::Tenant``)
cannot be removed and do not count against the limit: they are never diffed, removed or counted.

A new tenant is one ``CreateTenant`` (ownership tag, user tags and suppression in the same call), then the
policy if not ``standard``, its associations, and its status if not ``ENABLED``.

Deletions (owned tenants missing from the spec) are one ``DeleteTenant`` each and only appear in ``prune``
and ``all`` modes; the deletion guard applies in every mode so the main reconcile already fails before any
write when the prune step would exceed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .client import AwsContext
from .live import LiveTenant
from .model import OWNERSHIP_TAG_KEY, Spec, TenantSpec, policy_arn
from .plan_types import (
    ACTION_ADOPT,
    ACTION_CREATE,
    ACTION_DELETE,
    ACTION_UPDATE,
    ADOPT_TENANT,
    ASSOCIATE,
    CREATE_TENANT,
    DELETE_TENANT,
    DISASSOCIATE,
    PUT_SUPPRESSION,
    SET_POLICY,
    SET_STATUS,
    TAG,
    UNTAG,
    Op,
    Plan,
    PlanProblem,
    TenantChange,
)

MODES = ("all", "reconcile", "prune")
MAX_TAGS = 50  # SES: tags per tenant (reserved aws: keys do not count)
RESERVED_TAG_PREFIX = "aws:"
DEFAULT_POLICY = "standard"
DEFAULT_STATUS = "ENABLED"

PROBLEM_UNOWNED = "unowned"
PROBLEM_DELETION_GUARD = "deletion_guard"


def changed_tenants(old: Spec | None, new: Spec) -> set[str]:
    """Names whose desired state differs between two specs (added, removed, or fingerprint changed).

    With no old spec every tenant of ``new`` counts as changed.
    """
    new_fp = {t.name: t.fingerprint() for t in new.tenants}
    if old is None:
        return set(new_fp)
    old_fp = {t.name: t.fingerprint() for t in old.tenants}
    names = set(new_fp) | set(old_fp)
    return {n for n in names if new_fp.get(n) != old_fp.get(n)}


def is_reserved_tag(key: str) -> bool:
    """Whether ``key`` is a reserved ``aws:`` tag key (set by AWS, e.g. CloudFormation; never removable)."""
    return key[: len(RESERVED_TAG_PREFIX)].lower() == RESERVED_TAG_PREFIX


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Return the tags a spec manages: without the ownership tag and without reserved ``aws:`` keys."""
    return {k: v for k, v in tags.items() if k != OWNERSHIP_TAG_KEY and not is_reserved_tag(k)}


def _suppression_json(t: TenantSpec) -> dict[str, Any] | None:
    if t.suppression is None:
        return None
    return {"scope": t.suppression.scope, "reasons": sorted(t.suppression.reasons)}


def _live_suppression_json(live: LiveTenant) -> dict[str, Any] | None:
    if live.suppression is None:
        return None
    return {"scope": live.suppression.scope, "reasons": sorted(live.suppression.reasons)}


def _desired_resources(t: TenantSpec, ctx: AwsContext) -> dict[str, tuple[str, str]]:
    """Map resource ARN -> (type, ref as written)."""
    return {r.arn(ctx.partition, ctx.region, ctx.account): (r.type, r.ref) for r in t.resources}


def _create_ops(t: TenantSpec, ctx: AwsContext, deployment: str) -> list[Op]:
    tags = {**user_tags(t.tags), OWNERSHIP_TAG_KEY: deployment}
    ops = [
        Op(
            CREATE_TENANT,
            t.name,
            {"tags": dict(sorted(tags.items())), "suppression": _suppression_json(t)},
            old=None,
            new=t.name,
        )
    ]
    if t.reputation_policy != DEFAULT_POLICY:
        ops.append(
            Op(
                SET_POLICY,
                t.name,
                {
                    "policy": t.reputation_policy,
                    "policy_arn": policy_arn(ctx.partition, ctx.region, t.reputation_policy),
                },
                old=DEFAULT_POLICY,
                new=t.reputation_policy,
            )
        )
    for arn, (rtype, ref) in _desired_resources(t, ctx).items():
        ops.append(Op(ASSOCIATE, t.name, {"resource_arn": arn, "resource_type": rtype}, old=None, new=ref))
    if t.sending != DEFAULT_STATUS:
        ops.append(Op(SET_STATUS, t.name, {"status": t.sending}, old=DEFAULT_STATUS, new=t.sending))
    return ops


def _tag_ops(
    t: TenantSpec, live: LiveTenant, deployment: str, adopt: bool, base: dict[str, Any], pause: Op | None
) -> list[Op]:
    """Ownership, pause and tag ops, in a safe order that keeps the tag count within :data:`MAX_TAGS`.

    Adoption: the ownership tag first (with the changed user tags that fit), then the pause (if the spec pauses
    the tenant), removals, the remaining additions. Owned tenant: the pause, removals, then additions.
    """
    want, have = user_tags(t.tags), user_tags(live.tags)
    changed = {k: v for k, v in sorted(want.items()) if have.get(k) != v}
    removed = sorted(k for k in have if k not in want)
    untag = (
        Op(UNTAG, t.name, {**base, "keys": removed}, old={k: have[k] for k in removed}, new=None) if removed else None
    )
    ops: list[Op] = []
    rest = changed
    if adopt:
        count = len(have) + (1 if OWNERSHIP_TAG_KEY in live.tags else 0)
        room = MAX_TAGS - count - (0 if OWNERSHIP_TAG_KEY in live.tags else 1)
        if room < 0 and untag is not None:
            # At the limit: no room even for the ownership tag; the removals the spec asks for make room.
            ops.append(untag)
            room, untag = room + len(removed), None
        new_keys = [k for k in changed if k not in have]
        fits = set(new_keys[: max(0, room)])
        first = {k: v for k, v in changed.items() if k in have or k in fits}
        rest = {k: v for k, v in changed.items() if k not in first}
        ops.append(
            Op(
                ADOPT_TENANT,
                t.name,
                {
                    **base,
                    "tags": {OWNERSHIP_TAG_KEY: deployment, **first},
                    # Values the changed user tags had before (None: the tenant did not have the tag).
                    "old_tags": {k: have.get(k) for k in first},
                },
                old=live.owner,
                new=deployment,
            )
        )
    if pause is not None:
        ops.append(pause)
    if untag is not None:
        ops.append(untag)
    if rest:
        ops.append(Op(TAG, t.name, {**base, "tags": rest}, old={k: have.get(k) for k in rest}, new=rest))
    return ops


def _update_ops(t: TenantSpec, live: LiveTenant, ctx: AwsContext, deployment: str, adopt: bool) -> list[Op]:
    if not live.detailed:
        raise ValueError(f"tenant {t.name!r}: live state was read without details; cannot diff it")
    base = {"tenant_arn": live.arn}
    live_status = live.customer_status or DEFAULT_STATUS
    status_op = None
    if live_status != t.sending:
        status_op = Op(SET_STATUS, t.name, {**base, "status": t.sending}, old=live_status, new=t.sending)
    pause = status_op if t.sending == "DISABLED" else None
    if pause is not None:
        status_op = None  # a pause comes early (placed by _tag_ops); enable / reinstate comes last
    ops = _tag_ops(t, live, deployment, adopt, base, pause)

    want_sup, have_sup = _suppression_json(t), _live_suppression_json(live)
    if want_sup != have_sup:
        ops.append(Op(PUT_SUPPRESSION, t.name, {**base, "suppression": want_sup}, old=have_sup, new=want_sup))

    if live.policy != t.reputation_policy:
        ops.append(
            Op(
                SET_POLICY,
                t.name,
                {
                    **base,
                    "policy": t.reputation_policy,
                    "policy_arn": policy_arn(ctx.partition, ctx.region, t.reputation_policy),
                },
                old=live.policy,
                new=t.reputation_policy,
            )
        )

    want_res = _desired_resources(t, ctx)
    for arn, (rtype, ref) in want_res.items():
        if arn not in live.resources:
            ops.append(Op(ASSOCIATE, t.name, {**base, "resource_arn": arn, "resource_type": rtype}, old=None, new=ref))
    for arn, rtype in sorted(live.resources.items()):
        if arn not in want_res:
            params = {**base, "resource_arn": arn, "resource_type": rtype}
            ops.append(Op(DISASSOCIATE, t.name, params, old=arn, new=None))

    if status_op is not None:
        ops.append(status_op)
    return ops


def unowned_message(name: str, owner: str | None, deployment: str) -> str:
    """Return the error for a same-named tenant this deployment does not manage."""
    held = f"is managed by deployment {owner!r}" if owner else "is not managed by any ses-tenants deployment"
    return (
        f"tenant {name!r} already exists and {held}, not by {deployment!r}; it is left untouched. "
        f"To take it over, set `adopt: true` on tenant {name!r} in tenants.yaml"
    )


def guard_message(count: int, limit: int, names: list[str]) -> str:
    """Return the deletion-guard error: the count, some names, and the setting to change."""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"the plan deletes {count} tenants ({shown}), more than settings.max_deletions = {limit}; "
        f"nothing was changed. If these deletions are intended, set `settings.max_deletions: {count}` "
        f"(or higher) in tenants.yaml"
    )


def plan(
    spec: Spec,
    live: Mapping[str, LiveTenant | None],
    ctx: AwsContext,
    *,
    mode: str = "all",
    scope: Iterable[str] | None = None,
    deployment: str | None = None,
) -> Plan:
    """Compute the ordered changes that take ``live`` to ``spec``.

    Parameters
    ----------
    spec : Spec
        Desired state.
    live : mapping
        Live state by tenant name (``None`` = the tenant does not exist). Desired tenants in scope that are
        missing from the mapping are treated as absent. Names not in the spec are deletion candidates when
        they carry this deployment's ownership tag.
    ctx : AwsContext
        Partition, region, account (resolves bare resource names and policy ARNs).
    mode : {'all', 'reconcile', 'prune'}
        ``reconcile``: creates/updates/adoptions only; ``prune``: deletions only; ``all``: both.
    scope : iterable of str, optional
        Desired tenant names to diff (incremental plans); default all tenants of the spec.
    deployment : str, optional
        Ownership tag value; default ``spec.deployment``.

    Returns
    -------
    Plan
        Changes in spec order then deletions by name; ``problems`` holds blocking problems (unowned tenants
        without ``adopt``, deletion guard); ``blocked`` counts the refused tenants (not in ``unchanged``).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    deployment = deployment or spec.deployment
    desired = spec.by_name()
    in_scope = set(desired) if scope is None else set(scope) & set(desired)
    result = Plan()
    changed = 0

    if mode != "prune":
        for t in spec.tenants:
            if t.name not in in_scope:
                continue
            current = live.get(t.name)
            if current is None:
                result.changes.append(TenantChange(t.name, ACTION_CREATE, _create_ops(t, ctx, deployment)))
                changed += 1
                continue
            owned = current.owner == deployment
            if not owned and not t.adopt:
                result.problems.append(
                    PlanProblem(t.name, PROBLEM_UNOWNED, unowned_message(t.name, current.owner, deployment))
                )
                result.blocked += 1
                continue
            ops = _update_ops(t, current, ctx, deployment, adopt=not owned)
            if ops:
                result.changes.append(TenantChange(t.name, ACTION_UPDATE if owned else ACTION_ADOPT, ops))
                changed += 1
        result.unchanged = len(desired) - changed - result.blocked

    doomed = sorted(
        name
        for name, current in live.items()
        if name not in desired and current is not None and current.owner == deployment
    )
    if len(doomed) > spec.settings.max_deletions:
        result.problems.append(
            PlanProblem(None, PROBLEM_DELETION_GUARD, guard_message(len(doomed), spec.settings.max_deletions, doomed))
        )
    if mode != "reconcile":
        for name in doomed:
            current = live[name]
            assert current is not None
            result.changes.append(
                TenantChange(
                    name, ACTION_DELETE, [Op(DELETE_TENANT, name, {"tenant_arn": current.arn}, old=name, new=None)]
                )
            )
    return result


def needs_details(tenant: LiveTenant, desired: Mapping[str, TenantSpec], deployment: str) -> bool:
    """Whether the planner needs the full live state of ``tenant`` (desired, and owned or being adopted)."""
    wanted = desired.get(tenant.name)
    if wanted is None:
        return False
    return tenant.owner == deployment or wanted.adopt
