"""The reviewer's view of a :class:`~ses_tenants_engine.plan_types.Plan`: what changed and what to notice.

:func:`build_report` is pure: it takes the engine's plan plus where it came from and derives everything the
three renderers (text, Markdown, JSON) show, so they never disagree:

* one line per operation (:func:`describe_op`), with Terraform's legend (``+`` create, ``~`` update,
  ``-`` delete, ``&`` adopt);
* flags a reviewer must not miss: deletions (and whether the deletion guard stops them), pauses, reinstated
  or re-enabled tenants, resources moving between tenants, adoptions, and a plan whose SES calls would not fit
  in CloudFormation's one-hour custom-resource window at an assumed call rate.

The call-rate assumption: SES publishes no rate for the tenant-management calls, so the estimate uses a
conservative ``assumed_tps`` (default :data:`DEFAULT_ASSUMED_TPS` calls per second, override with
``--assumed-tps`` or ``TENANTCTL_ASSUMED_TPS``). Estimated calls = the plan's writes plus
:data:`READS_PER_TENANT` reads per changed tenant (GetTenant, GetReputationEntity, ListTenantResources).
Deletions run in the prune step, its own custom resource with its own one-hour window, so the main reconcile
and the prune step are estimated separately.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ses_tenants_engine.model import ARN_SEGMENT_TO_TYPE, OWNERSHIP_TAG_KEY, RESOURCE_TYPES
from ses_tenants_engine.plan_types import (
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
    TenantChange,
)

FORMAT_VERSION = 1
DEFAULT_ASSUMED_TPS = 2.0
CFN_WINDOW_SECONDS = 3600
READS_PER_TENANT = 3

SYMBOLS = {ACTION_CREATE: "+", ACTION_UPDATE: "~", ACTION_DELETE: "-", ACTION_ADOPT: "&"}
LEGEND = (("+", "create"), ("~", "update"), ("-", "delete"), ("&", "adopt"))
ACTION_ORDER = (ACTION_DELETE, ACTION_ADOPT, ACTION_UPDATE, ACTION_CREATE)


@dataclass(frozen=True)
class OpLine:
    """One rendered line of a tenant's change.

    Parameters
    ----------
    symbol : str
        ``+``, ``-``, ``~`` or ``&``.
    field : str
        What changes: ``tenant``, ``policy``, ``sending``, ``association``, ``tag``, ``suppression``, ``owner``.
    text : str
        The change, e.g. ``standard → strict``.
    note : str
        Extra words for reviewers, e.g. ``pause``.
    """

    symbol: str
    field: str
    text: str
    note: str = ""

    def plain(self, width: int = 12) -> str:
        note = f"  ({self.note})" if self.note else ""
        return f"{self.symbol} {self.field:<{width}} {self.text}{note}".rstrip()


@dataclass(frozen=True)
class ResourceRef:
    """A resource as reviewers read it."""

    type: str  # EMAIL_IDENTITY | CONFIGURATION_SET | EMAIL_TEMPLATE
    arn: str
    label: str  # "identity acme.example" or the full ARN for another account/region

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "arn": self.arn, "label": self.label}


@dataclass(frozen=True)
class Move:
    """A resource removed from some tenants and added to others in the same plan."""

    resource: ResourceRef
    from_tenants: tuple[str, ...]
    to_tenants: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"resource": self.resource.to_json(), "from": list(self.from_tenants), "to": list(self.to_tenants)}


@dataclass(frozen=True)
class StatusChange:
    tenant: str
    old: str | None
    new: str

    def to_json(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "from": self.old, "to": self.new}


@dataclass(frozen=True)
class Duration:
    """Estimated SES calls and time against CloudFormation's one-hour window."""

    reconcile_calls: int
    prune_calls: int
    assumed_tps: float
    window_seconds: int = CFN_WINDOW_SECONDS

    @property
    def calls(self) -> int:
        return self.reconcile_calls + self.prune_calls

    @property
    def reconcile_seconds(self) -> float:
        return self.reconcile_calls / self.assumed_tps

    @property
    def prune_seconds(self) -> float:
        return self.prune_calls / self.assumed_tps

    @property
    def exceeds_window(self) -> bool:
        return max(self.reconcile_seconds, self.prune_seconds) > self.window_seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "estimated_calls": self.calls,
            "reconcile_calls": self.reconcile_calls,
            "prune_calls": self.prune_calls,
            "assumed_tps": self.assumed_tps,
            "estimated_seconds": round(max(self.reconcile_seconds, self.prune_seconds), 1),
            "window_seconds": self.window_seconds,
            "exceeds_window": self.exceeds_window,
        }


