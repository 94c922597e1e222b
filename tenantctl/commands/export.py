"""``tenantctl export``: write the live account's tenants as a ``tenants.yaml`` (adoption / migration).

Every tenant of the account and region is read (ListTenants and ListReputationEntities paged, then
GetTenant + ListTenantResources per tenant) and written with its resources (by name when the ARN is in this
account and region, else by ARN), reputation policy, customer-managed sending status, suppression attributes
and tags (without the ownership tag). Tenants that ``--deployment`` does not own get ``adopt: true`` (and a
comment naming their current owner, if any), so the first deploy takes them over instead of failing.

``tenantctl validate`` accepts the output and ``tenantctl plan --against live`` on it shows no change except
the adoptions themselves (tagging each adopted tenant with the ownership tag): once deployed, it shows none.
The file is checked with the loader before it is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from ses_tenants_engine.client import AwsContext
from ses_tenants_engine.live import LiveTenant, list_reputation_entities, list_tenants, read_tenants
from ses_tenants_engine.model import DEFAULT_DEPLOYMENT, OWNERSHIP_TAG_KEY

from tenantctl.aws import add_aws_arguments, aws_errors, client_factory
from tenantctl.cli import CliError
from tenantctl.diagnostics import SpecInvalid
from tenantctl.progress import progress_enabled, watch
from tenantctl.sources import (
    add_environment_arguments,
    check_environment_account,
    environment_from_args,
    spec_invalid_error,
)
from tenantctl.spec import DEPLOYMENT_PATTERN

# A YAML plain scalar that every YAML 1.1/1.2 loader reads back as the same string.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.@/+-]*")
_RESERVED = frozenset(("true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf"))
_KIND_KEYS = (("EMAIL_IDENTITY", "identities"), ("CONFIGURATION_SET", "configuration_sets"),
              ("EMAIL_TEMPLATE", "templates"))  # fmt: skip
_SEGMENT_TYPES = {"identity": "EMAIL_IDENTITY", "configuration-set": "CONFIGURATION_SET", "template": "EMAIL_TEMPLATE"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = sub.add_parser(
        "export",
        help="write the live account's tenants as tenants.yaml (adoption / migration)",
        description=(
            "Read every tenant of the account/region and write it as a valid tenants.yaml. Tenants not owned "
            "by --deployment get `adopt: true`."
        ),
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.add_argument(
        "--deployment",
        metavar="NAME",
        default=None,
        help=(
            f"the deployment the file is for (value of {OWNERSHIP_TAG_KEY}; default {DEFAULT_DEPLOYMENT}, or with "
            "--env the environment's value, <deployment of its spec>-<env>)"
        ),
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_aws_arguments(p)
    add_environment_arguments(p)
    p.set_defaults(func=run)


def yaml_scalar(value: str) -> str:
    """Quote ``value`` for YAML unless it is a plain scalar every loader reads back as this same string."""
    if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED:
        return value
    return json.dumps(value, ensure_ascii=False)


def _flow_list(items: list[str]) -> str:
    return "[" + ", ".join(yaml_scalar(i) for i in items) + "]"


def resource_ref(arn: str, ctx: AwsContext) -> tuple[str, str]:
    """``(type, ref)``: the resource name when the ARN is in ``ctx``'s partition/account/region, else the ARN."""
    parts = arn.split(":", 5)
    if len(parts) == 6:
        segment, _, name = parts[5].partition("/")
        rtype = _SEGMENT_TYPES.get(segment, "")
        if (parts[1], parts[3], parts[4]) == (ctx.partition, ctx.region, ctx.account) and name:
            return rtype, name
        return rtype, arn
    return "", arn


def tenant_yaml(t: LiveTenant, ctx: AwsContext, deployment: str) -> list[str]:
    """Write one live tenant as YAML lines (a list item); defaults (standard, enabled, no suppression) are omitted."""
    lines = []
    owner = t.owner
    if owner != deployment:
        held = f"managed by deployment {owner!r}" if owner else "not managed by any ses-tenants deployment"
        lines.append(f"  # {held}: adopt: true takes it over on the next deploy")
    if t.ses_status == "DISABLED":
        lines.append("  # paused by SES (SES-managed status DISABLED): it cannot send, whatever `sending:` says")
    lines.append(f"  - name: {yaml_scalar(t.name)}")
    if t.policy and t.policy != "standard":
        lines.append(f"    reputation_policy: {t.policy}")
    status = (t.customer_status or "ENABLED").lower()
    if status != "enabled":
        lines.append(f"    sending: {status}")
    if t.suppression is not None and t.suppression.scope:
        lines.append("    suppression:")
        lines.append(f"      scope: {t.suppression.scope.lower()}")
        lines.append(f"      reasons: {_flow_list([r.lower() for r in t.suppression.reasons])}")
    # The ownership tag is the deployment's, and aws:-prefixed tags are reserved (set by AWS services, never
    # written by a spec): neither belongs in tenants.yaml.
    tags = {k: v for k, v in sorted(t.tags.items()) if k != OWNERSHIP_TAG_KEY and not k.lower().startswith("aws:")}
    if tags:
        lines.append("    tags:")
        lines.extend(f"      {yaml_scalar(k)}: {yaml_scalar(v)}" for k, v in tags.items())
    by_kind: dict[str, list[str]] = {}
    for arn, rtype in sorted(t.resources.items()):
        kind, ref = resource_ref(arn, ctx)
        by_kind.setdefault(rtype or kind, []).append(ref)
    if by_kind:
        lines.append("    resources:")
        for rtype, key in _KIND_KEYS:
            if by_kind.get(rtype):
                lines.append(f"      {key}: {_flow_list(sorted(by_kind[rtype]))}")
    if owner != deployment:
        lines.append("    adopt: true")
    return lines


