"""Orchestration: read what is needed, plan, pre-flight, apply, re-plan what is unfinished.

What is read:

* **incremental** (an old spec is given, no drift): only tenants whose fingerprint changed between the two
  specs, plus the ones removed from the spec (deletion candidates) -- ``GetTenant`` each, details only for
  owned/adopted ones. A one-tenant edit in a 10,000-tenant file costs a handful of calls.
* **full** (no old spec -- Create --, ``settings.drift_reconcile`` or ``drift=True``): ``ListTenants`` (paged),
  then every listed tenant is read (details only for desired tenants that are owned or adopted; a bulk
  ``ListReputationEntities`` replaces per-tenant ``GetReputationEntity`` when many tenants exist).
* **continuation** (a full scope given ``settled``: isComplete after onEvent): tenants an earlier run of the same
  spec left fully applied are checked with bulk list calls only; every other tenant is read in full (see
  :func:`_read_light`). Nothing is assumed about a tenant that was not read or settled.

Transient errors (throttling, 5xx, network) that are still there after botocore's retries never abort a run:

* reading: a tenant whose read failed is read again (with backoff, up to ``read_attempts`` passes) and so is
  a failed list call; a plan is made only from a complete read, so :class:`ReadFailed` (nothing written) is
  raised when the attempts or the deadline run out;
* writing: the applier leaves the tenant *pending*; :func:`converge` pauses (exponential backoff), re-reads the
  pending tenants, re-plans and applies them again, up to ``max_rounds`` rounds while the deadline allows.
  A tenant whose re-read fails stays pending for the next round. When the rounds or the deadline run out, the
  :class:`Result` says what was done and what is pending -- it never raises after a write.

Used by the Lambda handler, by ``tenantctl apply`` / ``tenantctl plan --against live``, the demo and the bench.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .applier import Applier, ApplyResult, Progress
from .client import AwsContext, ClientFactory
from .live import (
    ACCESS_DENIED,
    LiveTenant,
    describe_error,
    error_code,
    is_transient,
    list_reputation_entities,
    list_tenants,
    read_tenants,
    resource_holders,
)
from .model import Spec, policy_from_arn
from .plan_types import ACTION_DELETE, Plan, PlanProblem
from .planner import MODES, changed_tenants, needs_details
from .planner import plan as make_plan
from .preflight import check_resources

log = logging.getLogger(__name__)

# Above this many existing desired tenants, one paged ListReputationEntities beats N GetReputationEntity.
BULK_REPUTATION_THRESHOLD = 50
READ_ATTEMPTS = 6  # attempts at a read (a list call, a tenant) that keeps failing transiently
MAX_ROUNDS = 3  # plan/apply rounds of one converge by default
BACKOFF_BASE = 1.0  # seconds; pause before attempt/round i+1 is base * min(2**i, BACKOFF_CAP), jittered
BACKOFF_CAP = 30  # in units of the base: 30 s with the default base
BACKOFF_ENV = "SES_TENANTS_BACKOFF"  # overrides BACKOFF_BASE (seconds), for the Lambda and tenantctl alike


def backoff_base(value: float | None = None) -> float:
    """Return ``value``, else ``SES_TENANTS_BACKOFF`` (seconds), else :data:`BACKOFF_BASE`."""
    if value is not None:
        return max(0.0, value)
    try:
        return max(0.0, float(os.environ.get(BACKOFF_ENV) or BACKOFF_BASE))
    except ValueError:
        return BACKOFF_BASE


class ReadFailed(BotoCoreError):
    """The live state could not be read completely: transient errors persisted. Nothing was written.

    A :class:`botocore.exceptions.BotoCoreError`, so callers that already turn botocore errors into one line
    (``tenantctl``'s ``aws_errors``) handle it too.

    Attributes
    ----------
    unread : dict
        Tenant name -> last error, for tenants whose read failed (empty when a list call failed).
    """

    fmt = "{message}"

    def __init__(self, message: str, unread: dict[str, str] | None = None) -> None:
        super().__init__(message=message)
        self.unread = dict(unread or {})


def backoff_delay(attempt: int, base: float = BACKOFF_BASE) -> float:
    """Pause before retry number ``attempt + 1``: ``base * min(2**attempt, BACKOFF_CAP)``, jittered (50-100 %)."""
    return base * min(BACKOFF_CAP, 2 ** max(0, attempt)) * (0.5 + random.random() / 2)


def _pause(attempt: int, deadline: float | None, base: float) -> bool:
    """Sleep the backoff delay; False (without sleeping) when the deadline would pass first."""
    delay = backoff_delay(attempt, base)
    if deadline is not None and time.monotonic() + delay >= deadline:
        return False
    time.sleep(delay)
    return True


def _retrying(
    fn: Callable[[], Any], what: str, *, deadline: float | None, attempts: int, backoff: float
) -> Any:
    """Call ``fn`` again (with backoff) while it fails transiently; :class:`ReadFailed` when out of attempts.

    ``what`` prefixes the messages (``"checking the referenced resources: "``, or empty).
    """
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            if attempt >= attempts or not _pause(attempt - 1, deadline, backoff):
                times = f"{attempt} attempt{'s' if attempt != 1 else ''}"
                why = describe_error(exc).rstrip(".")
                raise ReadFailed(f"{what}{why} (still failing after {times})") from exc
            log.warning("%s%s; trying again (attempt %d of %d)", what, describe_error(exc), attempt + 1, attempts)


@dataclass(frozen=True)
class Scope:
    """Which tenants a run reads and plans.

    ``names`` is None for a full read (every tenant in the account/region), else the set of names
    (desired tenants to diff plus removed ones to consider for deletion).
    """

    names: frozenset[str] | None

    @property
    def full(self) -> bool:
        return self.names is None


def scope_for(spec: Spec, old_spec: Spec | None = None, *, drift: bool = False) -> Scope:
    """Full scope on Create / drift, else the tenants whose desired state changed between the specs."""
    if old_spec is None or drift or spec.settings.drift_reconcile:
        return Scope(None)
    return Scope(frozenset(changed_tenants(old_spec, spec)))


@dataclass
class Result:
    """Outcome of :func:`converge`.

    Attributes
    ----------
    plan : Plan
        The plan computed at the start (what was to be done).
    applied : ApplyResult
        What was done, with per-tenant errors and pending work.
    problems : list of PlanProblem
        Blocking problems (unowned tenant, deletion guard, missing resource): nothing was written.
    rounds : int
        Plan/apply rounds run.
    calls : dict
        SES/S3/STS API calls made during the run, by operation name.
    failure : str or None
        Set when an unexpected error stopped the run after it started writing (what was done is still here).
    """

    plan: Plan
    applied: ApplyResult = field(default_factory=ApplyResult)
    problems: list[PlanProblem] = field(default_factory=list)
    rounds: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        """No blocking problem, no permanent error, no unexpected stop (work may still be pending)."""
        return not self.problems and self.applied.ok and self.failure is None

    @property
    def complete(self) -> bool:
        """Everything planned is done."""
        return self.ok and not self.applied.pending

    @property
    def pending(self) -> int:
        return len(self.applied.pending)

    @property
    def unfinished(self) -> set[str]:
        """Tenants left pending or failed (every other desired tenant in the plan's scope is done or unchanged)."""
        return set(self.applied.pending) | set(self.applied.errors)

    def counts(self) -> dict[str, int]:
        """Small, fixed-size counts (safe to return to CloudFormation)."""
        done = self.applied.counts()
        return {
            "Created": done.get("create", 0),
            "Updated": done.get("update", 0),
            "Adopted": done.get("adopt", 0),
            "Deleted": done.get("delete", 0),
            "Unchanged": self.plan.unchanged,
            "Operations": self.applied.ops,
            "Pending": len(self.applied.pending),
            "Errors": len(self.applied.errors) + len(self.problems) + (1 if self.failure else 0),
        }


def _sesv2(factory: Any) -> Any:
    return factory.sesv2() if hasattr(factory, "sesv2") else factory


def _context(factory: Any, ctx: AwsContext | None) -> AwsContext:
    if ctx is not None:
        return ctx
    if hasattr(factory, "context"):
        return factory.context()
    raise ValueError("an AwsContext is required when passing a bare client")


def _concurrency(factory: Any, concurrency: int | None) -> int:
    return concurrency or getattr(factory, "concurrency", 16)


def read_live(
    ses: Any,
    spec: Spec,
    scope: Scope,
    *,
    mode: str = "all",
    deployment: str | None = None,
    concurrency: int = 16,
    settled: Collection[str] | None = None,
    ctx: AwsContext | None = None,
    unread: dict[str, str] | None = None,
) -> dict[str, LiveTenant | None]:
    """Read the live state the planner needs for ``scope`` (see the module docstring for the cost).

    Parameters
    ----------
    ses
        SES v2 client.
    spec : Spec
        Desired state.
    scope : Scope
        Full or the names to read.
    mode : {'all', 'reconcile', 'prune'}
        ``prune`` reads only deletion candidates.
    deployment : str, optional
        Ownership tag value; default ``spec.deployment``.
    concurrency : int
        Parallel reads.
    settled : collection of str, optional
        Desired tenants an earlier run of the same spec left fully applied (it read them in full and made them
        match, or wrote them). With a full scope (modes other than ``prune``) this selects the continuation read
        of :func:`_read_light`: the result then holds only the desired tenants that still need planning (read in
        full, or ``None`` when absent) plus every tenant not in the spec; settled tenants that the bulk lists
        confirm are left out (see :func:`is_continuation`).
    ctx : AwsContext, optional
        Required with ``settled`` (resolves resource ARNs).
    unread : dict, optional
        When given, tenants whose read failed transiently are recorded here (name -> error) and left out of
        the result (they are neither "absent" nor known); a failing list call still raises.

    Returns
    -------
    dict
        Tenant name -> :class:`LiveTenant` (``None`` for desired tenants that do not exist).
    """
    deployment = deployment or spec.deployment
    desired = spec.by_name()

    def wants(t: LiveTenant) -> bool:
        return mode != "prune" and needs_details(t, desired, deployment)

    if not scope.full:
        names = sorted(n for n in scope.names or () if mode != "prune" or n not in desired)
        return read_tenants(ses, names, wants_details=wants, concurrency=concurrency, failed=unread)

    listed = list_tenants(ses)
    if is_continuation(scope, mode, settled):
        if ctx is None:
            raise ValueError("an AwsContext is required for the continuation read")
        assert settled is not None
        return _read_light(ses, spec, listed, ctx, deployment, wants, concurrency, unread, settled)
    names = [n for n in listed if mode != "prune" or n not in desired]
    reputation = None
    if mode != "prune" and sum(1 for n in listed if n in desired) >= BULK_REPUTATION_THRESHOLD:
        reputation = _bulk_reputation(ses)
    live = dict(
        read_tenants(ses, names, wants_details=wants, concurrency=concurrency, reputation=reputation, failed=unread)
    )
    if mode != "prune":
        for name in desired:
            if unread is None or name not in unread:
                live.setdefault(name, None)
    return live


def is_continuation(scope: Scope, mode: str, settled: Collection[str] | None) -> bool:
    """Whether :func:`read_live` does the continuation read (its result then lists only what needs planning)."""
    return settled is not None and scope.full and mode != "prune"


def read_live_retrying(
    ses: Any,
    spec: Spec,
    scope: Scope,
    *,
    mode: str = "all",
    deployment: str | None = None,
    concurrency: int = 16,
    settled: Collection[str] | None = None,
    ctx: AwsContext | None = None,
    deadline: float | None = None,
    attempts: int = READ_ATTEMPTS,
    backoff: float | None = None,
) -> dict[str, LiveTenant | None]:
    """:func:`read_live`, complete despite transient errors: failed list calls and failed tenants are read again.

    Parameters
    ----------
    ses, spec, scope, mode, deployment, concurrency, settled, ctx
        As for :func:`read_live`.
    deadline : float, optional
        ``time.monotonic()`` value; no pause reaches past it.
    attempts : int
        Attempts per list read and per tenant (the first read included).
    backoff : float, optional
        Base of the exponential pause between attempts, in seconds (default :func:`backoff_base`).

    Returns
    -------
    dict
        As :func:`read_live`, with every tenant read.

    Raises
    ------
    ReadFailed
        When a list call or some tenants still fail after ``attempts`` attempts or before the deadline.
    """
    unread: dict[str, str] = {}
    common = {"mode": mode, "deployment": deployment, "concurrency": concurrency}
    backoff = backoff_base(backoff)

    def whole() -> dict[str, LiveTenant | None]:
        unread.clear()
        return read_live(ses, spec, scope, settled=settled, ctx=ctx, unread=unread, **common)

    live = _retrying(whole, "", deadline=deadline, attempts=attempts, backoff=backoff)
    attempt = 1
    while unread:
        if attempt >= attempts or not _pause(attempt - 1, deadline, backoff):
            first = sorted(unread)[0]
            raise ReadFailed(
                f"{len(unread)} tenant(s) could not be read after {attempt} attempt"
                f"{'s' if attempt != 1 else ''} (e.g. {first}: {unread[first].rstrip('.')})",
                unread,
            )
        names = frozenset(unread)
        log.warning("re-reading %d tenant(s) whose read failed (attempt %d of %d)", len(names), attempt + 1, attempts)
        unread = {}
        try:
            live.update(read_live(ses, spec, Scope(names), unread=unread, **common))
        except Exception as exc:
            if not is_transient(exc):
                raise
            unread = dict.fromkeys(names, describe_error(exc))
        attempt += 1
    return live


def _bulk_reputation(ses: Any) -> dict[str, dict[str, Any]] | None:
    """``ListReputationEntities`` for all tenants, or None when not allowed (per-tenant reads instead)."""
    try:
        return list_reputation_entities(ses)
    except ClientError as exc:
        if error_code(exc) not in ACCESS_DENIED:
            raise
        log.warning("ListReputationEntities not allowed (%s); reading reputation per tenant", error_code(exc))
        return None


def _read_light(
    ses: Any,
    spec: Spec,
    listed: dict[str, dict[str, Any]],
    ctx: AwsContext,
    deployment: str,
    wants: Any,
    concurrency: int,
    unread: dict[str, str] | None,
    settled: Collection[str],
) -> dict[str, LiveTenant | None]:
    """Continuation read: bulk list calls for the settled tenants, a full read for everything else.

    ``settled`` names desired tenants an earlier run of the same spec (onEvent, or an earlier isComplete in the
    same container) left fully applied: it read their tags, suppression and ownership in full and made them match,
    or wrote them. For those, ``ListReputationEntities`` (policy, status) and ``ListResourceTenants`` per
    referenced resource (associations) are paged in bulk; a settled tenant they confirm is done and left out of
    the result (nothing is planned for it), one they do not confirm is read in full. Every other existing tenant
    -- unsettled desired tenants (ownership, tags, suppression and extra associations unknown) and every tenant
    not in the spec (deletion candidates) -- is read in full (``GetTenant``, and for owned/adopted desired ones
    ``ListTenantResources``; the policy and status come from the bulk list), so nothing is planned, let alone
    written, from state that was not read. Desired tenants that do not exist are ``None``.

    Out-of-band tag/suppression drift and extra associations on *settled* tenants are not looked for (a drift
    reconcile reads everything).
    """
    desired = spec.by_name()
    settled = frozenset(settled)
    existing = [n for n in listed if n in desired]
    reputation = _bulk_reputation(ses) if existing else {}
    check = [n for n in existing if n in settled]
    wanted_arns = {
        n: {r.arn(ctx.partition, ctx.region, ctx.account) for r in desired[n].resources} for n in check
    }
    holders = resource_holders(ses, (a for arns in wanted_arns.values() for a in arns), concurrency=concurrency)

    def confirmed(name: str) -> bool:
        t = desired[name]
        entity = (reputation or {}).get(listed[name]["TenantArn"]) or {}
        return (
            bool(entity)
            and policy_from_arn(entity.get("ReputationManagementPolicy")) == t.reputation_policy
            and ((entity.get("CustomerManagedStatus") or {}).get("Status") or "ENABLED") == t.sending
            and all(name in holders.get(a, ()) for a in wanted_arns[name])
        )

    to_read = [n for n in listed if n not in desired]
    to_read += [n for n in existing if n not in settled or not confirmed(n)]
    live = read_tenants(
        ses, to_read, wants_details=wants, concurrency=concurrency, reputation=reputation, failed=unread
    )
    for name in desired:
        if name not in listed:
            live[name] = None
    return live


def compute_plan(
    client_factory: Any,
    spec: Spec,
    *,
    mode: str = "all",
    old_spec: Spec | None = None,
    drift: bool = False,
    ctx: AwsContext | None = None,
    deployment: str | None = None,
    concurrency: int | None = None,
    settled: Collection[str] | None = None,
    deadline: float | None = None,
    read_attempts: int = READ_ATTEMPTS,
    backoff: float | None = None,
) -> Plan:
    """Read live state and plan; no writes.

    Parameters
    ----------
    client_factory : ClientFactory or SES v2 client
        Where to read (a bare client needs ``ctx``).
    spec : Spec
        Desired state.
    mode : {'all', 'reconcile', 'prune'}
        Which changes to plan (the deletion guard applies in every mode).
    old_spec : Spec, optional
        Previous spec: plan incrementally (only tenants whose desired state changed).
    drift : bool
        Force a full read even with ``old_spec``.
    ctx : AwsContext, optional
        Partition/region/account; default from the factory.
    deployment : str, optional
        Ownership tag value; default ``spec.deployment``.
    concurrency : int, optional
        Parallel reads; default the factory's.
    settled : collection of str, optional
        For a full scope, the continuation read (see :func:`read_live`): settled tenants the bulk lists confirm
        are not planned (they count as unchanged).
    deadline : float, optional
        ``time.monotonic()`` value; no retry pause reaches past it.
    read_attempts : int
        Attempts per list call and per tenant read that fails transiently (see :func:`read_live_retrying`).
    backoff : float, optional
        Base of the exponential pause between read attempts, in seconds (default :func:`backoff_base`).

    Returns
    -------
    Plan

    Raises
    ------
    ReadFailed
        When transient errors persist (nothing can be planned safely from a partial read).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    ses = _sesv2(client_factory)
    ctx = _context(client_factory, ctx)
    scope = scope_for(spec, old_spec, drift=drift)
    live = read_live_retrying(
        ses,
        spec,
        scope,
        mode=mode,
        deployment=deployment,
        concurrency=_concurrency(client_factory, concurrency),
        settled=settled,
        ctx=ctx,
        deadline=deadline,
        attempts=read_attempts,
        backoff=backoff,
    )
    if is_continuation(scope, mode, settled):
        desired = spec.by_name()
        plan_scope: Collection[str] | None = [n for n in live if n in desired]
    else:
        plan_scope = None if scope.full else scope.names
    return make_plan(spec, live, ctx, mode=mode, scope=plan_scope, deployment=deployment)


def converge(
    client_factory: Any,
    spec: Spec,
    *,
    mode: str = "all",
    old_spec: Spec | None = None,
    drift: bool = False,
    deadline: float | None = None,
    progress: Progress | None = None,
    plan: Plan | None = None,
    ctx: AwsContext | None = None,
    deployment: str | None = None,
    concurrency: int | None = None,
    max_rounds: int = MAX_ROUNDS,
    settled: Collection[str] | None = None,
    read_attempts: int = READ_ATTEMPTS,
    backoff: float | None = None,
) -> Result:
    """Converge the live account to ``spec``.

    Reads and plans (unless ``plan`` is given), stops on blocking problems before any write, checks the
    referenced resources (pre-flight), applies the creates/updates/adoptions, and -- only when they all
    succeeded -- the deletions (modes ``all``/``prune``). Tenants left pending by throttling or transient
    faults are re-read and re-planned after a pause (exponential backoff), up to ``max_rounds`` rounds while
    the deadline allows; a tenant whose re-read fails stays pending for the next round.

    Parameters
    ----------
    client_factory : ClientFactory or SES v2 client
        Where to work (a bare client needs ``ctx``).
    spec : Spec
        Desired state.
    mode : {'all', 'reconcile', 'prune'}
        ``reconcile`` never deletes; ``prune`` only deletes; ``all`` does both, deletions last.
    old_spec : Spec, optional
        Previous spec (incremental run).
    drift : bool
        Force a full read.
    deadline : float, optional
        ``time.monotonic()`` value after which no new tenant work starts (and no pause reaches past it).
    progress : callable, optional
        ``progress(change, outcome, message)`` after each tenant (again for a tenant retried in a later round).
    plan : Plan, optional
        A plan from :func:`compute_plan` with the same arguments (skips the first read).
    ctx, deployment, concurrency
        As for :func:`compute_plan`.
    max_rounds : int
        Plan/apply rounds at most, per phase (creates/updates/adoptions, then deletions).
    settled : collection of str, optional
        Continuation read for a full scope (see :func:`read_live`).
    read_attempts : int
        Attempts at the first read and at the pre-flight checks (see :func:`read_live_retrying`).
    backoff : float, optional
        Base, in seconds, of the exponential pause between read attempts and between rounds (default
        :func:`backoff_base`: ``SES_TENANTS_BACKOFF`` or 1 s).

    Returns
    -------
    Result
        What was planned, done, failed and left pending. Once a write may have happened this never raises:
        an unexpected error ends the run and is recorded in :attr:`Result.failure`.

    Raises
    ------
    ReadFailed
        When the first read or the pre-flight checks keep failing transiently (nothing was written).
    """
    ses = _sesv2(client_factory)
    ctx = _context(client_factory, ctx)
    deployment = deployment or spec.deployment
    workers = _concurrency(client_factory, concurrency)
    counter = getattr(client_factory, "counter", None)
    before = counter.snapshot() if counter is not None else {}
    backoff = backoff_base(backoff)
    reads = {"deadline": deadline, "attempts": read_attempts, "backoff": backoff}

    if plan is None:
        plan = compute_plan(
            ses,
            spec,
            mode=mode,
            old_spec=old_spec,
            drift=drift,
            ctx=ctx,
            deployment=deployment,
            concurrency=workers,
            settled=settled,
            deadline=deadline,
            read_attempts=read_attempts,
            backoff=backoff,
        )
    result = Result(plan=plan, rounds=1)
    result.problems = list(plan.problems)
    if not result.problems and not plan.empty:
        result.problems = _retrying(
            lambda: check_resources(ses, plan, ctx, concurrency=workers), "checking the referenced resources: ", **reads
        )
    if result.problems or plan.empty:
        _finish(result, counter, before)
        return result

    applier = Applier(ses, deployment, concurrency=workers, deadline=deadline, progress=progress)
    phases = [
        [c for c in plan.changes if c.action != ACTION_DELETE],
        [c for c in plan.changes if c.action == ACTION_DELETE],
    ]
    try:
        for phase_mode, changes in zip(("reconcile", "prune"), phases, strict=True):
            if not changes:
                continue
            if not result.applied.complete or result.problems:
                # Deletions are irreversible: they run only after everything else succeeded.
                for c in changes:
                    result.applied.pending[c.tenant] = "waiting for the other changes to finish"
                break
            outcome, rounds = _apply_rounds(
                applier, changes, spec, ctx, phase_mode, deployment, workers, result, max_rounds, deadline, backoff
            )
            result.rounds = max(result.rounds, rounds)
            result.applied.merge(outcome)
    except Exception as exc:  # a bug or an unforeseen error: report what was done instead of losing it
        log.exception("converge stopped by an unexpected error")
        result.failure = f"stopped by an unexpected error: {describe_error(exc)}"
    _finish(result, counter, before)
    return result


def _apply_rounds(
    applier: Applier,
    changes: list[Any],
    spec: Spec,
    ctx: AwsContext,
    phase_mode: str,
    deployment: str,
    workers: int,
    result: Result,
    max_rounds: int,
    deadline: float | None,
    backoff: float,
) -> tuple[ApplyResult, int]:
    """Apply ``changes``, then re-read, re-plan and re-apply the pending tenants in later rounds."""
    ses = applier.ses
    outcome = applier.apply(changes)
    action_of = {c.tenant: c.action for c in changes}
    rounds = 1
    while outcome.pending and outcome.ok and rounds < max_rounds:
        if not _pause(rounds - 1, deadline, backoff):
            log.info("no time left for another round: %d tenant(s) pending", len(outcome.pending))
            break
        names = set(outcome.pending)
        log.info("round %d: re-reading and re-planning %d unfinished tenant(s)", rounds + 1, len(names))
        unread: dict[str, str] = {}
        try:
            live = read_live(
                ses,
                spec,
                Scope(frozenset(names)),
                mode=phase_mode,
                deployment=deployment,
                concurrency=workers,
                unread=unread,
            )
        except Exception as exc:
            if not is_transient(exc):
                outcome.errors.update(dict.fromkeys(names, f"re-reading failed: {describe_error(exc)}"))
                outcome.pending = {}
                break
            live, unread = {}, dict.fromkeys(names, describe_error(exc))
        readable = names - set(unread)
        again = make_plan(spec, live, ctx, mode=phase_mode, scope=readable, deployment=deployment)
        if again.problems:
            result.problems.extend(again.problems)
            break
        retried = applier.apply(again)
        # Tenants that now need nothing more are done; keep the action they started with.
        left = {c.tenant for c in again.changes if c.ops}
        retried.done = {n: action_of.get(n, a) for n, a in retried.done.items()}
        retried.done.update({n: action_of[n] for n in readable - left if n in action_of})
        retried.pending.update({n: f"re-reading failed: {m}" for n, m in unread.items()})
        outcome.pending = {}
        outcome.merge(retried)
        rounds += 1
    return outcome, rounds


def _finish(result: Result, counter: Any, before: dict[str, int]) -> None:
    if counter is None:
        return
    after = counter.snapshot()
    result.calls = {k: after[k] - before.get(k, 0) for k in sorted(after) if after[k] - before.get(k, 0)}


__all__ = [
    "ClientFactory",
    "ReadFailed",
    "Result",
    "Scope",
    "backoff_base",
    "backoff_delay",
    "compute_plan",
    "converge",
    "is_continuation",
    "read_live",
    "read_live_retrying",
    "scope_for",
]
