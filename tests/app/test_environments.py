"""Several environments: one CDK Stage each, distinct names and assets, clean errors, the real CDK CLI's globs."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint

from stacks.app import DeploymentStacks, build_environments, cdk_json_context, load_environments
from tenantctl.environments import check_deployments, load_environment_spec

REPO = Path(__file__).resolve().parents[2]
TWO = [
    {"name": "dev", "account": "111111111111", "region": "eu-west-1", "spec": "examples/environments/dev.yaml"},
    {
        "name": "prod",
        "account": "222222222222",
        "region": "us-east-1",
        "spec": "tenants.yaml",
        "settings": {"max_deletions": 2, "alarm_emails": ["oncall@example.com"]},
    },
]
PHYSICAL_NAME_KEYS = ("LogGroupName", "DashboardName", "AlarmName", "FunctionName", "RoleName", "QueueName")


class Built:
    def __init__(self, app: cdk.App, stacks: dict[str, DeploymentStacks], outdir: Path) -> None:
        self.app, self.stacks, self.outdir = app, stacks, outdir
        self.manifest = json.loads((outdir / "manifest.json").read_text())

    def stage_manifest(self, env: str) -> dict[str, Any]:
        return json.loads((self.outdir / f"assembly-{env}" / "manifest.json").read_text())

    def template(self, env: str, which: str) -> dict[str, Any]:
        stack = getattr(self.stacks[env], which)
        return json.loads((self.outdir / f"assembly-{env}" / stack.template_file).read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    outdir = tmp_path_factory.mktemp("cdk.out.envs")
    app = cdk.App(outdir=str(outdir), context={**cdk_json_context(), "environments": TWO})
    pairs = []
    for env in load_environments(app, REPO):
        _result, spec = load_environment_spec(env)
        pairs.append((env, spec))
    check_deployments(pairs)
    stacks = build_environments(app, pairs)  # cdk-nag on the whole app: synth fails on any finding
    app.synth()
    return Built(app, stacks, outdir)


def test_one_stage_per_environment_with_the_full_stack_set(built: Built) -> None:
    stages = {k: v for k, v in built.manifest["artifacts"].items() if v["type"] == "cdk:cloud-assembly"}
    assert set(stages) == {"assembly-dev", "assembly-prod"}
    for env, account, region in (("dev", "111111111111", "eu-west-1"), ("prod", "222222222222", "us-east-1")):
        arts = built.stage_manifest(env)["artifacts"]
        stacks = {v["displayName"]: v for v in arts.values() if v["type"] == "aws:cloudformation:stack"}
        assert set(stacks) == {f"{env}/SesTenants-{s}" for s in ("Monitoring", "Access", "Tenants")}
        for s in stacks.values():
            assert s["environment"] == f"aws://{account}/{region}"
            assert s["properties"]["stackName"].startswith(f"{env}-SesTenants-")
        tenants = next(s for s in stacks.values() if s["displayName"].endswith("Tenants"))
        deps = {arts[d].get("displayName") for d in tenants.get("dependencies", []) if d in arts}
        assert deps >= {f"{env}/SesTenants-Monitoring", f"{env}/SesTenants-Access"}
    report = AwsSolutionsChecks().validate_scope(built.app)
    assert report.success, [v.rule_name for v in report.violations]


def _physical_names(tpl: dict[str, Any]) -> set[str]:
    """Literal account- or region-wide names (not references to them; an IAM inline policy's name is scoped to its
    role, so it is not one)."""
    names = [res["Properties"].get(key) for res in tpl["Resources"].values() for key in PHYSICAL_NAME_KEYS]
    names += [
        r["Properties"]["PolicyName"] for r in tpl["Resources"].values() if r["Type"] == "AWS::Logs::ResourcePolicy"
    ]
    return {n for n in names if isinstance(n, str)}


def test_physical_names_include_the_environment_and_never_collide(built: Built) -> None:
    names: dict[str, set[str]] = {}
    for env in ("dev", "prod"):
        names[env] = set()
        for which in ("monitoring", "access", "tenants"):
            names[env] |= _physical_names(built.template(env, which))
    assert len(names["dev"]) >= 18 and len(names["prod"]) >= 18  # log group, policy, dashboard, 14 alarms, 2 fns
    assert names["dev"] & names["prod"] == set()
    prod_mon = built.template("prod", "monitoring")
    (group,) = [r for r in prod_mon["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert group["Properties"]["LogGroupName"] == "/aws/ses/tenants/prod"
    (dash,) = [r for r in prod_mon["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    assert dash["Properties"]["DashboardName"] == "prod-SesTenants-Monitoring-TenantHealth"
    functions = {
        r["Properties"]["FunctionName"]
        for env in ("dev", "prod")
        for r in built.template(env, "tenants")["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "FunctionName" in r["Properties"]
    }
    assert functions == {
        "dev-SesTenants-Tenants-onEvent",
        "dev-SesTenants-Tenants-isComplete",
        "prod-SesTenants-Tenants-onEvent",
        "prod-SesTenants-Tenants-isComplete",
    }
    # Roles are named by CloudFormation after the stack (environment) name, never given a fixed name.
    for env in ("dev", "prod"):
        roles = [r for r in built.template(env, "access")["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
        assert roles and not any("RoleName" in r["Properties"] for r in roles)


def _spec_asset(built: Built, env: str) -> tuple[dict[str, Any], dict[str, Any]]:
    props = built.template(env, "tenants")["Resources"]["SesTenantsReconcile"]["Properties"]
    stack = built.stacks[env].tenants
    assets = json.loads((built.outdir / f"assembly-{env}" / f"{stack.artifact_id}.assets.json").read_text())
    for entry in assets["files"].values():
        if any(d["objectKey"] == props["SpecKey"] for d in entry["destinations"].values()):
            path = built.outdir / f"assembly-{env}" / entry["source"]["path"]
            return props, json.loads(path.read_text())
    raise AssertionError(f"no spec asset in {env}")


def test_each_environment_ships_its_own_spec_with_its_own_ownership_value(built: Built) -> None:
    dev_props, dev_spec = _spec_asset(built, "dev")
    prod_props, prod_spec = _spec_asset(built, "prod")
    assert dev_props["SpecHash"] != prod_props["SpecHash"]
    assert (dev_props["Deployment"], prod_props["Deployment"]) == ("acme-mail-dev", "acme-mail-prod")
    assert dev_spec["deployment"] == "acme-mail-dev" and prod_spec["deployment"] == "acme-mail-prod"
    assert [t["name"] for t in dev_spec["tenants"]] == ["load-test", "smoke-test"] or {
        t["name"] for t in dev_spec["tenants"]
    } == {"smoke-test", "load-test"}
    assert len(prod_spec["tenants"]) >= 5
    assert (dev_spec["settings"]["max_deletions"], prod_spec["settings"]["max_deletions"]) == (20, 2)


def test_environment_settings_reach_their_stage_only(built: Built) -> None:
    prod = built.template("prod", "monitoring")
    dev = built.template("dev", "monitoring")
    subs = [r["Properties"]["Endpoint"] for r in prod["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    assert subs == ["oncall@example.com"]
    assert not [r for r in dev["Resources"].values() if r["Type"] == "AWS::SNS::Topic"]


def test_templates_lint_clean(built: Built) -> None:
    for env, region in (("dev", "eu-west-1"), ("prod", "us-east-1")):
        for path in sorted((built.outdir / f"assembly-{env}").glob("*.template.json")):
            matches = lint(path.read_text(), regions=[region])
            assert {m.rule.id for m in matches} <= {"W3005"}, (path.name, [m.message for m in matches])


def _demo_module() -> Any:
    spec = importlib.util.spec_from_file_location("ses_tenants_demo", REPO / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["ses_tenants_demo"] = module
    spec.loader.exec_module(module)
    return module


def test_demo_finds_custom_resources_and_assets_in_stage_folders(built: Built) -> None:
    demo = _demo_module()
    asm = demo.Assembly(built.outdir)
    assert len(asm.stacks) == 6
    crs = asm.custom_resources()
    assert set(crs) == {"reconcile", "prune"}
    # Both custom resources of the run come from the same stage, and their spec asset is found.
    assert crs["reconcile"]["stack"] == crs["prune"]["stack"]
    for cr in crs.values():
        assert asm.asset_sources[cr["props"]["SpecKey"]].is_file()
    assert (asm.handler_asset() / "ses_tenants_engine" / "handler.py").is_file()


# ------------------------------------------------------------------------------------ app.py as cdk runs it


def _run_app(env: dict[str, str], outdir: Path, context: dict) -> subprocess.CompletedProcess[str]:
    env = {**env, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize(
    ("environments", "fragment"),
    [
        # The rest of the configuration errors are covered in-process (tests/stacks/test_environments_config.py).
        (
            [TWO[0], {**TWO[1], "account": "111111111111", "region": "eu-west-1"}],
            "environments 'dev' and 'prod' both deploy into account 111111111111, region eu-west-1",
        ),
        ([{**TWO[0], "settings": {"sender_principals": ["*"]}}], "environment 'dev': settings.sender_principals"),
    ],
)
def test_configuration_errors_fail_synth_with_one_clear_line(cdk_env, tmp_path, environments, fragment) -> None:
    value = environments if isinstance(environments, str) else json.dumps(environments)  # as `-c` passes it
    proc = _run_app(cdk_env, tmp_path / "out", {"environments": value})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("cdk.json/context: ")]
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_an_invalid_environment_spec_prints_the_validate_diagnostics(cdk_env, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  - name: 'has space'\n")
    proc = _run_app(cdk_env, tmp_path / "out", {"environments": [TWO[1], {**TWO[0], "spec": str(bad)}]})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith(str(bad))]
    assert line.startswith(f"{bad}:3:") and "tenants[0].name" in line


@pytest.mark.slow
def test_real_cdk_cli_lists_stacks_per_stage_and_selects_one_environment(cdk_env, tmp_path) -> None:
    cdk_bin = str(REPO / "node_modules" / ".bin" / "cdk")
    env = {**cdk_env, "AWS_EC2_METADATA_DISABLED": "true"}
    base = [cdk_bin, "ls", "--no-notices", "-o", str(tmp_path / "cdk.out"), "-c", f"environments={json.dumps(TWO)}"]

    def ls(*patterns: str) -> list[str]:
        proc = subprocess.run(
            [*base, *patterns], cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return [ln.split(" ")[0] for ln in proc.stdout.splitlines() if ln.strip()]

    assert sorted(ls()) == sorted(
        f"{e}/SesTenants-{s}" for e in ("dev", "prod") for s in ("Monitoring", "Access", "Tenants")
    )
    # `cdk deploy 'prod/*'` selects with the same pattern matching as `cdk ls 'prod/*'`.
    assert sorted(ls("prod/*")) == ["prod/SesTenants-Access", "prod/SesTenants-Monitoring", "prod/SesTenants-Tenants"]


def test_without_environments_the_app_is_unchanged(synthesized) -> None:
    """cdk.json ships an empty list: one environment-agnostic stack set, the spec's own ownership value."""
    assert json.loads((REPO / "cdk.json").read_text())["context"]["environments"] == []
    assert load_environments(cdk.App(context=cdk_json_context()), REPO) == ()
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    kinds = {v["type"] for v in manifest["artifacts"].values()}
    assert "cdk:cloud-assembly" not in kinds
    stacks = sorted(k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack")
    assert stacks == ["SesTenants-Access", "SesTenants-Monitoring", "SesTenants-Tenants"]
    props = synthesized.template("Tenants")["Resources"]["SesTenantsReconcile"]["Properties"]
    assert props["Deployment"] == "acme-mail"
    mon = synthesized.template("Monitoring")["Resources"]
    (group,) = [r for r in mon.values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert group["Properties"]["LogGroupName"] == "/aws/ses/tenants"
