"""``tenantctl apply`` against the local SES endpoint over HTTP (real boto3, the engine's own clients)."""

from __future__ import annotations

import io
from pathlib import Path

from cli_support import create_resources
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY

import seslocal
from tenantctl.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tenants.yaml"

SMALL = """\
version: 1
deployment: apply-test
settings:
  max_deletions: 1
tenants:
  - name: alpha
    reputation_policy: strict
    tags: {team: a}
    resources:
      identities: [example.com]
  - name: beta
    resources:
      identities: [example.com]
"""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def live_names(ses) -> set[str]:
    return {t["TenantName"] for p in ses.get_paginator("list_tenants").paginate() for t in p["Tenants"]}


def test_apply_example_then_nothing_to_do(cli, endpoint, ses):
    spec = load_spec(EXAMPLE).spec
    create_resources(ses, spec)
    run = cli("apply", str(EXAMPLE), "--yes", "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    assert "The account matches the spec." in run.out
    assert f"{len(spec.tenants)} created" in run.out
    assert live_names(ses) == {t.name for t in spec.tenants}
    again = cli("apply", str(EXAMPLE), "--yes", "--endpoint-url", endpoint)
    assert again.code == 0 and "Nothing to do" in again.out


def test_apply_refuses_without_terminal_and_writes_nothing(cli, endpoint, ses, tmp_path, monkeypatch):
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    seslocal.reset_stats()
    run = cli("apply", str(f), "--endpoint-url", endpoint)
    assert run.code == 1
    assert "standard input is not a terminal; pass --yes" in run.err
    assert "alpha" in run.out  # the plan was shown
    assert live_names(ses) == set()


def test_apply_asks_and_honours_the_answer(cli, endpoint, ses, tmp_path, monkeypatch):
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    monkeypatch.setattr("sys.stdin", Tty("no\n"))
    run = cli("apply", str(f), "--endpoint-url", endpoint)
    assert run.code == 0 and "Not applied." in run.out and "2 to create" in run.out
    assert live_names(ses) == set()
    monkeypatch.setattr("sys.stdin", Tty("yes\n"))
    run = cli("apply", str(f), "--endpoint-url", endpoint)
    assert run.code == 0 and "The account matches the spec." in run.out
    assert live_names(ses) == {"alpha", "beta"}
    tags = {t["Key"]: t["Value"] for t in ses.get_tenant(TenantName="alpha")["Tenant"]["Tags"]}
    assert tags == {"team": "a", OWNERSHIP_TAG_KEY: "apply-test"}


def test_apply_blocking_problem_exits_1_without_writes(cli, endpoint, ses, tmp_path):
    f = tmp_path / "tenants.yaml"
    f.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    ses.create_tenant(TenantName="beta")
    run = cli("apply", str(f), "--yes", "--endpoint-url", endpoint)
    assert run.code == 1
    assert "not applying" in run.err and "'beta'" in run.err and "adopt: true" in run.err
    assert live_names(ses) == {"beta"}


def test_apply_since_reads_only_changed_tenants_and_prunes_last(cli, endpoint, ses, tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(SMALL)
    ses.create_email_identity(EmailIdentity="example.com")
    assert cli("apply", str(old), "--yes", "--endpoint-url", endpoint).code == 0
    new = tmp_path / "new.yaml"
    new.write_text(SMALL.replace("reputation_policy: strict", "reputation_policy: none").split("  - name: beta")[0])
    seslocal.reset_stats()
    run = cli("apply", str(new), "--yes", "--since", str(old), "--endpoint-url", endpoint)
    assert run.code == 0, run.err
    assert "1 updated" in run.out and "1 deleted" in run.out
    ops = seslocal.stats()["operations"]
    assert "ListTenants" not in ops  # incremental: only alpha and beta were read
    assert ops["GetTenant"]["calls"] == 2 and ops["DeleteTenant"]["ok"] == 1
    assert live_names(ses) == {"alpha"}


def test_apply_invalid_spec_and_missing_file(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  - name: 'no spaces allowed'\n")
    run = cli("apply", str(bad), "--yes", "--endpoint-url", "http://127.0.0.1:9")
    assert run.code == 1 and "bad.yaml:3:" in run.err
    run = cli("apply", str(tmp_path / "absent.yaml"), "--yes")
    assert run.code == 1 and "no such file" in run.err
