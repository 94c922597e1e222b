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