@dataclass
class Flags:
    """What a reviewer must notice."""

    deletions: list[str] = field(default_factory=list)
    max_deletions: int | None = None
    pauses: list[StatusChange] = field(default_factory=list)
    resumes: list[StatusChange] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    adoptions: list[str] = field(default_factory=list)
    adopt_if_exists: list[str] = field(default_factory=list)
    duration: Duration | None = None

    @property
    def guard_blocks(self) -> bool:
        """True when the deletion guard would stop the deploy before any write."""
        return self.max_deletions is not None and len(self.deletions) > self.max_deletions

    def to_json(self) -> dict[str, Any]:
        return {
            "deletions": {
                "count": len(self.deletions),
                "tenants": list(self.deletions),
                "max_deletions": self.max_deletions,
                "blocked_by_guard": self.guard_blocks,
            },
            "pauses": [p.to_json() for p in self.pauses],
            "resumes": [p.to_json() for p in self.resumes],
            "moves": [m.to_json() for m in self.moves],
            "adoptions": list(self.adoptions),
            "adopt_if_exists": list(self.adopt_if_exists),
            "duration": self.duration.to_json() if self.duration else None,
        }


@dataclass(frozen=True)
class Source:
    """Where one side of the comparison came from."""

    kind: str  # "file" | "git" | "live" | "empty"
    label: str  # e.g. "origin/main:tenants.yaml", "tenants.yaml", "live (us-east-1, 123456789012)"

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "label": self.label}


@dataclass
class PlanReport:
    """A plan with its origin and the derived reviewer flags; input of every renderer."""

    plan: Plan
    desired: Source
    against: Source
    flags: Flags
    deployment: str = ""
    account: str | None = None
    region: str | None = None
    generated_at: str = ""
    locations: dict[str, str] = field(default_factory=dict)

    @property
    def changes(self) -> list[TenantChange]:
        return [c for c in self.plan.changes if c.ops]

    @property
    def has_changes(self) -> bool:
        return not self.plan.empty

    def summary(self) -> dict[str, int]:
        s = self.plan.summary()
        out = {k: s.get(k, 0) for k in ("create", "update", "delete", "adopt", "unchanged", "blocked")}
        out["operations"] = self.plan.op_count
        out["estimated_calls"] = self.flags.duration.calls if self.flags.duration else self.plan.op_count
        return out

    def ordered_changes(self) -> list[TenantChange]:
        """Order changes with the ones reviewers must see first on top: deletions, adoptions, updates, creations."""
        rank = {a: i for i, a in enumerate(ACTION_ORDER)}
        indexed = list(enumerate(self.changes))
        indexed.sort(key=lambda ic: (rank.get(ic[1].action, len(rank)), ic[0]))
        return [c for _, c in indexed]

    def lines(self, change: TenantChange) -> list[OpLine]:
        out: list[OpLine] = []
        for op in change.ops:
            out.extend(describe_op(op, account=self.account, region=self.region))
        return out


# --------------------------------------------------------------------------------------------- describing


