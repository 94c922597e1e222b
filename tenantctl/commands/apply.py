"""``tenantctl apply [FILE]``: converge the live account to FILE directly (local runs, break-glass).

It reads the live account, prints the plan, asks for confirmation (``--yes`` skips it; without a terminal
and without ``--yes`` it refuses), then runs the same engine as the custom resource: creates/updates/
adoptions first, deletions (the prune step) only after all of them succeeded.

By default every tenant of the account is read (there is no record of what was applied before). With
``--since SRC`` (a git ref or file holding the previously applied spec) only the tenants whose desired state
changed are read and planned, as the Lambda does on an Update; ``--drift`` forces the full read anyway.

Throttling and transient faults: botocore retries each call (adaptive mode, see
:mod:`ses_tenants_engine.client`); a read that still fails is attempted again with backoff; a tenant whose
writes still fail is left *pending* and, after a pause, re-read, re-planned and applied again in another
round (``--max-rounds``, ``--timeout``). Whatever happens once writing has started, the command ends with the
``Applied:`` summary of what was done, which tenants failed and which are still pending.

Exit codes: 0 converged (or nothing to do, or declined at the prompt), 1 error -- invalid spec, unreachable
endpoint, a live read that kept failing (nothing written), a plan the engine refuses (unowned tenant, deletion
guard, missing resource), failed tenants, or tenants still pending when the rounds or the time ran out.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from typing import Any

from ses_tenants_engine.applier import DONE, PENDING
from ses_tenants_engine.client import AwsContext
from ses_tenants_engine.model import Spec
from ses_tenants_engine.plan_types import Plan, TenantChange
from ses_tenants_engine.reconcile import ReadFailed, Result, compute_plan, converge

from tenantctl.aws import add_aws_arguments, aws_errors, client_factory
from tenantctl.cli import CliError
from tenantctl.commands.plan import load_desired
from tenantctl.diagnostics import SpecInvalid
from tenantctl.progress import Progress, progress_enabled, watch
from tenantctl.sources import LoadedSpec, resolve_against, spec_invalid_error

DEFAULT_FILE = "tenants.yaml"
MAX_LISTED = 50  # tenants listed individually in the result; the rest are counted
DEFAULT_MAX_ROUNDS = 8  # rounds of re-reading and re-applying pending tenants (pauses 1 s, 2 s, 4 s ... 30 s)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``apply`` subcommand."""
    p = sub.add_parser(
        "apply",
        help="converge the live account to FILE now (shows the plan and asks first)",
        description=(
            "Read the live account, show the plan, ask for confirmation, and apply it with the same engine as "
            "the CloudFormation custom resource (deletions last, after everything else succeeded)."
        ),
    )
    p.add_argument("file", nargs="?", default=DEFAULT_FILE, metavar="FILE", help="spec file or directory")
    p.add_argument("-y", "--yes", action="store_true", help="apply without asking")
    p.add_argument(
        "--since",
        metavar="SRC",
        help="previously applied spec (git ref or file): read and plan only the tenants that changed since",
    )
    p.add_argument("--drift", action="store_true", help="read every tenant even with --since (repairs drift)")
    p.add_argument(
        "--concurrency", type=int, default=None, metavar="N", help="tenants worked on in parallel (default 16)"
    )
    p.add_argument(
        "--max-rounds",
        type=int,
        default=DEFAULT_MAX_ROUNDS,
        metavar="N",
        help=f"rounds of re-reading and re-applying tenants left pending by transient errors (default "
        f"{DEFAULT_MAX_ROUNDS})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="start no new tenant work after this many seconds of applying; the rest is reported as pending",
    )
    p.add_argument("--strict", action="store_true", help="treat spec warnings as errors")
    p.add_argument("--no-color", action="store_true", help="no ANSI colour")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_aws_arguments(p)
    p.set_defaults(func=run)


def _old_spec(args: argparse.Namespace) -> Spec | None:
    if not args.since:
        return None
    try:
        against = resolve_against(args.since, args.file, strict=False)
    except SpecInvalid as exc:
        raise spec_invalid_error(exc, f"--since {args.since}") from None
    if against.is_live:
        return None
    return against.spec


