"""Fixtures for the CLI tests: run ``tenantctl`` in-process, a temporary git repository."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from cli_support import GitRepo, Run  # noqa: E402

from tenantctl.cli import main  # noqa: E402


@pytest.fixture
def cli(capsys, monkeypatch):
    """Call ``tenantctl`` in-process; returns exit code, stdout and stderr."""
    monkeypatch.setenv("TENANTCTL_NO_PROGRESS", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TENANTCTL_ASSUMED_TPS", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    def run(*argv: str) -> Run:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    if shutil.which("git") is None:  # pragma: no cover
        pytest.skip("git not installed")
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def endpoint():
    """The local SES v2 endpoint over HTTP (moto + seslocal in a thread); yields its URL.

    moto's backends live in this process: they are reset before and after so tests do not see each other.
    """
    import seslocal
    import seslocal.server

    seslocal.install()
    seslocal.configure()
    seslocal.reset_stats()
    _reset_moto()
    with seslocal.server.running(port=0) as url:
        yield url
    _reset_moto()
    seslocal.configure()
    seslocal.reset_stats()


def _reset_moto() -> None:
    from moto.ses.models import ses_backends
    from moto.sesv2.models import sesv2_backends

    sesv2_backends.reset()
    ses_backends.reset()


@pytest.fixture
def ses(endpoint):
    """A plain boto3 SES v2 client on the local endpoint (set-up and independent checks)."""
    import boto3

    return boto3.client("sesv2", endpoint_url=endpoint, region_name="us-east-1")