def resource_ref(arn_or_ref: str, rtype: str | None = None, *, account: str | None, region: str | None) -> ResourceRef:
    """Label a resource: ``identity acme.example`` for this account/region, else the full ARN."""
    if arn_or_ref.startswith("arn:"):
        parts = arn_or_ref.split(":", 5)
        seg, _, name = parts[5].partition("/") if len(parts) == 6 else ("", "", arn_or_ref)
        rtype = rtype or ARN_SEGMENT_TO_TYPE.get(seg, "")
        local = (account is None or parts[4] == account) and (region is None or parts[3] == region)
        label = f"{seg} {name}" if local and seg else arn_or_ref
        return ResourceRef(rtype or "", arn_or_ref, label)
    seg = RESOURCE_TYPES.get(rtype or "", "resource")
    return ResourceRef(rtype or "", arn_or_ref, f"{seg} {arn_or_ref}")


def _fmt_suppression(value: Any) -> str:
    if not value:
        return "off (account-level list only)"
    reasons = ", ".join(str(r) for r in value.get("reasons") or ())
    return f"{value.get('scope')}: {reasons}"


def _fmt_tag(key: str, value: Any) -> str:
    return f"{key} = {value!r}" if isinstance(value, str) else f"{key}"


def _tag_lines(tags: dict[str, Any], old: Any) -> list[OpLine]:
    """``+ tag`` for a tag the tenant did not have, ``~ tag k: 'a' → 'b'`` for a changed one.

    ``old`` maps each key to its previous value (``None``: absent). Without it (a plan made before adopt ops
    recorded the previous values) the change kind is unknown and the line says ``~``.
    """
    lines = []
    for k, v in sorted(tags.items()):
        if not isinstance(old, dict):
            lines.append(OpLine("~", "tag", _fmt_tag(k, v)))
        elif old.get(k) is None:
            lines.append(OpLine("+", "tag", _fmt_tag(k, v)))
        else:
            lines.append(OpLine("~", "tag", f"{k}: {old[k]!r} → {v!r}"))
    return lines


def describe_op(op: Op, *, account: str | None = None, region: str | None = None) -> list[OpLine]:
    """Reviewer lines for one engine op.

    Parameters
    ----------
    op : Op
        The operation.
    account, region : str, optional
        The account/region resource names resolve in; ARNs elsewhere are shown in full.

    Returns
    -------
    list of OpLine
    """
    p = op.params or {}
    if op.kind == CREATE_TENANT:
        lines = [OpLine("+", "tenant", f"create {op.tenant}")]
        for k, v in sorted((p.get("tags") or {}).items()):
            if k != OWNERSHIP_TAG_KEY:
                lines.append(OpLine("+", "tag", _fmt_tag(k, v)))
        if p.get("suppression"):
            lines.append(OpLine("+", "suppression", _fmt_suppression(p["suppression"])))
        return lines
    if op.kind == ADOPT_TENANT:
        owner = f"owner {op.old!r}" if op.old else "no owner"
        lines = [OpLine("&", "owner", f"{owner} → {op.new!r}", "adopt: tag it as managed by this deployment")]
        tags = {k: v for k, v in (p.get("tags") or {}).items() if k != OWNERSHIP_TAG_KEY}
        return lines + _tag_lines(tags, p.get("old_tags"))
    if op.kind == TAG:
        return _tag_lines(p.get("tags") or {}, op.old if isinstance(op.old, dict) else {})
    if op.kind == UNTAG:
        old = op.old if isinstance(op.old, dict) else {}
        return [OpLine("-", "tag", _fmt_tag(k, old.get(k))) for k in p.get("keys") or ()]
    if op.kind == PUT_SUPPRESSION:
        return [OpLine("~", "suppression", f"{_fmt_suppression(op.old)} → {_fmt_suppression(op.new)}")]
    if op.kind == SET_POLICY:
        return [OpLine("~", "policy", f"{op.old or 'unknown'} → {op.new}")]
    if op.kind in (ASSOCIATE, DISASSOCIATE):
        ref = resource_ref(
            str(p.get("resource_arn") or op.new or op.old), p.get("resource_type"), account=account, region=region
        )
        return [OpLine("+" if op.kind == ASSOCIATE else "-", "association", ref.label)]
    if op.kind == SET_STATUS:
        note = ""
        if op.new == "DISABLED":
            note = "pause: sends are rejected"
        elif op.old == "DISABLED":
            note = "resume sending"
        return [OpLine("~", "sending", f"{op.old or 'ENABLED'} → {op.new}", note)]
    if op.kind == DELETE_TENANT:
        return [
            OpLine(
                "-",
                "tenant",
                f"delete {op.tenant}",
                "irreversible: tenant id, reputation history and its suppression list are lost",
            )
        ]
    return [OpLine("~", op.kind, f"{op.old!r} → {op.new!r}")]