def print_plan(plan: Plan, loaded: LoadedSpec, ctx: AwsContext, *, color: bool = False, stream: Any = None) -> None:
    """Print the plan (the one place the apply command renders a plan; the plan renderers do the work).

    Parameters
    ----------
    plan : Plan
        The plan about to be applied.
    loaded : LoadedSpec
        The desired spec and where it came from.
    ctx : AwsContext
        The account and region the plan is for.
    color : bool
        ANSI colour.
    stream : file, optional
        Standard output by default.
    """
    out = stream if stream is not None else sys.stdout
    spec = loaded.spec
    assert spec is not None
    try:
        from tenantctl.render import Source, build_report, render
    except ImportError:  # pragma: no cover - the renderers ship with tenantctl
        out.write(_plain_plan(plan))
        return
    report = build_report(
        plan,
        desired=loaded.source,
        against=Source("live", f"live ({ctx.account}, {ctx.region})"),
        max_deletions=spec.settings.max_deletions,
        deployment=spec.deployment,
        account=ctx.account,
        region=ctx.region,
        may_adopt=[t.name for t in spec.tenants if t.adopt],
        locations=loaded.locations,
    )
    out.write(render(report, "text", color=color))
    out.flush()


def _plain_plan(plan: Plan) -> str:
    lines = []
    for c in plan.changes:
        lines.append(f"{c.action} {c.tenant}")
        lines.extend(f"    {op.kind} {op.old!r} -> {op.new!r}" for op in c.ops)
    lines.extend(f"problem: {p.message}" for p in plan.problems)
    return "\n".join(lines) + "\n"


def confirm(plan: Plan, ctx: AwsContext, *, stdin: Any = None, stream: Any = None) -> bool:
    """Ask before writing; refuse without a terminal.

    Raises
    ------
    CliError
        When standard input is not a terminal (pass ``--yes`` in scripts).
    """
    stdin = stdin if stdin is not None else sys.stdin
    out = stream if stream is not None else sys.stdout
    try:
        interactive = bool(stdin.isatty())
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        raise CliError("not applying: confirmation needed but standard input is not a terminal; pass --yes to apply")
    s = plan.summary()
    out.write(
        f"\nApply to account {ctx.account} in {ctx.region}: {s['create']} to create, {s['update']} to update, "
        f"{s['adopt']} to adopt, {s['delete']} to delete ({plan.op_count} calls)?\n"
        "Only 'yes' is accepted: "
    )
    out.flush()
    answer = stdin.readline()
    return answer.strip().lower() == "yes"


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s"


def _causes(messages: dict[str, str], limit: int = 3) -> str:
    """Summarize pending reasons: ``ServiceUnavailable (12), TooManyRequestsException (3)``."""
    kinds: Counter[str] = Counter()
    for m in messages.values():
        # "associate failed: ServiceUnavailable: ..." / "re-reading failed: GetTenant failed: Throttling: ..."
        code = next((part for part in m.split(": ") if part and " " not in part), None)
        kinds[code or ("time limit" if "time budget" in m else "other")] += 1
    shown = [f"{k} ({n})" for k, n in kinds.most_common(limit)]
    more = f" and {len(kinds) - limit} other reasons" if len(kinds) > limit else ""
    return ", ".join(shown) + more


