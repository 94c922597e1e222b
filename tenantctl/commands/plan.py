"""``tenantctl plan [FILE] --against SRC``: the reviewer's tenant-level view of a change.

SRC is a git ref (``origin/main``), another spec file or directory, ``empty``, or ``live`` (the account,
read-only). File-versus-file and git plans need no AWS access: the old spec is turned into the live state
its deploy leaves behind and the engine's own planner diffs it (:mod:`ses_tenants_engine.specdiff`).

Exit codes: 0 success (no change, or changes without ``--detailed-exitcode``); 2 changes present with
``--detailed-exitcode``; 1 error -- an invalid spec, an unknown ref, an unreachable endpoint, or a plan
the deploy would refuse (an existing tenant not owned and not adopted, the deletion guard). The plan is
still printed in the last case, so reviewers see why.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
from pathlib import Path
from typing import Any

from ses_tenants_engine.model import Spec
from ses_tenants_engine.specdiff import infer_context, plan_specs

from tenantctl.aws import add_aws_arguments, aws_errors, client_factory
from tenantctl.cli import CliError
from tenantctl.diagnostics import SpecInvalid
from tenantctl.progress import progress_enabled, watch
from tenantctl.render import FORMATS, PlanReport, Source, build_report, render
from tenantctl.render.grouped import EnvironmentPlan, render_grouped
from tenantctl.render.report import DEFAULT_ASSUMED_TPS
from tenantctl.sources import (
    EMPTY,
    LoadedSpec,
    NotAtRef,
    add_environment_arguments,
    check_environment_account,
    configured_environments,
    environment_from_args,
    environment_spec_of,
    load_path,
    print_diagnostics,
    resolve_against,
    spec_invalid_error,
)

DEFAULT_FILE = "tenants.yaml"
EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plan`` subcommand."""
    p = sub.add_parser(
        "plan",
        help="show what deploying FILE would change, against a git ref, a file, or the live account",
        description=(
            "Plan the change from SRC to FILE at tenant level: + create, ~ update, - delete, & adopt. "
            "SRC is a git ref (origin/main, REF:PATH), another spec file or directory, `empty`, or `live`."
        ),
    )
    p.add_argument(
        "file", nargs="?", default=None, metavar="FILE", help=f"spec file or directory (default: ./{DEFAULT_FILE})"
    )
    p.add_argument(
        "--against",
        required=True,
        metavar="SRC",
        help="git ref (origin/main), REF:PATH, file/dir, `empty` or `live`",
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 when there is no change, 2 when there are changes, 1 on error",
    )
    p.add_argument("-o", "--output", metavar="PATH", help="write the plan to PATH instead of standard output")
    p.add_argument(
        "--assumed-tps",
        type=float,
        default=None,
        metavar="N",
        help=(
            "SES calls per second assumed when estimating whether the deploy fits CloudFormation's one-hour "
            f"window (default {DEFAULT_ASSUMED_TPS:g}, or TENANTCTL_ASSUMED_TPS)"
        ),
    )
    p.add_argument("--strict", action="store_true", help="treat spec warnings as errors")
    p.add_argument("--no-color", action="store_true", help="no ANSI colour (also: NO_COLOR set, or not a TTY)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_aws_arguments(p)
    add_environment_arguments(p, all_envs=True)
    p.set_defaults(func=run)


def now_utc() -> str:
    """Return the current UTC time, or ``SOURCE_DATE_EPOCH`` when set, as ``YYYY-MM-DDTHH:MM:SSZ``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC) if epoch and epoch.isdigit() else _dt.datetime.now(_dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def assumed_tps(value: float | None) -> float:
    """Resolve ``--assumed-tps`` / ``TENANTCTL_ASSUMED_TPS`` / the default; must be positive."""
    if value is None:
        env = os.environ.get("TENANTCTL_ASSUMED_TPS")
        try:
            value = float(env) if env else DEFAULT_ASSUMED_TPS
        except ValueError as exc:
            raise CliError(f"TENANTCTL_ASSUMED_TPS={env!r} is not a number") from exc
    if not value > 0:
        raise CliError(f"--assumed-tps must be a positive number of calls per second, not {value:g}")
    return value


def use_color(args: argparse.Namespace, stream: Any) -> bool:
    """Colour only for text on a terminal, never with ``--no-color`` or ``NO_COLOR``."""
    if args.format != "text" or args.no_color or args.output or os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def load_desired(path: str, *, strict: bool) -> LoadedSpec:
    """Load FILE, printing warnings; an invalid spec becomes a one-line :class:`CliError`."""
    try:
        loaded = load_path(path, strict=strict)
    except SpecInvalid as exc:
        raise spec_invalid_error(exc, path) from None
    print_diagnostics(loaded.warnings)
    return loaded


def make_report(args: argparse.Namespace, env: Any = None, *, missing_at_ref_is_empty: bool = False) -> PlanReport:
    """Load both sides, plan, and build the report (no rendering).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``plan`` arguments (``file`` and ``region`` already resolved).
    env : tenantctl.environments.Environment, optional
        The environment planned: both sides get its ownership tag value and deletion guard, bare resource names
        resolve in its account and region, and a live plan must read that account.
    missing_at_ref_is_empty : bool
        A spec that does not exist at the ``--against`` git ref is planned against ``empty`` (an environment a
        pull request adds) instead of failing.
    """
    tps = assumed_tps(args.assumed_tps)
    desired = environment_spec_of(env, load_desired(args.file, strict=args.strict))
    spec = desired.spec
    assert spec is not None
    try:
        # The other side was accepted when it was written: its warnings are not this change's business.
        against = resolve_against(args.against, args.file, strict=False)
    except SpecInvalid as exc:
        raise spec_invalid_error(exc, f"--against {args.against}") from None
    except NotAtRef:
        if not missing_at_ref_is_empty:
            raise
        against = resolve_against(EMPTY, args.file)
        against.source = Source(EMPTY, f"empty (no {args.file} at {args.against})")
    against = environment_spec_of(env, against)

    if against.is_live:
        plan, ctx, label = _plan_live(args, spec, env)
        against_source = Source("live", label)
    else:
        old: Spec | None = against.spec
        ctx = infer_context(
            [s for s in (old, spec) if s is not None],
            region=args.region,
            account=env.account if env is not None else None,
        )
        plan = plan_specs(old, spec, ctx)
        against_source = against.source
    return build_report(
        plan,
        desired=desired.source,
        against=against_source,
        max_deletions=spec.settings.max_deletions,
        deployment=spec.deployment,
        assumed_tps=tps,
        account=ctx.account,
        region=ctx.region,
        generated_at=now_utc(),
        may_adopt=[t.name for t in spec.tenants if t.adopt],
        # Where each tenant is written: the desired file, or (for deletions) the file it is removed from.
        locations={**against.locations, **desired.locations},
    )


def _plan_live(args: argparse.Namespace, spec: Spec, env: Any = None) -> tuple[Any, Any, str]:
    from ses_tenants_engine.reconcile import compute_plan

    factory = client_factory(args)
    with aws_errors("reading the live account"):
        ctx = factory.context()
        check_environment_account(env, ctx.account)
        with watch(
            factory.counter.total,
            f"reading tenants ({ctx.region})",
            enabled=progress_enabled(args.quiet),
        ):
            plan = compute_plan(factory, spec, mode="all", drift=True, ctx=ctx)
    return plan, ctx, f"live ({ctx.account}, {ctx.region})"


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def run_all_envs(args: argparse.Namespace) -> int:
    """Plan every configured environment (its own spec, account and region) and render them grouped."""
    if args.env:
        raise CliError("--env and --all-envs cannot be combined")
    if args.file is not None:
        raise CliError("--all-envs plans each environment's own spec: do not pass FILE")
    if args.region:
        raise CliError("--all-envs uses each environment's own region: do not pass --region")
    plans: list[EnvironmentPlan] = []
    for env in configured_environments(args):
        sub = argparse.Namespace(**vars(args))
        sub.file, sub.region, sub.env = env.display_path, env.region, env.name
        plan = EnvironmentPlan(env.name, env.account, env.region, env.display_path)
        try:
            if not Path(sub.file).exists():
                raise CliError(f"{sub.file}: no such file or directory")
            plan.report = make_report(sub, env, missing_at_ref_is_empty=True)
        except CliError as exc:
            plan.error = str(exc)
        plans.append(plan)
    _write(args, render_grouped(plans, args.format, color=use_color(args, sys.stdout)))
    failed = [p for p in plans if p.result in ("error", "blocked")]
    if failed:
        for p in failed:
            reason = p.error if p.error else f"the deploy would fail: {p.report.plan.problems[0].message}"
            print(f"tenantctl: environment {p.name}: {reason}", file=sys.stderr)
        return EXIT_ERROR
    if args.detailed_exitcode and any(p.result == "changes" for p in plans):
        return EXIT_CHANGES
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run ``tenantctl plan``; see the module docstring for the exit codes."""
    if args.all_envs:
        return run_all_envs(args)
    env = environment_from_args(args, default_file=DEFAULT_FILE)
    if not Path(args.file).exists():
        raise CliError(f"{args.file}: no such file or directory (pass the spec file or directory as FILE)")
    report = make_report(args, env)
    _write(args, render(report, args.format, color=use_color(args, sys.stdout)))
    problems = report.plan.problems
    if problems:
        n = len(problems)
        print(
            f"tenantctl: the deploy would fail: {n} blocking problem{'s' if n != 1 else ''}: {problems[0].message}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if args.detailed_exitcode and report.has_changes:
        return EXIT_CHANGES
    return EXIT_OK