# --------------------------------------------------------------------------------------------- analysis


def analyze(
    plan: Plan,
    *,
    max_deletions: int | None,
    assumed_tps: float = DEFAULT_ASSUMED_TPS,
    window_seconds: int = CFN_WINDOW_SECONDS,
    account: str | None = None,
    region: str | None = None,
    may_adopt: Iterable[str] = (),
) -> Flags:
    """Derive the reviewer flags of a plan.

    Parameters
    ----------
    plan : Plan
        The engine's plan.
    max_deletions : int or None
        ``settings.max_deletions`` of the desired spec (``None`` if unknown).
    assumed_tps : float
        Assumed sustained SES calls per second for the duration estimate.
    window_seconds : int
        CloudFormation's custom-resource window (one hour).
    account, region : str, optional
        For resource labels.
    may_adopt : iterable of str
        Tenants the desired spec marks ``adopt: true``; those the plan creates are listed in
        ``adopt_if_exists`` (a spec-versus-spec plan cannot know whether the account already holds them).

    Returns
    -------
    Flags
    """
    if assumed_tps <= 0:
        raise ValueError("assumed_tps must be > 0")
    flags = Flags(max_deletions=max_deletions)
    adoptable = set(may_adopt)
    added: dict[str, list[str]] = defaultdict(list)
    removed: dict[str, list[str]] = defaultdict(list)
    refs: dict[str, ResourceRef] = {}
    reconcile_calls = prune_calls = 0
    for change in plan.changes:
        if not change.ops:
            continue
        if change.action == ACTION_DELETE:
            flags.deletions.append(change.tenant)
            prune_calls += len(change.ops)
            continue
        if change.action == ACTION_ADOPT:
            flags.adoptions.append(change.tenant)
        elif change.action == ACTION_CREATE and change.tenant in adoptable:
            flags.adopt_if_exists.append(change.tenant)
        reads = READS_PER_TENANT if change.action != ACTION_CREATE else 1
        reconcile_calls += len(change.ops) + reads
        for op in change.ops:
            if op.kind == SET_STATUS and change.action != ACTION_CREATE:
                if op.new == "DISABLED" and op.old != "DISABLED":
                    flags.pauses.append(StatusChange(change.tenant, op.old, op.new))
                elif op.old == "DISABLED" and op.new != "DISABLED":
                    flags.resumes.append(StatusChange(change.tenant, op.old, op.new))
            elif op.kind in (ASSOCIATE, DISASSOCIATE):
                p = op.params or {}
                arn = str(p.get("resource_arn") or op.new or op.old)
                refs.setdefault(arn, resource_ref(arn, p.get("resource_type"), account=account, region=region))
                (added if op.kind == ASSOCIATE else removed)[arn].append(change.tenant)
    for arn in sorted(set(added) & set(removed)):
        frm = tuple(t for t in removed[arn] if t not in added[arn])
        to = tuple(t for t in added[arn] if t not in removed[arn])
        if frm and to:
            flags.moves.append(Move(refs[arn], frm, to))
    flags.duration = Duration(reconcile_calls, prune_calls, assumed_tps, window_seconds)
    return flags


