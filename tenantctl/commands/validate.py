"""``tenantctl validate [PATH] [--strict] [--format text|json]``: check a spec before it reaches an account.

Output (stdout): one line per error, exactly ``FILE:LINE:COL: field: message``; warnings as
``warning: FILE:LINE:COL: field: message``; then one summary line. Exit 0 when valid, 1 when invalid
(``--strict``: warnings count as errors). Problems with the path itself (missing, unreadable, binary, a
directory without YAML files) are reported the same way, never as a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from typing import Any, TextIO

from tenantctl.cli import CliError
from tenantctl.diagnostics import Diagnostic, SpecInvalid, format_diagnostic, one_line
from tenantctl.environments import ConfigError, environment_spec, select
from tenantctl.loader import LoadResult, load_spec, load_spec_text
from tenantctl.sources import add_environment_arguments, configured_environments
from tenantctl.yamlsource import read_stream

__all__ = ["format_diagnostic", "register", "run", "validate"]

DEFAULT_SPEC = "tenants.yaml"
STDIN_NAME = "<stdin>"
JSON_FORMAT_VERSION = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="validate tenants.yaml (a file or a directory of spec files)",
        description=(
            "Validate a tenants spec: YAML syntax, every field, SES naming rules and cross-tenant rules. "
            "Errors print as FILE:LINE:COL: field: message, warnings with a 'warning: ' prefix, then a "
            "summary line, all on stdout. Exit status: 0 valid, 1 invalid."
        ),
    )
    parser.add_argument("path", nargs="?", default=None, metavar="PATH",
                        help=f"spec file, directory of *.yaml/*.yml files, or - for stdin (default: ./{DEFAULT_SPEC})")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_environment_arguments(parser, all_envs=True)
    parser.set_defaults(func=run)


def _environments(args: argparse.Namespace) -> list[Any]:
    """Return the environments to validate (``--env`` / ``--all-envs``), or ``[None]`` for PATH."""
    if not (args.env or args.all_envs):
        return [None]
    if args.path is not None:
        raise CliError("pass either PATH or --env/--all-envs, not both")
    if args.env and args.all_envs:
        raise CliError("--env and --all-envs cannot be combined")
    environments = configured_environments(args)
    if args.all_envs:
        return list(environments)
    try:
        return [select(environments, args.env)]
    except ConfigError as exc:
        raise CliError(f"{args.config}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    """Run ``validate`` with parsed arguments; return the exit code."""
    try:
        environments = _environments(args)
        if not args.all_envs:
            (env,) = environments
            if env is not None and args.format == "text":
                sys.stdout.write(f"environment {env.name} ({env.account}, {env.region}):\n")
            path = env.display_path if env is not None else (args.path or DEFAULT_SPEC)
            return validate(path, strict=args.strict, fmt=args.format, out=sys.stdout, env=env)
        code, reports = 0, []
        for env in environments:
            buffer = io.StringIO()
            code = max(code, validate(env.display_path, strict=args.strict, fmt=args.format, out=buffer, env=env))
            if args.format == "json":  # one document: {"environments": [{name, account, region, report}]}
                reports.append({"name": env.name, "account": env.account, "region": env.region,
                                "report": json.loads(buffer.getvalue())})
            else:
                sys.stdout.write(f"environment {env.name} ({env.account}, {env.region}):\n{buffer.getvalue()}")
        if args.format == "json":
            sys.stdout.write(json.dumps({"format_version": JSON_FORMAT_VERSION, "environments": reports}, indent=2)
                             + "\n")
        return code
    except BrokenPipeError:  # `tenantctl validate | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def validate(
    path: str, *, strict: bool = False, fmt: str = "text", out: TextIO | None = None, env: Any = None
) -> int:
    """Validate ``path`` and print the report to ``out``; return 0 (valid) or 1 (invalid).

    Parameters
    ----------
    path : str
        A spec file or directory, or ``-`` for standard input.
    strict : bool
        Treat warnings as errors.
    fmt : str
        ``text`` or ``json``.
    out : TextIO, optional
        Where to print (default stdout).
    env : tenantctl.environments.Environment, optional
        The environment that deploys ``path``: its ownership tag value (``<deployment>-<name>``) is checked too.
    """
    out = out or sys.stdout
    result: LoadResult | None = None
    try:
        if path == "-":
            result = load_spec_text(read_stream(sys.stdin.buffer, STDIN_NAME), STDIN_NAME, strict=strict)
        else:
            result = load_spec(path, strict=strict)
        diagnostics = list(result.warnings)
    except SpecInvalid as exc:
        diagnostics = exc.diagnostics
    if result is not None and env is not None:
        try:
            environment_spec(result.spec, env)
        except ConfigError as exc:
            raise CliError(str(exc)) from None
    shown = STDIN_NAME if path == "-" else one_line(path)
    errors = [d for d in diagnostics if d.is_error]
    warnings = [d for d in diagnostics if not d.is_error]
    if fmt == "json":
        out.write(json.dumps(_json_report(shown, result, errors, warnings), indent=2) + "\n")
    else:
        for d in diagnostics:
            out.write(format_diagnostic(d) + "\n")
        out.write(_summary(shown, result, errors, warnings) + "\n")
    return 0 if result is not None else 1


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(path: str, result: LoadResult | None, errors: list[Diagnostic], warnings: list[Diagnostic]) -> str:
    if result is not None:
        files = f" in {_plural(len(result.sources), 'file')}" if len(result.sources) > 1 else ""
        return (f"{path}: valid: {_plural(len(result.spec.tenants), 'tenant')}{files}, "
                f"{_plural(len(warnings), 'warning')}")
    return f"{path}: invalid: {_plural(len(errors), 'error')}, {_plural(len(warnings), 'warning')}"


def _json_report(path: str, result: LoadResult | None, errors: list[Diagnostic],
                 warnings: list[Diagnostic]) -> dict[str, Any]:
    return {
        "format_version": JSON_FORMAT_VERSION,
        "path": path,
        "valid": result is not None,
        "files": result.sources if result else sorted({d.file for d in errors + warnings}),
        "tenants": len(result.spec.tenants) if result else None,
        "errors": [d.to_json() for d in errors],
        "warnings": [d.to_json() for d in warnings],
    }