def print_result(result: Result, stream: Any = None, *, elapsed: float | None = None) -> None:
    """Print what the apply did: counts, then every failed or unfinished tenant (capped), then why it stopped.

    Parameters
    ----------
    result : Result
        The engine's result.
    stream : file, optional
        Standard output by default.
    elapsed : float, optional
        Seconds the apply took (shown with the rounds).
    """
    out = stream if stream is not None else sys.stdout
    c = result.counts()
    took = f" in {_duration(elapsed)}" if elapsed is not None else ""
    rounds = f"{result.rounds} round{'s' if result.rounds != 1 else ''}{took}"
    out.write(
        f"\nApplied: {c['Created']} created, {c['Updated']} updated, {c['Adopted']} adopted, {c['Deleted']} deleted; "
        f"{c['Operations']} operations, {sum(result.calls.values())} API calls; {rounds}.\n"
    )
    if result.failure:
        out.write(f"error: {result.failure}\n")
    for p in result.problems:
        out.write(f"error: {p.message}\n")
    if result.applied.quota_error:
        out.write(f"error: {result.applied.quota_error}\n")
    for title, items in (("failed", result.applied.errors), ("not finished", result.applied.pending)):
        names = sorted(items)
        for name in names[:MAX_LISTED]:
            out.write(f"{title}: tenant {name}: {items[name]}\n")
        if len(names) > MAX_LISTED:
            out.write(f"{title}: ... and {len(names) - MAX_LISTED} more tenants\n")
    pending = result.applied.pending
    if pending:
        n = len(pending)
        waiting = sum(1 for m in pending.values() if m.startswith("waiting for"))
        transient = {k: m for k, m in pending.items() if not m.startswith("waiting for")}
        out.write(f"Pending: {n} tenant{'s' if n != 1 else ''} not finished")
        if transient:
            out.write(f", {len(transient)} after transient errors ({_causes(transient)})")
        if waiting:
            out.write(f", {waiting} deletion{'s' if waiting != 1 else ''} waiting for the other changes")
        out.write(
            ". Nothing is left half-done that a new run cannot finish: run `tenantctl apply` again "
            "(it re-reads the account and plans only what is missing).\n"
        )
    out.flush()


def run(args: argparse.Namespace) -> int:
    """Run ``tenantctl apply``; see the module docstring for the exit codes."""
    loaded = load_desired(args.file, strict=args.strict)
    spec = loaded.spec
    assert spec is not None
    old = _old_spec(args)
    factory = client_factory(args)
    if args.concurrency is not None:
        if args.concurrency < 1:
            raise CliError("--concurrency must be at least 1")
        factory.concurrency = args.concurrency
    if args.max_rounds < 1:
        raise CliError("--max-rounds must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        raise CliError("--timeout must be a positive number of seconds")
    show = progress_enabled(args.quiet)
    with aws_errors("reading the live account"):
        ctx = factory.context()
        with watch(factory.counter.total, f"reading tenants ({ctx.region})", enabled=show):
            try:
                plan = compute_plan(factory, spec, mode="all", old_spec=old, drift=args.drift, ctx=ctx)
            except ReadFailed as exc:
                raise CliError(f"reading the live account: {exc}; nothing was changed, run apply again") from None
    color = not args.no_color and _isatty(sys.stdout)
    print_plan(plan, loaded, ctx, color=color)
    if plan.problems:
        n = len(plan.problems)
        raise CliError(f"not applying: {n} blocking problem{'s' if n != 1 else ''}: {plan.problems[0].message}")
    if plan.empty:
        print("Nothing to do: the account matches the spec.")
        return 0
    if not args.yes and not confirm(plan, ctx):
        print("Not applied.")
        return 0

    bar = Progress(len([c for c in plan.changes if c.ops]), "applying", enabled=show)
    lock = threading.Lock()

    def progress(change: TenantChange, outcome: str, message: str | None) -> None:
        # A pending tenant is retried in a later round: it is counted when it is done (or failed).
        with lock:
            if outcome == PENDING:
                bar.advance(0, note=f"{change.tenant}: pending")
            else:
                bar.advance(note="" if outcome == DONE else f"{change.tenant}: {outcome}")

    started = time.monotonic()
    deadline = started + args.timeout if args.timeout is not None else None
    with aws_errors("applying"), bar:
        try:
            result = converge(
                factory,
                spec,
                mode="all",
                old_spec=old,
                drift=args.drift,
                plan=plan,
                progress=progress,
                ctx=ctx,
                deadline=deadline,
                max_rounds=args.max_rounds,
            )
        except ReadFailed as exc:  # pre-flight checks only: raised before any write
            raise CliError(f"{exc}; nothing was changed, run apply again") from None
    print_result(result, elapsed=time.monotonic() - started)
    if not result.complete:
        if result.ok:
            why = f"{args.max_rounds} rounds" if result.rounds >= args.max_rounds else "the time limit"
            raise CliError(
                f"gave up after {why}: {result.pending} tenant{'s' if result.pending != 1 else ''} not finished "
                "(see the summary above); run apply again to finish"
            )
        raise CliError("the account does not match the spec yet; fix the errors above and run apply again")
    print("The account matches the spec.")
    return 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