def build_report(
    plan: Plan,
    *,
    desired: Source,
    against: Source,
    max_deletions: int | None,
    deployment: str = "",
    assumed_tps: float = DEFAULT_ASSUMED_TPS,
    account: str | None = None,
    region: str | None = None,
    generated_at: str = "",
    may_adopt: Iterable[str] = (),
    locations: dict[str, str] | None = None,
) -> PlanReport:
    """Combine a plan, its sources and its flags into the input of the renderers.

    Parameters
    ----------
    plan : Plan
        The engine's plan.
    desired, against : Source
        The desired spec's origin and what it is compared with.
    max_deletions : int or None
        The desired spec's deletion guard.
    deployment : str
        Ownership tag value (for messages).
    assumed_tps : float
        Call rate assumed by the duration estimate.
    account, region : str, optional
        Where bare resource names resolve (labels show other ARNs in full).
    generated_at : str
        ISO-8601 UTC timestamp printed in the JSON and Markdown footers.
    may_adopt : iterable of str
        Tenants marked ``adopt: true`` in the desired spec (see :func:`analyze`).
    locations : dict, optional
        Tenant name -> ``FILE:LINE`` where it is defined (shown next to each tenant).

    Returns
    -------
    PlanReport
    """
    flags = analyze(
        plan,
        max_deletions=max_deletions,
        assumed_tps=assumed_tps,
        account=account,
        region=region,
        may_adopt=may_adopt,
    )
    return PlanReport(
        plan=plan,
        desired=desired,
        against=against,
        flags=flags,
        deployment=deployment,
        account=account,
        region=region,
        generated_at=generated_at,
        locations=dict(locations or {}),
    )


def human_seconds(seconds: float) -> str:
    """Format seconds as ``3h 05m``, ``12m 30s`` or ``42s``."""
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s}s"


def names_list(names: list[str], limit: int = 20, quote: str = "") -> str:
    """Join names as ``a, b, c and 7 more``."""
    shown = [f"{quote}{n}{quote}" for n in names[:limit]]
    text = ", ".join(shown)
    if len(names) > limit:
        text += f" and {len(names) - limit} more"
    return text


def summary_sentence(report: PlanReport) -> str:
    """Summarize as ``2 to create, 1 to update, 1 to delete, 0 to adopt, 5 unchanged`` (``, 2 blocked`` if any).

    Blocked tenants (same-named tenants this deployment may not touch) are neither changed nor unchanged.
    """
    s = report.summary()
    blocked = f", {s['blocked']} blocked" if s["blocked"] else ""
    return (
        f"{s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['adopt']} to adopt, {s['unchanged']} unchanged{blocked}"
    )


def _capped(items: list[str], limit: int) -> tuple[str, ...]:
    """At most ``limit`` items, then ``... and N more``."""
    extra = (f"... and {len(items) - limit} more",) if len(items) > limit else ()
    return tuple(items[:limit]) + extra


@dataclass(frozen=True)
class Attention:
    """One thing a reviewer must notice (rendered as a ``!`` block in text, a GitHub alert in Markdown)."""

    level: str  # "caution" (destructive / blocking) | "warning"
    title: str
    items: tuple[str, ...] = ()
    detail: str = ""


