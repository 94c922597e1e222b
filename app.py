#!/usr/bin/env python3
"""CDK entry point: load and validate tenants.yaml (context ``tenants``), build the stacks, apply cdk-nag.

Exit status 1, without a traceback, when the spec is invalid (one ``FILE:LINE:COL: field: message`` line per
problem), when a context value is invalid, or when synthesis fails validation (e.g. an unacknowledged
cdk-nag finding; the report is printed above the summary line).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def main() -> int:
    """Synthesize the app; returns the process exit status."""
    from aws_cdk import App

    from stacks.app import build_app, load_config, synthesize
    from stacks.config import ConfigError

    app = App()
    try:
        config = load_config(app)
    except ConfigError as exc:
        print(f"cdk.json/context: {exc}", file=sys.stderr)
        return 1

    from tenantctl.diagnostics import SpecInvalid
    from tenantctl.loader import load_spec

    try:
        result = load_spec(config.spec_path)
    except SpecInvalid as exc:
        for diagnostic in exc.diagnostics:
            print(str(diagnostic), file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"{warning} (warning)", file=sys.stderr)

    try:
        build_app(app, result.spec, config)
    except ConfigError as exc:
        print(f"{config.spec_path}: {exc}", file=sys.stderr)
        return 1
    return synthesize(app)


if __name__ == "__main__":
    sys.exit(main())
