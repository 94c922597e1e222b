"""``tenantctl`` entry point.

Each subcommand lives in its own module under :mod:`tenantctl.commands` and exposes
``register(subparsers)``; the registered function is stored as ``func`` on the parser and called with the
parsed arguments, returning the process exit code.

Exit codes follow the contract in DESIGN.md: 0 success / no change, 1 error or invalid input,
2 changes present (``plan --detailed-exitcode``).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from typing import NoReturn

# Subcommand modules, in help order. A module that is not there yet is skipped.
COMMANDS = ("validate", "schema", "plan", "apply", "export", "status", "verify", "local")


class CliError(Exception):
    """A user-facing error: printed as ``tenantctl: <message>`` with exit code 1, never a traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error contract: one ``tenantctl: ...`` line and exit code 1.

    argparse's own convention (usage block, exit 2) would collide with ``plan --detailed-exitcode``, where 2
    means "there are changes".
    """

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("tenantctl").strip()
        self.exit(1, f"tenantctl: {where + ': ' if where else ''}{message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tenantctl",
        description="Declarative Amazon SES v2 tenants: validate, plan, apply, export and inspect tenants.yaml.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"tenantctl.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tenantctl.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``tenantctl`` and return its exit code."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"tenantctl: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tenantctl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `tenantctl plan | head`): stop quietly, as other CLI tools do.
        _silence_stdout()
        return 1
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EIO, errno.EPIPE) and exc.filename is None:
            _silence_stdout()
            print(f"tenantctl: cannot write the output: {exc.strerror}", file=sys.stderr)
            return 1
        raise


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