def attention(report: PlanReport, *, limit: int = 20, quote: str = "") -> list[Attention]:
    """List the reviewer flags of a report as titled blocks, most severe first.

    Parameters
    ----------
    report : PlanReport
        The plan report.
    limit : int
        At most this many names are listed per block (``and N more`` after).
    quote : str
        Wraps names (``"`"`` for Markdown).

    Returns
    -------
    list of Attention
    """
    f = report.flags
    out: list[Attention] = []
    problems = [p for p in report.plan.problems if p.code != "deletion_guard" or not f.deletions]
    if problems:
        out.append(
            Attention(
                "caution",
                f"The deploy would fail: {len(problems)} blocking problem{'s' if len(problems) != 1 else ''}",
                _capped([p.message for p in problems], limit),
            )
        )
    if f.deletions:
        n = len(f.deletions)
        if f.max_deletions is None:
            guard = ""
        elif f.guard_blocks:
            guard = (
                f"Deletion guard: {n} deletions > settings.max_deletions = {f.max_deletions}: the deploy STOPS "
                f"before any change. Raise settings.max_deletions to {n} if this is intended."
            )
        else:
            guard = f"Deletion guard: {n} of at most {f.max_deletions} per deploy (settings.max_deletions): allowed."
        out.append(
            Attention(
                "caution",
                f"{n} tenant{'s' if n != 1 else ''} will be DELETED: {names_list(f.deletions, limit, quote)}",
                (),
                "Irreversible: the tenant id, its reputation history and its suppression list are lost; "
                "recreating the tenant does not bring them back. " + guard,
            )
        )
    if f.pauses:
        n = len(f.pauses)
        out.append(
            Attention(
                "caution",
                f"{n} tenant{'s' if n != 1 else ''} will be PAUSED (sending → DISABLED): every send is rejected",
                _capped([f"{quote}{p.tenant}{quote}: {p.old or 'ENABLED'} → {p.new}" for p in f.pauses], limit),
            )
        )
    if f.resumes:
        n = len(f.resumes)
        out.append(
            Attention(
                "warning",
                f"{n} paused tenant{'s' if n != 1 else ''} will resume sending",
                _capped([f"{quote}{p.tenant}{quote}: {p.old} → {p.new}" for p in f.resumes], limit),
            )
        )
    if f.moves:
        n = len(f.moves)
        out.append(
            Attention(
                "warning",
                f"{n} resource{'s' if n != 1 else ''} will move between tenants",
                _capped(
                    [
                        f"{quote}{m.resource.label}{quote}: {', '.join(m.from_tenants)} → {', '.join(m.to_tenants)}"
                        for m in f.moves
                    ],
                    limit,
                ),
                "Sends naming the old tenant with this resource are rejected once it is disassociated.",
            )
        )
    if f.adoptions:
        n = len(f.adoptions)
        out.append(
            Attention(
                "warning",
                f"{n} existing tenant{'s' if n != 1 else ''} will be ADOPTED: {names_list(f.adoptions, limit, quote)}",
                (),
                f"They get the tag {OWNERSHIP_TAG_KEY}={report.deployment or '<deployment>'} and are managed "
                "(and deletable) by this deployment from now on.",
            )
        )
    if f.adopt_if_exists:
        n = len(f.adopt_if_exists)
        out.append(
            Attention(
                "warning",
                f"{n} new tenant{'s' if n != 1 else ''} marked adopt: true: "
                f"{names_list(f.adopt_if_exists, limit, quote)}",
                (),
                "If a tenant of this name already exists in the account it is ADOPTED (tagged "
                f"{OWNERSHIP_TAG_KEY}={report.deployment or '<deployment>'} and then changed to match the file), "
                "otherwise created. Run `tenantctl plan --against live` to see which.",
            )
        )
    d = f.duration
    if d is not None and d.exceeds_window:
        out.append(
            Attention(
                "warning",
                f"About {d.calls} SES calls: more than CloudFormation's one-hour window at {d.assumed_tps:g} calls/s",
                (),
                f"Estimated {human_seconds(max(d.reconcile_seconds, d.prune_seconds))} "
                f"(reconcile {d.reconcile_calls} calls, prune {d.prune_calls} calls) at an assumed "
                f"{d.assumed_tps:g} calls/s; the custom resource times out after {human_seconds(d.window_seconds)}. "
                "Split the change over several deploys, or measure your account's rate and pass --assumed-tps.",
            )
        )
    return out
