"""The GitHub Actions example: its structure, and its plan step's shell script run for real in a git repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli_support import GOLDEN

from tenantctl.render import MARKER

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "github-actions" / "tenants.yml"
BIN = str(Path(sys.executable).parent)


@pytest.fixture(scope="module")
def workflow() -> dict:
    doc = yaml.safe_load(WORKFLOW.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def _step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name)


def test_triggers_and_jobs(workflow):
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    plan, deploy = workflow["jobs"]["plan"], workflow["jobs"]["deploy"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert deploy["if"] == "github.event_name == 'push'"
    assert deploy["permissions"]["id-token"] == "write"
    assert deploy["concurrency"]["cancel-in-progress"] is False


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


def test_merge_deploys_then_verifies(workflow):
    steps = [s.get("run", "") for s in workflow["jobs"]["deploy"]["steps"]]
    deploy = next(i for i, r in enumerate(steps) if "cdk deploy" in r)
    verify = next(i for i, r in enumerate(steps) if "tenantctl verify" in r)
    live = next(i for i, r in enumerate(steps) if "--against live" in r)
    assert live < deploy < verify


def _run_plan_step(workflow, repo, base_ref: str = "main") -> tuple[int, dict, str]:
    script = _step(workflow["jobs"]["plan"], "Plan against the base branch")["run"]
    out = repo.root / "github_output"
    out.write_text("")
    env = {
        **os.environ,
        "PATH": BIN + os.pathsep + os.environ["PATH"],
        "BASE_REF": base_ref,
        "TENANTS_SPEC": "tenants.yaml",
        "GITHUB_OUTPUT": str(out),
        "NO_COLOR": "1",
    }
    proc = subprocess.run(["bash", "-c", script], cwd=repo.root, env=env, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    return proc.returncode, outputs, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_plan_step_script_against_the_base_branch(workflow, repo):
    spec = repo.write("tenants.yaml", (GOLDEN / "before.yaml").read_text())
    repo.commit("base")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.git("checkout", "-q", "-b", "pr")
    spec.write_text((GOLDEN / "after.yaml").read_text())
    code, outputs, log = _run_plan_step(workflow, repo)
    assert code == 0 and outputs["exitcode"] == "2", log
    md = (repo.root / "plan.md").read_text()
    assert md.startswith(MARKER) and "2 tenants will be DELETED" in md
    assert '"format_version": 1' in (repo.root / "plan.json").read_text()

    # An invalid spec: exit code 1 is recorded and the comment explains the error with FILE:LINE.
    spec.write_text("version: 1\ntenants:\n  - name: acme\n    sending: paused\n")
    (repo.root / "plan.md").unlink()
    code, outputs, log = _run_plan_step(workflow, repo)
    assert code == 0 and outputs["exitcode"] == "1", log
    md = (repo.root / "plan.md").read_text()
    assert md.startswith(MARKER) and "### ses-tenants plan: failed" in md
    assert "tenants.yaml:4:14: tenants[0].sending:" in md


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_plan_step_script_when_the_base_has_no_spec_yet(workflow, repo):
    repo.write("README.md", "hello\n")
    repo.commit("base without a spec")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.write("tenants.yaml", (GOLDEN / "after.yaml").read_text())
    code, outputs, log = _run_plan_step(workflow, repo)
    assert code == 0 and outputs["exitcode"] == "2", log
    assert "planning a first deploy" in log
    assert "`tenants.yaml` against `empty (no tenants)`" in (repo.root / "plan.md").read_text()
