"""``tenantctl status``: every tenant's sending status (customer-managed, SES-managed, aggregate), policy, impact.

Two paged list calls, whatever the number of tenants: ``ListTenants`` (names, ids, creation time) and
``ListReputationEntities`` (policy, the three statuses with their causes, reputation impact), joined on the
tenant ARN. The aggregate status is DISABLED when either the customer-managed or the SES-managed status is.

Filters (``--filter``, repeatable; a tenant is listed when it matches any):

``enabled`` / ``disabled`` / ``reinstated``
    the aggregate status;
``paused``
    customer-managed DISABLED (paused through ``sending: disabled``);
``paused-by-ses``
    SES-managed DISABLED (SES paused it; no customer-managed status overrides that);
``high-impact``
    reputation impact HIGH.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any

from ses_tenants_engine.live import list_reputation_entities, list_tenants
from ses_tenants_engine.model import policy_from_arn

from tenantctl.aws import add_aws_arguments, aws_errors, client_factory
from tenantctl.progress import progress_enabled, watch
from tenantctl.sources import add_environment_arguments, check_environment_account, environment_from_args

FORMAT_VERSION = 1
FILTERS = ("enabled", "disabled", "reinstated", "paused", "paused-by-ses", "high-impact")
COLUMNS = (
    ("tenant", "TENANT"),
    ("customer_managed_status", "CUSTOMER"),
    ("ses_managed_status", "SES"),
    ("aggregate_status", "AGGREGATE"),
    ("reputation_policy", "POLICY"),
    ("reputation_impact", "IMPACT"),
)


@dataclass(frozen=True)
class TenantStatus:
    """One tenant's status row."""

    tenant: str
    arn: str
    tenant_id: str
    created: str | None
    customer_managed_status: str | None
    ses_managed_status: str | None
    aggregate_status: str | None
    reputation_policy: str | None
    reputation_impact: str | None
    customer_cause: str | None = None
    ses_cause: str | None = None

    def matches(self, flt: str) -> bool:
        if flt in ("enabled", "disabled", "reinstated"):
            return (self.aggregate_status or "").lower() == flt
        if flt == "paused":
            return self.customer_managed_status == "DISABLED"
        if flt == "paused-by-ses":
            return self.ses_managed_status == "DISABLED"
        if flt == "high-impact":
            return self.reputation_impact == "HIGH"
        raise ValueError(flt)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``status`` subcommand."""
    p = sub.add_parser(
        "status",
        help="list tenants with their sending status (customer, SES, aggregate), policy and impact",
        description="List tenants with customer-managed, SES-managed and aggregate sending status, "
        "reputation policy and reputation impact (two paged list calls).",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument(
        "--filter",
        action="append",
        choices=FILTERS,
        default=[],
        metavar="STATUS",
        help=f"only tenants matching any of these (repeatable): {', '.join(FILTERS)}",
    )
    p.add_argument("--tenant", metavar="GLOB", help="only tenants whose name matches this glob (e.g. 'acme-*')")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.add_argument("--no-color", action="store_true", help="no ANSI colour (also: NO_COLOR set, or not a TTY)")
    add_aws_arguments(p)
    add_environment_arguments(p)
    p.set_defaults(func=run)


def _status(record: dict[str, Any] | None) -> tuple[str | None, str | None]:
    record = record or {}
    return record.get("Status"), record.get("Cause")


def join(tenants: dict[str, dict[str, Any]], entities: dict[str, dict[str, Any]]) -> list[TenantStatus]:
    """Join ``ListTenants`` and ``ListReputationEntities`` results on the tenant ARN.

    Parameters
    ----------
    tenants : dict
        Name -> TenantInfo (``ListTenants``).
    entities : dict
        Tenant ARN -> ReputationEntity (``ListReputationEntities``).

    Returns
    -------
    list of TenantStatus
        Sorted by tenant name; a tenant without a reputation entity has ``None`` statuses.
    """
    rows = []
    for name, info in sorted(tenants.items()):
        arn = info.get("TenantArn", "")
        e = entities.get(arn) or {}
        customer, customer_cause = _status(e.get("CustomerManagedStatus"))
        ses, ses_cause = _status(e.get("AwsSesManagedStatus"))
        created = info.get("CreatedTimestamp")
        rows.append(
            TenantStatus(
                tenant=name,
                arn=arn,
                tenant_id=info.get("TenantId", ""),
                created=created.isoformat() if hasattr(created, "isoformat") else created,
                customer_managed_status=customer,
                ses_managed_status=ses,
                aggregate_status=e.get("SendingStatusAggregate") or info.get("SendingStatus"),
                reputation_policy=policy_from_arn(e.get("ReputationManagementPolicy")),
                reputation_impact=e.get("ReputationImpact"),
                customer_cause=customer_cause,
                ses_cause=ses_cause,
            )
        )
    return rows


def select(rows: list[TenantStatus], filters: list[str], glob: str | None = None) -> list[TenantStatus]:
    """Keep rows matching any of ``filters`` (all rows when empty) and the name glob."""
    out = [r for r in rows if not filters or any(r.matches(f) for f in filters)]
    if glob:
        out = [r for r in out if fnmatch.fnmatchcase(r.tenant, glob)]
    return out


def counts(rows: list[TenantStatus]) -> dict[str, int]:
    """Tenants by aggregate status, plus the paused-by-customer / paused-by-SES / high-impact counts."""
    c = {"tenants": len(rows), "enabled": 0, "disabled": 0, "reinstated": 0}
    for r in rows:
        key = (r.aggregate_status or "").lower()
        if key in c:
            c[key] += 1
    c["paused"] = sum(1 for r in rows if r.matches("paused"))
    c["paused_by_ses"] = sum(1 for r in rows if r.matches("paused-by-ses"))
    c["high_impact"] = sum(1 for r in rows if r.matches("high-impact"))
    return c


def render_table(rows: list[TenantStatus], *, color: bool = False) -> str:
    """Render a fixed-width table, one tenant a line, with a count line at the end."""

    def cell(r: TenantStatus, key: str) -> str:
        return str(getattr(r, key) or "-")

    widths = {k: max([len(h)] + [len(cell(r, k)) for r in rows]) for k, h in COLUMNS}
    lines = ["  ".join(h.ljust(widths[k]) for k, h in COLUMNS).rstrip()]
    for r in rows:
        parts = []
        for k, _ in COLUMNS:
            text = cell(r, k).ljust(widths[k])
            if color and text.strip() in ("DISABLED", "HIGH"):
                text = f"\033[31m{text}\033[0m"
            elif color and text.strip() == "REINSTATED":
                text = f"\033[33m{text}\033[0m"
            parts.append(text)
        lines.append("  ".join(parts).rstrip())
    c = counts(rows)
    lines.append("")
    lines.append(
        f"{c['tenants']} tenant{'s' if c['tenants'] != 1 else ''}: {c['enabled']} enabled, "
        f"{c['disabled']} disabled, {c['reinstated']} reinstated; paused by you: {c['paused']}, "
        f"paused by SES: {c['paused_by_ses']}, high reputation impact: {c['high_impact']}"
    )
    causes = [(r.tenant, r.ses_cause) for r in rows if r.ses_managed_status == "DISABLED" and r.ses_cause]
    for name, cause in causes[:20]:
        lines.append(f"  {name}: paused by SES: {cause}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Run ``tenantctl status``."""
    from tenantctl.commands.plan import now_utc

    env = environment_from_args(args)
    factory = client_factory(args)
    with aws_errors("reading tenant status"):
        ctx = factory.context()
        check_environment_account(env, ctx.account)
        ses = factory.sesv2()
        with watch(factory.counter.total, f"listing tenants ({ctx.region})", enabled=progress_enabled(args.quiet)):
            tenants = list_tenants(ses)
            entities = list_reputation_entities(ses) if tenants else {}
    rows = select(join(tenants, entities), args.filter, args.tenant)
    if args.format == "json":
        doc = {
            "format_version": FORMAT_VERSION,
            "generated_at": now_utc(),
            "account": ctx.account,
            "region": ctx.region,
            "filters": list(args.filter),
            "counts": counts(rows),
            "tenants": [asdict(r) for r in rows],
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return 0
    if not rows:
        what = " matching " + ", ".join(args.filter) if args.filter else ""
        print(f"No tenants{what} in {ctx.account} / {ctx.region}.")
        return 0
    color = not args.no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
    sys.stdout.write(render_table(rows, color=color))
    return 0