def export_yaml(
    tenants: list[LiveTenant], ctx: AwsContext, deployment: str, generated_at: str, file_deployment: str | None = None
) -> str:
    """Render live tenants as a complete ``tenants.yaml``.

    Parameters
    ----------
    tenants : list of LiveTenant
        Fully read tenants (details included).
    ctx : AwsContext
        The account/region they were read from (resources there are written by name).
    deployment : str
        The deployment the file is for.
    generated_at : str
        Timestamp for the header comment.
    file_deployment : str, optional
        The ``deployment:`` written to the file when it differs from the ownership value ``deployment`` (an
        environment owns tenants as ``<file deployment>-<env>``); default ``deployment``.

    Returns
    -------
    str
    """
    owned = sum(1 for t in tenants if t.owner == deployment)
    head = [
        "# yaml-language-server: $schema=./tenants.schema.json",
        f"# Exported by `tenantctl export` from account {ctx.account}, region {ctx.region}, at {generated_at}.",
        f"# {len(tenants)} tenants: {owned} owned by deployment {deployment!r}, "
        f"{len(tenants) - owned} to adopt (adopt: true).",
        "# Review it, then: tenantctl validate && tenantctl plan --against live",
        "version: 1",
        f"deployment: {yaml_scalar(file_deployment or deployment)}",
        "",
    ]
    if not tenants:
        return "\n".join([*head, "tenants: []", ""])
    body = ["tenants:"]
    for t in sorted(tenants, key=lambda x: x.name):
        body.extend(tenant_yaml(t, ctx, deployment))
    return "\n".join([*head, *body, ""])


def read_account(factory: Any, *, quiet: bool = False, env: Any = None) -> tuple[list[LiveTenant], AwsContext]:
    """Read every tenant of the account/region in full (paged lists, parallel per-tenant reads)."""
    with aws_errors("reading the live account"):
        ctx = factory.context()
        check_environment_account(env, ctx.account)
        ses = factory.sesv2()
        with watch(factory.counter.total, f"reading tenants ({ctx.region})", enabled=progress_enabled(quiet)):
            names = list(list_tenants(ses))
            reputation = list_reputation_entities(ses) if names else {}
            live = read_tenants(
                ses, names, wants_details=lambda _t: True, concurrency=factory.concurrency, reputation=reputation
            )
    return [t for t in live.values() if t is not None], ctx


def _spec_deployment(env: Any) -> str:
    """Return the ``deployment:`` of an environment's spec (the base of its ownership value)."""
    from tenantctl.loader import load_spec

    try:
        return load_spec(env.spec_path).spec.deployment
    except SpecInvalid as exc:
        raise spec_invalid_error(exc, env.display_path) from None


def run(args: argparse.Namespace) -> int:
    """Run ``tenantctl export``."""
    from tenantctl.commands.plan import now_utc
    from tenantctl.loader import load_spec_text

    env = environment_from_args(args)
    file_deployment = None
    if args.deployment is None and env is not None:
        file_deployment = _spec_deployment(env)
        args.deployment = env.deployment(file_deployment)
    args.deployment = args.deployment or DEFAULT_DEPLOYMENT
    if not re.fullmatch(DEPLOYMENT_PATTERN, args.deployment or ""):
        raise CliError(
            f"--deployment {args.deployment!r}: 1-63 letters, digits and '-', starting with a letter "
            "and not ending with '-'"
        )
    out_path = Path(args.output) if args.output else None
    if out_path is not None and out_path.exists() and not args.force:
        raise CliError(f"{out_path} exists; pass --force to overwrite it")
    tenants, ctx = read_account(client_factory(args), quiet=args.quiet, env=env)
    text = export_yaml(tenants, ctx, args.deployment, now_utc(), file_deployment)
    label = str(out_path) if out_path else "<export>"
    try:
        load_spec_text(text, label)
    except SpecInvalid as exc:  # a bug in export: say so plainly rather than write a file validate rejects
        raise CliError(f"export produced an invalid file (please report this): {exc}") from None
    if out_path is None:
        sys.stdout.write(text)
    else:
        try:
            out_path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {out_path}: {exc.strerror or exc}") from exc
        adopt = sum(1 for t in tenants if t.owner != args.deployment)
        print(f"wrote {len(tenants)} tenants to {out_path} ({adopt} with adopt: true)", file=sys.stderr)
    return 0
