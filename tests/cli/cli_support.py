"""Helpers shared by the CLI tests (imported by name: conftest puts this folder on sys.path)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
TIMESTAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@dataclass
class Run:
    code: int
    out: str
    err: str


def normalize(text: str) -> str:
    """Replace timestamps so golden files do not depend on the clock."""
    return TIMESTAMP_RE.sub("<TIMESTAMP>", text)


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/cli/golden/NAME; ``UPDATE_GOLDEN=1`` rewrites the file instead."""
    path = GOLDEN / name
    actual = normalize(actual)
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept)"


class GitRepo:
    """A throw-away git repository."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "test@example.com")
        self.git("config", "user.name", "test")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


def create_resources(ses, spec) -> None:
    """Create in the endpoint every identity, configuration set and template ``spec`` references."""
    for t in spec.tenants:
        for r in t.resources:
            name = r.name
            try:
                if r.type == "EMAIL_IDENTITY":
                    ses.create_email_identity(EmailIdentity=name)
                elif r.type == "CONFIGURATION_SET":
                    ses.create_configuration_set(ConfigurationSetName=name)
                else:
                    ses.create_email_template(
                        TemplateName=name, TemplateContent={"Subject": "s", "Text": "t", "Html": "<p>t</p>"}
                    )
            except ses.exceptions.AlreadyExistsException:
                pass


def deploy(endpoint: str, spec) -> None:
    """Converge the endpoint to ``spec`` with the engine (what the custom resource does)."""
    from ses_tenants_engine.client import ClientFactory
    from ses_tenants_engine.reconcile import converge

    result = converge(ClientFactory(region="us-east-1", endpoint_url=endpoint), spec)
    assert result.complete, (result.problems, result.applied.errors)
