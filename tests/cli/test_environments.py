"""tenantctl --env / --all-envs: the environment's spec, account, region and ownership value from cdk.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenantctl.environments import environment_spec, load_environments
from tenantctl.loader import load_spec
from tenantctl.render import MARKER
from tenantctl.render.markdown import GITHUB_COMMENT_LIMIT

ACCOUNT = "123456789012"  # the local endpoint's (moto's) account

DEV = """\
version: 1
deployment: acme-mail
tenants:
  - name: smoke-test
    tags: {purpose: smoke}
  - name: load-test
    reputation_policy: none
"""

PROD = """\
version: 1
deployment: acme-mail
settings:
  max_deletions: 5
tenants:
  - name: globex
    reputation_policy: strict
"""

PROD_OLD = PROD + "  - name: initech\n  - name: umbrella\n"


def _environments(prod_spec: str = "prod.yaml") -> list[dict]:
    return [
        {"name": "dev", "account": ACCOUNT, "region": "eu-west-1", "spec": "dev.yaml"},
        {
            "name": "prod",
            "account": ACCOUNT,
            "region": "us-east-1",
            "spec": prod_spec,
            "settings": {"max_deletions": 1},
        },
        {"name": "qa", "account": "999999999999", "region": "us-west-2", "spec": "dev.yaml"},
    ]


def _write_project(root: Path, environments: list[dict] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "dev.yaml").write_text(DEV)
    (root / "prod.yaml").write_text(PROD)
    (root / "prod-old.yaml").write_text(PROD_OLD)
    context = {"environments": environments if environments is not None else _environments()}
    (root / "cdk.json").write_text(json.dumps({"app": "python3 app.py", "context": context}, indent=2))
    return root


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = _write_project(tmp_path / "project")
    monkeypatch.chdir(root)
    return root


def _deploy_env(endpoint: str, name: str) -> None:
    """Converge the endpoint (in the environment's region) to the environment's spec, as its stage would."""
    from ses_tenants_engine.client import ClientFactory
    from ses_tenants_engine.reconcile import converge

    env = next(e for e in load_environments() if e.name == name)
    spec = environment_spec(load_spec(env.spec_path).spec, env)
    result = converge(ClientFactory(region=env.region, endpoint_url=endpoint), spec)
    assert result.complete, result.problems


def test_validate_env_and_all_envs(cli, project) -> None:
    run = cli("validate", "--env", "dev")
    assert run.code == 0 and "dev.yaml: valid: 2 tenants" in run.out
    run = cli("validate", "--all-envs")
    assert run.code == 0
    assert [ln for ln in run.out.splitlines() if ln.startswith("environment ")] == [
        f"environment dev ({ACCOUNT}, eu-west-1):",
        f"environment prod ({ACCOUNT}, us-east-1):",
        "environment qa (999999999999, us-west-2):",
    ]
    doc = json.loads(cli("validate", "--all-envs", "--format", "json").out)
    assert [(e["name"], e["report"]["valid"], e["report"]["tenants"]) for e in doc["environments"]] == [
        ("dev", True, 2),
        ("prod", True, 1),
        ("qa", True, 2),
    ]
    run = cli("validate", "--env", "staging")
    assert run.code == 1
    assert run.err.strip() == ("tenantctl: cdk.json: unknown environment 'staging'; known environments: dev, prod, qa")
    assert cli("validate", "dev.yaml", "--env", "dev").code == 1


def test_validate_env_reports_the_spec_errors_like_validate(cli, project) -> None:
    (project / "dev.yaml").write_text("version: 1\ntenants:\n  - name: 'has space'\n")
    run = cli("validate", "--env", "dev")
    assert run.code == 1
    assert run.out.splitlines()[1].startswith("dev.yaml:3:")


def test_plan_env_uses_the_environment_spec_and_ownership_value(cli, project) -> None:
    run = cli("plan", "--env", "dev", "--against", "empty", "--format", "json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["deployment"] == "acme-mail-dev"
    assert doc["desired"]["label"] == "dev.yaml"
    assert doc["summary"]["create"] == 2
    prod = json.loads(cli("plan", "--env", "prod", "--against", "empty", "--format", "json").out)
    assert prod["deployment"] == "acme-mail-prod" and prod["summary"]["create"] == 1


def test_plan_env_applies_the_environment_deletion_guard(cli, project) -> None:
    # The spec allows 5 deletions; the prod environment allows 1: two deletions are refused only with --env.
    assert cli("plan", "prod.yaml", "--against", "prod-old.yaml").code == 0
    run = cli("plan", "--env", "prod", "--against", "prod-old.yaml")
    assert run.code == 1
    assert "the deploy would fail" in run.err and "max_deletions" in run.out + run.err


def test_plan_env_against_live_reads_the_environment_region(cli, project, endpoint) -> None:
    _deploy_env(endpoint, "dev")
    run = cli("plan", "--env", "dev", "--against", "live", "--endpoint-url", endpoint, "--detailed-exitcode")
    assert run.code == 0, run.out + run.err
    assert f"live ({ACCOUNT}, eu-west-1)" in run.out
    # prod is another region of the same account: none of dev's tenants are there.
    run = cli("plan", "--env", "prod", "--against", "live", "--endpoint-url", endpoint, "--format", "json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["summary"]["create"] == 1
    # --region overrides the environment's region.
    run = cli("plan", "--env", "dev", "--region", "us-east-1", "--against", "live", "--endpoint-url", endpoint)
    assert f"live ({ACCOUNT}, us-east-1)" in run.out


def test_verify_status_export_env(cli, project, endpoint) -> None:
    _deploy_env(endpoint, "dev")
    run = cli("verify", "--env", "dev", "--endpoint-url", endpoint, "--format", "json")
    assert run.code == 0, run.out + run.err
    report = json.loads(run.out)
    assert (report["deployment"], report["region"]) == ("acme-mail-dev", "eu-west-1")
    # The same file without --env expects the spec's own value: the dev environment's tenants are not its own.
    run = cli("verify", "dev.yaml", "--region", "eu-west-1", "--endpoint-url", endpoint)
    assert run.code == 1 and "verify failed: 2 of 2 tenants failed" in run.err

    run = cli("status", "--env", "dev", "--endpoint-url", endpoint, "--format", "json")
    assert run.code == 0, run.err
    assert sorted(t["tenant"] for t in json.loads(run.out)["tenants"]) == ["load-test", "smoke-test"]
    run = cli("status", "--env", "prod", "--endpoint-url", endpoint, "--format", "json")
    assert json.loads(run.out)["tenants"] == []

    out = project / "exported.yaml"
    run = cli("export", "--env", "dev", "--endpoint-url", endpoint, "-o", str(out))
    assert run.code == 0, run.err
    text = out.read_text()
    assert "\ndeployment: acme-mail\n" in text and "    adopt: true" not in text
    assert "2 tenants: 2 owned by deployment 'acme-mail-dev', 0 to adopt" in text
    assert "from account 123456789012, region eu-west-1" in text


def test_credentials_of_another_account_are_refused(cli, project, endpoint) -> None:
    run = cli("status", "--env", "qa", "--endpoint-url", endpoint)
    assert run.code == 1
    assert "environment 'qa' is account 999999999999, but the credentials are for account 123456789012" in run.err
    assert cli("verify", "--env", "qa", "--endpoint-url", endpoint).code == 1
    assert (
        "credentials are for account" in cli("plan", "--env", "qa", "--against", "live", "--endpoint-url", endpoint).err
    )


def test_configuration_errors_are_one_line(cli, tmp_path, monkeypatch) -> None:
    root = _write_project(
        tmp_path / "bad", [{"name": "dev", "account": "1", "region": "eu-west-1", "spec": "dev.yaml"}]
    )
    monkeypatch.chdir(root)
    run = cli("plan", "--env", "dev", "--against", "empty")
    assert run.code == 1
    assert run.err.strip() == (
        "tenantctl: cdk.json: environments[0] (dev): account '1' is not a 12-digit AWS account id "
        "(write it as a string to keep leading zeros)"
    )
    empty = _write_project(tmp_path / "none", [])
    monkeypatch.chdir(empty)
    assert "no environments are configured" in cli("status", "--env", "dev").err
    # Without --env nothing reads cdk.json: the default single environment is unchanged.
    (empty / "tenants.yaml").write_text(PROD)
    assert cli("plan", "--against", "empty").code == 0


def test_plan_all_envs_markdown_groups_by_environment(cli, project) -> None:
    run = cli("plan", "--all-envs", "--against", "empty", "--format", "markdown", "--detailed-exitcode")
    assert run.code == 2, run.err
    md = run.out
    assert md.startswith(MARKER + "\n### ses-tenants plan: 3 environments, 3 with changes")
    rows = [ln for ln in md.splitlines() if ln.startswith("| [`")]
    assert rows == [
        f"| [`dev`](#env-dev) | {ACCOUNT} | eu-west-1 | `dev.yaml` | 2 | 0 | 0 | 0 | 0 | changes |",
        f"| [`prod`](#env-prod) | {ACCOUNT} | us-east-1 | `prod.yaml` | 1 | 0 | 0 | 0 | 0 | changes |",
        "| [`qa`](#env-qa) | 999999999999 | us-west-2 | `dev.yaml` | 2 | 0 | 0 | 0 | 0 | changes |",
    ]
    sections = [ln for ln in md.splitlines() if ln.startswith("### Environment ")]
    assert sections == [
        f"### Environment `dev` · {ACCOUNT} · eu-west-1",
        f"### Environment `prod` · {ACCOUNT} · us-east-1",
        "### Environment `qa` · 999999999999 · us-west-2",
    ]
    assert md.count(MARKER) == 1
    assert md.count("#### plan: 2 to create") == 2


def test_plan_all_envs_json_and_text(cli, project) -> None:
    run = cli("plan", "--all-envs", "--against", "prod-old.yaml", "--format", "json")
    # prod against prod-old deletes two tenants with max_deletions 1: blocked, so exit 1, still printed.
    assert run.code == 1
    assert "tenantctl: environment prod: the deploy would fail" in run.err
    doc = json.loads(run.out)
    assert [(e["name"], e["result"]) for e in doc["environments"]] == [
        ("dev", "changes"),
        ("prod", "blocked"),
        ("qa", "changes"),
    ]
    assert doc["environments"][1]["plan"]["deployment"] == "acme-mail-prod"
    assert doc["summary"]["delete"] == 2 + 3 + 3  # dev and qa delete prod-old's three tenants, create their two
    text = cli("plan", "--all-envs", "--against", "empty", "--no-color").out
    assert text.startswith("ses-tenants plan: 3 environments, 3 with changes")
    assert "== environment prod (account 123456789012, region us-east-1) " in text
    assert cli("plan", "--all-envs", "--env", "dev", "--against", "empty").code == 1
    assert cli("plan", "--all-envs", "dev.yaml", "--against", "empty").code == 1


def test_plan_all_envs_against_a_git_ref_plans_a_new_environment_against_empty(cli, repo, monkeypatch) -> None:
    _write_project(repo.root, _environments()[:2])
    repo.commit("two environments")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.git("checkout", "-q", "-b", "pr")
    (repo.root / "qa.yaml").write_text(DEV)
    cfg = json.loads((repo.root / "cdk.json").read_text())
    cfg["context"]["environments"].append({**_environments()[2], "spec": "qa.yaml"})
    (repo.root / "cdk.json").write_text(json.dumps(cfg))
    (repo.root / "prod.yaml").write_text(PROD + "  - name: vandelay\n")
    monkeypatch.chdir(repo.root)
    run = cli("plan", "--all-envs", "--against", "origin/main", "--format", "json", "--detailed-exitcode")
    assert run.code == 2, run.err
    envs = {e["name"]: e for e in json.loads(run.out)["environments"]}
    assert envs["dev"]["result"] == "no changes"
    assert envs["prod"]["plan"]["summary"]["create"] == 1
    assert envs["qa"]["plan"]["against"]["label"] == "empty (no qa.yaml at origin/main)"
    # A single environment still says the file is missing at the ref.
    run = cli("plan", "--env", "qa", "--against", "origin/main")
    assert run.code == 1 and "no such file at git ref" in run.err


def test_plan_all_envs_markdown_stays_under_the_comment_limit(cli, tmp_path, monkeypatch) -> None:
    big = "version: 1\ndeployment: acme-mail\ntenants:\n" + "".join(
        f"  - name: customer-{i:05d}\n    tags: {{customer: c{i}, plan: growth}}\n" for i in range(1500)
    )
    root = _write_project(tmp_path / "big")
    for name in ("dev.yaml", "prod.yaml"):
        (root / name).write_text(big)
    monkeypatch.chdir(root)
    run = cli("plan", "--all-envs", "--against", "empty", "--format", "markdown")
    assert run.code == 0, run.err
    assert len(run.out.encode("utf-8")) < GITHUB_COMMENT_LIMIT
    assert run.out.count("### Environment ") == 3
    assert run.out.count("more tenants with changes not shown") == 3
