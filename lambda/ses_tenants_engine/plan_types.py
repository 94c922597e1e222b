"""Plan data types shared by the planner, the applier, the Lambda and ``tenantctl plan``.

A :class:`Plan` is an ordered list of :class:`TenantChange` objects, each holding the ordered
:class:`Op` objects for one tenant. Tenants are independent of each other (they may be applied in
parallel); the ops of one tenant run in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Op kinds, in the order they run within one tenant.
CREATE_TENANT = "create_tenant"  # CreateTenant (with ownership tag + user tags + suppression)
ADOPT_TENANT = "adopt_tenant"  # TagResource with the ownership tag on an existing, unowned tenant
TAG = "tag"  # TagResource
UNTAG = "untag"  # UntagResource
PUT_SUPPRESSION = "put_suppression"  # PutTenantSuppressionAttributes
SET_POLICY = "set_policy"  # UpdateReputationEntityPolicy
ASSOCIATE = "associate"  # CreateTenantResourceAssociation
DISASSOCIATE = "disassociate"  # DeleteTenantResourceAssociation
SET_STATUS = "set_status"  # UpdateReputationEntityCustomerManagedStatus
DELETE_TENANT = "delete_tenant"  # DeleteTenant (prune step only; cascades associations)

OP_KINDS = (
    CREATE_TENANT,
    ADOPT_TENANT,
    TAG,
    UNTAG,
    PUT_SUPPRESSION,
    SET_POLICY,
    ASSOCIATE,
    DISASSOCIATE,
    SET_STATUS,
    DELETE_TENANT,
)

# Tenant-level actions.
ACTION_CREATE = "create"
ACTION_UPDATE = "update"
ACTION_DELETE = "delete"
ACTION_ADOPT = "adopt"


@dataclass(frozen=True)
class Op:
    """One SES write.

    Parameters
    ----------
    kind : str
        One of :data:`OP_KINDS`.
    tenant : str
        Tenant name.
    params : dict
        Everything the applier needs for the call that is not derivable from the tenant
        (e.g. ``{"resource_arn": ..., "resource_type": ...}``, ``{"policy": "strict"}``,
        ``{"tags": {...}}``, ``{"keys": [...]}``, ``{"status": "DISABLED"}``).
    old, new
        Human-readable before/after values for plan rendering (``None`` when not applicable).
    """

    kind: str
    tenant: str
    params: dict[str, Any] = field(default_factory=dict)
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"op": self.kind, "tenant": self.tenant, "params": self.params, "old": self.old, "new": self.new}


@dataclass
class TenantChange:
    """All ops for one tenant, with its tenant-level action."""

    tenant: str
    action: str
    ops: list[Op] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "action": self.action, "operations": [o.to_json() for o in self.ops]}


@dataclass(frozen=True)
class PlanProblem:
    """A reason the plan cannot be applied (e.g. an unowned tenant without ``adopt``)."""

    tenant: str | None
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "code": self.code, "message": self.message}


@dataclass
class Plan:
    """Ordered tenant changes plus counts and blocking problems.

    ``unchanged`` counts desired tenants that already match; ``blocked`` counts desired tenants the planner
    refused to plan (a same-named tenant this deployment does not own, without ``adopt``): they are neither
    unchanged nor changed, and each has a problem in ``problems``.
    """

    changes: list[TenantChange] = field(default_factory=list)
    unchanged: int = 0
    problems: list[PlanProblem] = field(default_factory=list)
    blocked: int = 0

    @property
    def empty(self) -> bool:
        return not any(c.ops for c in self.changes)

    @property
    def op_count(self) -> int:
        return sum(len(c.ops) for c in self.changes)

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0, "adopt": 0, "unchanged": self.unchanged}
        counts["blocked"] = self.blocked
        for c in self.changes:
            counts[c.action] = counts.get(c.action, 0) + 1
        return counts

    def deletions(self) -> list[str]:
        return [c.tenant for c in self.changes if c.action == ACTION_DELETE]
