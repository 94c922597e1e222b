"""app.py as the CDK CLI runs it: name clash with `constructs`, clean errors, real `cdk synth`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _run_app(repo: Path, env: dict[str, str], outdir: Path, context: dict) -> subprocess.CompletedProcess[str]:
    """Run app.py the way the CDK CLI does (context and outdir through the environment)."""
    env = {**env, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_import_constructs_resolves_to_the_library(repo: Path, cdk_env: dict[str, str]) -> None:
    # `python app.py` puts the repository first on sys.path, where a `constructs/` folder exists.
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "import constructs, ses_tenants_constructs;"
        "print(json.dumps({'file': constructs.__file__, 'has_construct': hasattr(constructs, 'Construct'),"
        " 'ours': ses_tenants_constructs.__file__, 'path0': sys.path[0]}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(repo)], cwd=repo, env=cdk_env, capture_output=True, text=True, check=True
    )
    info = json.loads(proc.stdout)
    assert info["path0"] == str(repo)
    assert "site-packages" in info["file"] and info["file"].endswith("constructs/__init__.py")
    assert info["has_construct"] is True
    assert info["ours"] == str(repo / "constructs" / "ses_tenants_constructs" / "__init__.py")
    assert not (repo / "constructs" / "__init__.py").exists()


def test_invalid_spec_prints_diagnostics_without_traceback(repo: Path, cdk_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  - name: 'has space'\n  - name: ok\n    reputation_policy: lax\n")
    proc = _run_app(repo, cdk_env, tmp_path / "out", {"tenants": str(bad)})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(str(bad))]
    assert len(lines) >= 2, proc.stderr
    for ln in lines:
        _file, line, col, rest = ln.split(":", 3)
        assert int(line) >= 1 and int(col) >= 1 and rest.strip(), ln
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_invalid_context_is_a_clear_error(repo: Path, cdk_env: dict[str, str], tmp_path: Path) -> None:
    for context, fragment in (
        ({"log_retention_days": 42}, "log_retention_days"),
        ({"admin_principals": ["*"]}, "wildcard principal"),
        ({"sender_principals": "not-an-account"}, "sender_principals"),
    ):
        proc = _run_app(repo, cdk_env, tmp_path / "out", context)
        assert proc.returncode == 1, context
        assert fragment in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.slow
def test_real_cdk_cli_synth_of_the_example(repo: Path, cdk_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    proc = subprocess.run(
        [str(repo / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "--no-notices", "-o", str(out)],
        cwd=repo,
        env={**cdk_env, "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = sorted(p.name for p in out.glob("*.template.json"))
    assert names == [
        "SesTenants-Access.template.json",
        "SesTenants-Monitoring.template.json",
        "SesTenants-Tenants.template.json",
    ]
    assert "Resources" not in proc.stdout  # --quiet: no template dump
    assert "end-of-life" not in proc.stderr.lower()  # the jsii Node banner is silenced
    tenants = json.loads((out / "SesTenants-Tenants.template.json").read_text())
    assert tenants["Resources"]["SesTenantsReconcile"]["Type"] == "Custom::SesTenants"


BAD_APP = textwrap.dedent(
    """
    import sys
    from aws_cdk import App, aws_sqs as sqs
    from ses_tenants_engine.model import Spec
    from stacks.app import build_app, synthesize

    app = App()
    stacks = build_app(app, Spec.from_json({"spec_version": 1, "tenants": [{"name": "acme"}]}))
    sqs.Queue(stacks.monitoring, "PlainQueue")  # unacknowledged AwsSolutions-SQS3 / SQS4
    sys.exit(synthesize(app))
    """
)


@pytest.mark.slow
def test_real_cdk_cli_fails_on_an_unacknowledged_finding(repo: Path, cdk_env: dict[str, str], tmp_path: Path) -> None:
    app_file = tmp_path / "bad_app.py"
    app_file.write_text(BAD_APP)
    proc = subprocess.run(
        [
            str(repo / "node_modules" / ".bin" / "cdk"),
            "synth",
            "--quiet",
            "--no-notices",
            "--app",
            f"python3 {app_file}",
            "-o",
            str(tmp_path / "cdk.out"),
        ],
        cwd=repo,
        env={**cdk_env, "AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "AwsSolutions-SQS4" in output and "SesTenants-Monitoring/PlainQueue/Resource" in output
    assert "Traceback" not in output
