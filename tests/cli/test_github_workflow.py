"""The GitHub Actions example: its structure, and its plan step's shell script run for real in a git repo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli_support import GOLDEN

from tenantctl.render import MARKER

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "github-actions" / "tenants.yml"
DEPLOY_WORKFLOW = ROOT / "examples" / "github-actions" / "tenants-deploy.yml"
EXAMPLE_ENVIRONMENTS = ROOT / "examples" / "environments" / "environments.json"
BIN = str(Path(sys.executable).parent)
# The environments of the repository the plan step runs in (one is enough for the shell script).
ENVIRONMENTS = [{"name": "prod", "account": "111122223333", "region": "us-east-1", "spec": "tenants.yaml"}]


def _load(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


@pytest.fixture(scope="module")
def workflow() -> dict:
    return _load(WORKFLOW)


@pytest.fixture(scope="module")
def deploy_workflow() -> dict:
    return _load(DEPLOY_WORKFLOW)


def _step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name)


def test_triggers_and_jobs(workflow, deploy_workflow):
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    plan = workflow["jobs"]["plan"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert workflow["jobs"]["deploy-dev"]["if"] == "github.event_name == 'push'"
    for name in ("deploy-dev", "deploy-staging", "deploy-prod"):
        assert workflow["jobs"][name]["permissions"]["id-token"] == "write"
        assert workflow["jobs"][name]["uses"] == "./.github/workflows/tenants-deploy.yml"
    assert set(deploy_workflow["on"]) == {"workflow_call"}
    (job,) = deploy_workflow["jobs"].values()
    assert job["concurrency"]["cancel-in-progress"] is False
    assert job["environment"] == "${{ inputs.github-environment }}"


def test_merge_promotes_dev_then_staging_then_prod(workflow):
    jobs = workflow["jobs"]
    order = ["deploy-dev", "deploy-staging", "deploy-prod"]
    assert "needs" not in jobs["deploy-dev"]
    assert jobs["deploy-staging"]["needs"] == "deploy-dev"
    assert jobs["deploy-prod"]["needs"] == "deploy-staging"
    envs = [jobs[j]["with"]["environment"] for j in order]
    assert envs == ["dev", "staging", "prod"]
    # The names are the environments of the example configuration, in promotion order.
    assert [e["name"] for e in json.loads(EXAMPLE_ENVIRONMENTS.read_text())] == envs
    assert jobs["deploy-prod"]["with"]["github-environment"] == "production"


def test_pull_request_validates_plans_and_keeps_one_comment(workflow):
    plan = workflow["jobs"]["plan"]
    names = [s.get("name") for s in plan["steps"]]
    assert (
        names.index("Validate")
        < names.index("Plan against the base branch")
        < names.index("Post or update the plan comment")
        < names.index("Fail when the plan failed")
    )
    checkout = plan["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    script = _step(plan, "Post or update the plan comment")["with"]["script"]
    assert f"const marker = '{MARKER}';" in script, "the comment is found again by the renderer's marker"
    assert "updateComment" in script and "createComment" in script and "github.paginate" in script


def test_each_environment_plans_live_deploys_its_stage_then_verifies(deploy_workflow):
    (job,) = deploy_workflow["jobs"].values()
    steps = [s.get("run", "") for s in job["steps"]]
    deploy = next(i for i, r in enumerate(steps) if "cdk deploy" in r)
    verify = next(i for i, r in enumerate(steps) if "tenantctl verify" in r)
    live = next(i for i, r in enumerate(steps) if "--against live" in r)
    assert live < deploy < verify
    assert 'cdk deploy "${TENANTS_ENV}/*"' in steps[deploy]  # exactly one environment's stage
    assert '--env "$TENANTS_ENV"' in steps[verify] and "--send-test" in steps[verify]
    assert '--env "$TENANTS_ENV"' in steps[live]
    assert deploy_workflow["env"]["TENANTS_ENV"] == "${{ inputs.environment }}"


def _run_plan_step(workflow, repo, base_ref: str = "main") -> tuple[int, dict, str]:
    script = _step(workflow["jobs"]["plan"], "Plan against the base branch")["run"]
    out = repo.root / "github_output"
    out.write_text("")
    env = {
        **os.environ,
        "PATH": BIN + os.pathsep + os.environ["PATH"],
        "BASE_REF": base_ref,
        "GITHUB_OUTPUT": str(out),
        "NO_COLOR": "1",
    }
    proc = subprocess.run(["bash", "-c", script], cwd=repo.root, env=env, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    return proc.returncode, outputs, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_plan_step_script_against_the_base_branch(workflow, repo):
    repo.write("cdk.json", json.dumps({"context": {"environments": ENVIRONMENTS}}))
    spec = repo.write("tenants.yaml", (GOLDEN / "before.yaml").read_text())
    repo.commit("base")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.git("checkout", "-q", "-b", "pr")
    spec.write_text((GOLDEN / "after.yaml").read_text())
    code, outputs, log = _run_plan_step(workflow, repo)
    assert code == 0 and outputs["exitcode"] == "2", log
    md = (repo.root / "plan.md").read_text()
    assert md.startswith(MARKER) and "2 tenants will be DELETED" in md
    assert "| [`prod`](#env-prod) | 111122223333 | us-east-1 | `tenants.yaml` |" in md
    plan_json = json.loads((repo.root / "plan.json").read_text())
    assert plan_json["format_version"] == 1 and plan_json["environments"][0]["plan"]["deployment"] == "acme-mail-prod"

    # An invalid spec: exit code 1 is recorded and the comment explains the error with FILE:LINE.
    spec.write_text("version: 1\ntenants:\n  - name: acme\n    sending: paused\n")
    (repo.root / "plan.md").unlink()
    code, outputs, log = _run_plan_step(workflow, repo)
    assert code == 0 and outputs["exitcode"] == "1", log
    md = (repo.root / "plan.md").read_text()
    assert md.startswith(MARKER) and "1 error" in md.splitlines()[1]
    assert "| [`prod`](#env-prod) |" in md and "| **error** |" in md
    assert "tenants.yaml:4:14: tenants[0].sending:" in md  # the diagnostics, appended to the comment
    assert len(md.encode()) < 65536


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_plan_step_script_when_the_base_has_no_spec_yet(workflow, repo):
    repo.write("README.md", "hello\n")
    repo.commit("base without a spec")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.write("cdk.json", json.dumps({"context": {"environments": ENVIRONMENTS}}))
    repo.write("tenants.yaml", (GOLDEN / "after.yaml").read_text())
    code, outputs, log = _run_plan_step(workflow, repo)
    assert code == 0 and outputs["exitcode"] == "2", log
    assert "`tenants.yaml` against `empty (no tenants.yaml at origin/main)`" in (repo.root / "plan.md").read_text()
