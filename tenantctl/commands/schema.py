"""``tenantctl schema``: print the JSON Schema (draft 2020-12) of tenants.yaml.

The schema is generated from the same field table that drives validation (:mod:`tenantctl.spec`).
``--check FILE`` exits 1 when FILE differs from the generated schema (keeps a committed copy current);
``--format markdown`` prints the field reference table that docs/tenants-yaml.md embeds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tenantctl.cli import CliError
from tenantctl.spec import field_reference_markdown, json_schema


def render_schema() -> str:
    """Return the schema exactly as ``tenantctl schema`` prints it (and as the committed file holds it)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schema`` subcommand."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of tenants.yaml",
        description="Print the JSON Schema (draft 2020-12) of tenants.yaml, generated from the validator's model.",
    )
    parser.add_argument("--format", choices=("json", "markdown"), default="json",
                        help="json: the JSON Schema (default); markdown: the field reference table of the docs")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead of stdout")
    group.add_argument("--check", metavar="FILE", help="exit 1 if FILE is not the current schema")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``schema``; return the exit code."""
    text = render_schema() if args.format == "json" else field_reference_markdown()
    if args.check:
        try:
            current = Path(args.check).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{args.check}: cannot read: {exc.strerror or exc}") from None
        if current != text:
            print(f"{args.check}: out of date; to fix, run: tenantctl schema -o {args.check}", file=sys.stderr)
            return 1
        print(f"{args.check}: current")
        return 0
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
        return 0
    sys.stdout.write(text)
    return 0
