"""``tenantctl verify [FILE]``: prove after a deploy that every tenant is what FILE says and can really send.

For each tenant of FILE (or, with ``--changed-from REF``, each tenant the change from REF to FILE touched,
found with the engine's own spec diff) the live account is read -- ``GetTenant``, ``GetReputationEntity``
and ``ListTenantResources`` (paged) -- and checked (see :mod:`tenantctl.verify`): it exists and is owned by
the deployment, every declared association is there, the reputation policy and customer-managed status match,
and the aggregate status allows sending when ``sending:`` says it should (a tenant SES paused is named, with
the cause). Tenants the change removed must be gone.

``--send-test`` also sends ONE message per tenant through ``SendEmail`` with ``TenantName``, from one of its
identities and through its configuration set, to the SES mailbox simulator
(``success@simulator.amazonses.com``: delivered, no effect on reputation). A tenant declared
``sending: disabled`` passes when SES rejects the message. The same calls work against the local endpoint and
a real account.

Exit codes: 0 every tenant passed; 1 a tenant failed (the reason per tenant is printed) or an error (invalid
spec, unknown ref, unreachable endpoint, missing credentials), as one line without a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from ses_tenants_engine.live import LiveTenant, read_tenants
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Spec
from ses_tenants_engine.reconcile import BULK_REPUTATION_THRESHOLD, _bulk_reputation

from tenantctl.aws import add_aws_arguments, aws_errors, client_factory
from tenantctl.cli import CliError
from tenantctl.commands.apply import _isatty
from tenantctl.commands.plan import load_desired, now_utc
from tenantctl.diagnostics import SpecInvalid
from tenantctl.progress import Progress, progress_enabled, watch
from tenantctl.sources import (
    add_environment_arguments,
    check_environment_account,
    environment_from_args,
    environment_spec_of,
    resolve_against,
    spec_invalid_error,
)
from tenantctl.verify import (
    EXPECT_DELETED,
    SendOutcome,
    SendProbe,
    TenantResult,
    VerifyReport,
    check_deleted,
    check_tenant,
    judge_send,
    no_probe_check,
    render_text,
    send_probe,
    should_send_test,
    touched_tenants,
)

DEFAULT_FILE = "tenants.yaml"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``verify`` subcommand."""
    p = sub.add_parser(
        "verify",
        help="check after a deploy that every tenant matches FILE and can send (--send-test sends one message)",
        description=(
            "Check each tenant of FILE against the live account: exists and owned, declared associations present, "
            "reputation policy and customer-managed status as declared, aggregate status allows sending. "
            "--send-test sends one message per tenant (SendEmail with TenantName) to the SES mailbox simulator."
        ),
    )
    p.add_argument(
        "file", nargs="?", default=None, metavar="FILE", help=f"spec file or directory (default: ./{DEFAULT_FILE})"
    )
    p.add_argument(
        "--changed-from",
        metavar="REF",
        help="only the tenants the change from REF (git ref, REF:PATH, file, or `empty`) to FILE touched",
    )
    p.add_argument(
        "--send-test",
        action="store_true",
        help="send one message per tenant with TenantName to success@simulator.amazonses.com",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument(
        "--deployment",
        metavar="NAME",
        default=None,
        help=(
            f"expected value of the {OWNERSHIP_TAG_KEY} tag (default: `deployment:` of FILE; "
            "with --env, the environment's value, <deployment>-<env>)"
        ),
    )
    p.add_argument("--no-color", action="store_true", help="no ANSI colour (also: NO_COLOR set, or not a TTY)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_aws_arguments(p)
    add_environment_arguments(p)
    p.set_defaults(func=run)


def _old_spec(ref: str, path: str, env: Any = None) -> Spec | None:
    try:
        against = resolve_against(ref, path, strict=False)
    except SpecInvalid as exc:
        raise spec_invalid_error(exc, f"--changed-from {ref}") from None
    if against.is_live:
        raise CliError("--changed-from takes a git ref, REF:PATH, a file or `empty`, not `live`")
    return environment_spec_of(env, against).spec


def read_live(
    ses: Any, names: list[str], removed: list[str], deployment: str, *, concurrency: int, bulk: bool
) -> dict[str, LiveTenant | None]:
    """Read the tenants to verify: details (reputation, associations) for declared tenants the deployment owns.

    Parameters
    ----------
    ses
        SES v2 client.
    names, removed : list of str
        Declared tenants to check; tenants the change removed (``GetTenant`` only).
    deployment : str
        Ownership tag value.
    concurrency : int
        Parallel reads.
    bulk : bool
        Read every reputation entity with one paged ``ListReputationEntities`` instead of one
        ``GetReputationEntity`` per tenant (falls back to those when the list call is not allowed).

    Returns
    -------
    dict
        Name -> :class:`LiveTenant` or ``None`` (absent).
    """
    declared = set(names)
    reputation = _bulk_reputation(ses) if bulk else None  # None when not allowed: per-tenant reads
    return read_tenants(
        ses,
        [*names, *removed],
        wants_details=lambda t: t.name in declared and t.owner == deployment,
        concurrency=concurrency,
        reputation=reputation,
    )


def send(ses: Any, probe: SendProbe) -> SendOutcome:
    """Send a probe's message; an SES error answer becomes the outcome (connection errors propagate)."""
    try:
        response = ses.send_email(**probe.request())
    except ClientError as exc:
        err = exc.response.get("Error", {})
        return SendOutcome(error_code=err.get("Code") or "Error", error_message=err.get("Message") or str(exc))
    return SendOutcome(message_id=response.get("MessageId") or "")


def _send_tests(
    ses: Any, results: list[TenantResult], spec: Spec, *, concurrency: int, show: bool
) -> list[TenantResult]:
    by_name = spec.by_name()
    probes: dict[str, SendProbe] = {}
    out: list[TenantResult] = []
    for r in results:
        if r.expected == EXPECT_DELETED or not should_send_test(r.checks):
            continue
        probe = send_probe(by_name[r.tenant])
        if probe is not None:
            probes[r.tenant] = probe
    outcomes: dict[str, SendOutcome] = {}
    if probes:
        bar = Progress(len(probes), "sending test messages", enabled=show)
        with bar, ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(probes)))) as pool:

            def one(item: tuple[str, SendProbe]) -> tuple[str, SendOutcome]:
                outcome = send(ses, item[1])
                bar.advance()
                return item[0], outcome

            outcomes = dict(pool.map(one, probes.items()))
    for r in results:
        probe = probes.get(r.tenant)
        if probe is not None:
            outcome = outcomes[r.tenant]
            r = TenantResult(r.tenant, r.expected, (*r.checks, judge_send(probe, outcome)), r.location, probe, outcome)
        elif r.expected != EXPECT_DELETED and should_send_test(r.checks):
            r = TenantResult(r.tenant, r.expected, (*r.checks, no_probe_check(by_name[r.tenant])), r.location)
        out.append(r)
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``tenantctl verify``; see the module docstring for the exit codes."""
    env = environment_from_args(args, default_file=DEFAULT_FILE)
    if not Path(args.file).exists():
        raise CliError(f"{args.file}: no such file or directory (pass the spec file or directory as FILE)")
    loaded = environment_spec_of(env, load_desired(args.file, strict=False))
    spec = loaded.spec
    assert spec is not None
    deployment = args.deployment or spec.deployment
    if args.changed_from is not None:
        names, removed = touched_tenants(_old_spec(args.changed_from, args.file, env), spec)
    else:
        names, removed = [t.name for t in spec.tenants], []

    factory = client_factory(args)
    show = progress_enabled(args.quiet)
    with aws_errors("reading the tenants"):
        ctx = factory.context()
        check_environment_account(env, ctx.account)
        ses = factory.sesv2()
        live: dict[str, LiveTenant | None] = {}
        if names or removed:
            bulk = args.changed_from is None and len(names) >= BULK_REPUTATION_THRESHOLD
            with watch(factory.counter.total, f"reading tenants ({ctx.region})", enabled=show):
                live = read_live(ses, names, removed, deployment, concurrency=factory.concurrency, bulk=bulk)
    by_name = spec.by_name()
    results = [
        TenantResult(n, checks=tuple(check_tenant(by_name[n], live.get(n), ctx, deployment)),
                     location=loaded.locations.get(n))
        for n in names
    ]  # fmt: skip
    results += [TenantResult(n, EXPECT_DELETED, tuple(check_deleted(n, live.get(n), deployment))) for n in removed]
    if args.send_test:
        with aws_errors("sending the test messages"):
            results = _send_tests(ses, results, spec, concurrency=factory.concurrency, show=show)

    report = VerifyReport(
        results=results,
        account=ctx.account,
        region=ctx.region,
        deployment=deployment,
        spec=loaded.source.label,
        changed_from=args.changed_from,
        send_test=bool(args.send_test),
        generated_at=now_utc(),
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        color = not args.no_color and not os.environ.get("NO_COLOR") and _isatty(sys.stdout)
        sys.stdout.write(render_text(report, color=color))
    sys.stdout.flush()
    if not report.ok:
        failed = [r.tenant for r in results if not r.ok]
        names = ", ".join(failed[:10]) + (f" and {len(failed) - 10} more" if len(failed) > 10 else "")
        raise CliError(
            f"verify failed: {len(failed)} of {len(results)} tenant{'s' if len(results) != 1 else ''} failed: "
            f"{names} (reasons above)"
        )
    return 0
