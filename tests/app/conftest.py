"""Shared, session-scoped synthesized apps (synth takes seconds: build once per worker)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from stacks.app import DeploymentStacks, build_app, cdk_json_context
from tenantctl.loader import load_spec

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = REPO / "tenants.yaml"


@dataclass
class Synthesized:
    """A synthesized cloud assembly and the app it came from."""

    app: cdk.App
    stacks: DeploymentStacks
    outdir: Path
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)

    def template(self, suffix: str) -> dict[str, Any]:
        (name,) = [n for n in self.templates if n.endswith(suffix)]
        return self.templates[name]


def synthesize(outdir: Path, context: dict[str, Any] | None = None, *, nag: bool = True) -> Synthesized:
    """Build the real app (example tenants.yaml, cdk.json context) in-process and synthesize it."""
    spec = load_spec(EXAMPLE_SPEC).spec
    ctx = cdk_json_context()
    ctx.update(context or {})
    app = cdk.App(outdir=str(outdir), context=ctx)
    stacks = build_app(app, spec, nag=nag)
    app.synth()
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text()) for p in outdir.glob("*.template.json")
    }
    return Synthesized(app=app, stacks=stacks, outdir=outdir, templates=templates)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The default app (cdk.json context only), cdk-nag applied."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def synthesized_full(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Every option on: alarm e-mail topic, KMS-encrypted log group, explicit principals."""
    return synthesize(
        tmp_path_factory.mktemp("cdk.out.full"),
        {
            "alarm_emails": ["ops@example.com", "oncall@example.com"],
            "log_kms_key": "create",
            "admin_principals": ["arn:aws:iam::111122223333:role/platform-admin"],
            "sender_principals": ["444455556666"],
            "readonly_principals": ["arn:aws:iam::777788889999:root"],
        },
    )


@dataclass
class NagAudit:
    """cdk-nag findings with every acknowledgement disabled, and the acknowledgements the code makes."""

    findings: list[tuple[str, str]]  # (rule id, construct path of the violating resource)
    acknowledgements: list[tuple[str, str, str]]  # (construct path, rule id, reason)


class _Recorder:
    """Stands in for ``Validations.of(scope)``: records acknowledgements instead of applying them."""

    calls: ClassVar[list[tuple[str, str, str]]] = []

    def __init__(self, scope: Any) -> None:
        self.scope = scope

    def acknowledge(self, *rules: Any) -> None:
        for rule in rules:
            _Recorder.calls.append((self.scope.node.path, rule.id, rule.reason))


@pytest.fixture(scope="session")
def nag_audit(tmp_path_factory: pytest.TempPathFactory) -> NagAudit:
    """Raw cdk-nag findings of the full app (acknowledgements recorded, not applied)."""
    _Recorder.calls = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cdk.Validations, "of", staticmethod(_Recorder))
        synth = synthesize(
            tmp_path_factory.mktemp("cdk.out.noack"),
            {"alarm_emails": ["ops@example.com"], "log_kms_key": "create"},
            nag=False,
        )
        report = AwsSolutionsChecks().validate_scope(synth.app)
    findings = [(v.rule_name, r.construct_path) for v in report.violations for r in v.violating_resources]
    return NagAudit(findings=findings, acknowledgements=list(_Recorder.calls))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def cdk_env() -> dict[str, str]:
    """Environment for subprocesses running the app / the CDK CLI (venv first on PATH, quiet jsii)."""
    env = dict(os.environ)
    env["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{REPO / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    for k in ("PYTEST_CURRENT_TEST", "PYTEST_VERSION", "CDK_CONTEXT_JSON", "CDK_OUTDIR"):
        env.pop(k, None)
    return env
