#!/usr/bin/env python3
"""CDK entry point: load and validate the spec(s), build the stacks, apply cdk-nag.

Without an ``environments`` list in the context, one environment (the CLI's default account and region) is
built from the spec named by context ``tenants`` (``tenants.yaml``), as stacks ``<prefix>-Monitoring``,
``-Access`` and ``-Tenants``. With a list (``cdk.json`` or ``-c environments='[...]'``), one CDK Stage per
environment holds that stack set (``cdk deploy 'prod/*'`` deploys one environment); see docs/environments.md.

Exit status 1, without a traceback, when a spec is invalid (one ``FILE:LINE:COL: field: message`` line per
problem), when a context value or the environment list is invalid (one line), or when synthesis fails
validation (e.g. an unacknowledged cdk-nag finding; the report is printed above the summary line).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def _print_diagnostics(diagnostics: list) -> None:
    """Print spec diagnostics on stderr exactly as ``tenantctl validate`` does (warnings prefixed ``warning: ``)."""
    from tenantctl.diagnostics import format_diagnostic

    for diagnostic in diagnostics:
        print(format_diagnostic(diagnostic), file=sys.stderr)


def main() -> int:
    """Synthesize the app; returns the process exit status."""
    from aws_cdk import App

    from stacks.app import build_app, build_environments, load_config, load_environments, synthesize
    from stacks.config import ConfigError
    from tenantctl.diagnostics import SpecInvalid
    from tenantctl.environments import check_deployments, load_environment_spec
    from tenantctl.loader import load_spec

    app = App()
    try:
        config = load_config(app)
        environments = load_environments(app)
    except ConfigError as exc:
        print(f"cdk.json/context: {exc}", file=sys.stderr)
        return 1

    if environments:
        loaded = []
        failed = False
        for env in environments:
            try:
                result, spec = load_environment_spec(env)
            except SpecInvalid as exc:
                _print_diagnostics(exc.diagnostics)
                failed = True
                continue
            except ConfigError as exc:
                print(f"cdk.json/context: {exc}", file=sys.stderr)
                failed = True
                continue
            _print_diagnostics(result.warnings)
            loaded.append((env, spec))
        if failed:
            return 1
        try:
            check_deployments(loaded)
            build_environments(app, loaded)
        except ConfigError as exc:
            print(f"cdk.json/context: {exc}", file=sys.stderr)
            return 1
        return synthesize(app)

    try:
        result = load_spec(config.spec_path)
    except SpecInvalid as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    _print_diagnostics(result.warnings)

    try:
        build_app(app, result.spec, config)
    except ConfigError as exc:
        print(f"{config.spec_path}: {exc}", file=sys.stderr)
        return 1
    return synthesize(app)


if __name__ == "__main__":
    sys.exit(main())
