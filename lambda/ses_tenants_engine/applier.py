"""The applier: runs a :class:`Plan` against SES v2.

* Tenants in parallel (bounded by ``concurrency``), each tenant's ops in order.
* Idempotent: ``AlreadyExistsException`` on create/associate and ``NotFoundException`` on
  delete/disassociate count as done, so a repeated or overlapping run converges instead of failing.
* Throttling is retried by botocore (adaptive mode); what is still transient after that is reported as
  *pending* (the next round, or the next isComplete, re-plans it). Permanent errors are collected per tenant.
* ``LimitExceededException`` from ``CreateTenant`` (the account's tenant quota) is not retried (see
  :mod:`.client`): it becomes one clear quota error and no further ``CreateTenant`` is attempted.
* A deadline (``time.monotonic()`` value): no tenant starts after it, and a tenant in progress stops between
  two ops; its remaining work is pending. A call refused by the client's write deadline
  (:class:`.client.DeadlinePassed`) leaves the tenant pending too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .client import DeadlinePassed
from .live import error_code, is_transient
from .model import OWNERSHIP_TAG_KEY
from .plan_types import (
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
    TenantChange,
)

log = logging.getLogger(__name__)

# Outcome of one tenant.
DONE = "done"
FAILED = "failed"
PENDING = "pending"  # transient error or deadline: the next round re-plans it

QUOTA_SKIPPED = "not created: tenant quota reached"

Progress = Callable[[TenantChange, str, "str | None"], None]


def quota_message(created: int) -> str:
    """Return the tenant-quota error message."""
    return (
        "tenant quota reached: CreateTenant returned LimitExceededException "
        f"({created} tenant(s) were created in this run before it). The default quota is 10,000 tenants per "
        "account and region; request an increase in Service Quotas (Amazon SES, 'Tenants') or remove tenants "
        "from tenants.yaml, then deploy again"
    )


class _Stop(Exception):
    """Internal: stop this tenant (outcome and message attached)."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


@dataclass
class ApplyResult:
    """What an apply did.

    Attributes
    ----------
    done : dict
        Tenant -> action (``create``, ``update``, ``adopt``, ``delete``) for each completed tenant.
    ops : int
        Ops applied (including idempotent no-ops such as an association that already existed).
    errors : dict
        Tenant -> permanent error message.
    pending : dict
        Tenant -> why it is unfinished (transient error or deadline); safe to re-plan.
    quota_error : str or None
        Set when the tenant quota was reached.
    """

    done: dict[str, str] = field(default_factory=dict)
    ops: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    quota_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.quota_error

    def counts(self) -> Counter[str]:
        """Completed tenants by action."""
        return Counter(self.done.values())

    @property
    def complete(self) -> bool:
        return self.ok and not self.pending

    def merge(self, other: ApplyResult) -> None:
        self.done.update(other.done)
        self.ops += other.ops
        self.errors.update(other.errors)
        settled = set(other.done) | set(other.errors)
        self.pending = {**{k: v for k, v in self.pending.items() if k not in settled}, **other.pending}
        self.quota_error = self.quota_error or other.quota_error


def _tags(d: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in d.items()]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


class Applier:
    """Applies plans with one SES v2 client.

    Parameters
    ----------
    ses
        SES v2 client (thread-safe; shared by the workers).
    deployment : str
        Ownership tag value (checked when a create finds the tenant already there).
    concurrency : int
        Tenants worked on in parallel.
    deadline : float, optional
        ``time.monotonic()`` after which no new work starts.
    progress : callable, optional
        ``progress(change, outcome, message)`` after each tenant.
    """

    def __init__(
        self,
        ses: Any,
        deployment: str,
        *,
        concurrency: int = 16,
        deadline: float | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.ses = ses
        self.deployment = deployment
        self.concurrency = max(1, concurrency)
        self.deadline = deadline
        self.progress = progress
        self._lock = threading.Lock()
        self._quota_error: str | None = None
        self._created = 0

    def _late(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def apply(self, plan: Plan | list[TenantChange]) -> ApplyResult:
        """Apply every change (tenants in parallel); returns the outcome per tenant."""
        changes = [c for c in (plan.changes if isinstance(plan, Plan) else plan) if c.ops]
        result = ApplyResult()
        if not changes:
            return result
        workers = min(self.concurrency, len(changes))
        if workers == 1:
            outcomes = [self._tenant(c) for c in changes]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
                outcomes = list(pool.map(self._tenant, changes))
        for change, (outcome, n_ops, message) in zip(changes, outcomes, strict=True):
            result.ops += n_ops
            if outcome == DONE:
                result.done[change.tenant] = change.action
            elif outcome == FAILED:
                result.errors[change.tenant] = message or "failed"
            else:
                result.pending[change.tenant] = message or "not finished"
        result.quota_error = self._quota_error
        return result

    def _tenant(self, change: TenantChange) -> tuple[str, int, str | None]:
        if self._late():
            outcome: tuple[str, int, str | None] = (PENDING, 0, "time budget used up before this tenant started")
            self._report(change, outcome)
            return outcome
        arn: str | None = None
        applied = 0
        try:
            for i, op in enumerate(change.ops):
                if i and self._late():
                    raise _Stop(PENDING, f"time budget used up after {i} of {len(change.ops)} operations")
                arn = op.params.get("tenant_arn") or arn
                arn = self._op(op, arn)
                applied += 1
        except _Stop as stop:
            outcome = (stop.outcome, applied, stop.message)
        except Exception as exc:
            what = f"{change.ops[applied].kind} failed: {_describe(exc)}"
            if isinstance(exc, DeadlinePassed):
                outcome = (PENDING, applied, f"{change.ops[applied].kind} not started: {exc}")
            elif is_transient(exc):
                outcome = (PENDING, applied, what)
            else:
                log.error("tenant %s: %s", change.tenant, what)
                outcome = (FAILED, applied, what)
        else:
            outcome = (DONE, applied, None)
        self._report(change, outcome)
        return outcome

    def _report(self, change: TenantChange, outcome: tuple[str, int, str | None]) -> None:
        if self.progress is not None:
            try:
                self.progress(change, outcome[0], outcome[2])
            except Exception:
                log.exception("progress callback failed")

    def _tenant_arn(self, name: str) -> str:
        return self.ses.get_tenant(TenantName=name)["Tenant"]["TenantArn"]

    def _op(self, op: Op, arn: str | None) -> str | None:
        ses, name, p = self.ses, op.tenant, op.params
        kind = op.kind
        if kind == CREATE_TENANT:
            return self._create(op)
        if kind == DELETE_TENANT:
            try:
                ses.delete_tenant(TenantName=name)
            except ClientError as exc:
                if error_code(exc) != "NotFoundException":
                    raise
            return arn
        if kind == PUT_SUPPRESSION:
            sup = p.get("suppression")
            kwargs: dict[str, Any] = {"TenantName": name}
            if sup:
                kwargs["SuppressionScope"] = sup["scope"]
                kwargs["SuppressedReasons"] = list(sup["reasons"])
            ses.put_tenant_suppression_attributes(**kwargs)
            return arn
        if kind == ASSOCIATE:
            try:
                ses.create_tenant_resource_association(TenantName=name, ResourceArn=p["resource_arn"])
            except ClientError as exc:
                if error_code(exc) != "AlreadyExistsException":
                    raise
            return arn
        if kind == DISASSOCIATE:
            try:
                ses.delete_tenant_resource_association(TenantName=name, ResourceArn=p["resource_arn"])
            except ClientError as exc:
                if error_code(exc) != "NotFoundException":
                    raise
            return arn
        # The remaining ops address the tenant by ARN.
        if arn is None:
            arn = self._tenant_arn(name)
        if kind in (ADOPT_TENANT, TAG):
            ses.tag_resource(ResourceArn=arn, Tags=_tags(p["tags"]))
        elif kind == UNTAG:
            keys = [k for k in p["keys"] if k != OWNERSHIP_TAG_KEY and k[:4].lower() != "aws:"]
            if keys:
                ses.untag_resource(ResourceArn=arn, TagKeys=keys)
        elif kind == SET_POLICY:
            ses.update_reputation_entity_policy(
                ReputationEntityType="RESOURCE", ReputationEntityReference=arn, ReputationEntityPolicy=p["policy_arn"]
            )
        elif kind == SET_STATUS:
            ses.update_reputation_entity_customer_managed_status(
                ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus=p["status"]
            )
        else:
            raise ValueError(f"unknown op kind {kind!r}")
        return arn

    def _create(self, op: Op) -> str:
        with self._lock:
            if self._quota_error:
                raise _Stop(FAILED, QUOTA_SKIPPED)
        kwargs: dict[str, Any] = {"TenantName": op.tenant, "Tags": _tags(op.params.get("tags") or {})}
        sup = op.params.get("suppression")
        if sup:
            kwargs["SuppressionAttributes"] = {
                "SuppressionScope": sup["scope"],
                "SuppressedReasons": list(sup["reasons"]),
            }
        try:
            arn = self.ses.create_tenant(**kwargs)["TenantArn"]
        except ClientError as exc:
            code = error_code(exc)
            if code == "LimitExceededException":
                with self._lock:
                    if not self._quota_error:
                        self._quota_error = quota_message(self._created)
                raise _Stop(FAILED, QUOTA_SKIPPED) from exc
            if code != "AlreadyExistsException":
                raise
            # Created by an earlier (lost) attempt or a concurrent run: continue only if it is ours.
            tenant = self.ses.get_tenant(TenantName=op.tenant)["Tenant"]
            tags = {t["Key"]: t["Value"] for t in tenant.get("Tags") or ()}
            if tags.get(OWNERSHIP_TAG_KEY) != self.deployment:
                raise _Stop(
                    FAILED,
                    f"tenant {op.tenant!r} was created meanwhile by someone else (ownership tag "
                    f"{tags.get(OWNERSHIP_TAG_KEY)!r}); left untouched",
                ) from exc
            return tenant["TenantArn"]
        with self._lock:
            self._created += 1
        return arn
