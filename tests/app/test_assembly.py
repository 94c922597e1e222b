"""The synthesized cloud assembly of the real app (example tenants.yaml): structure, ordering, assets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tenantctl.loader import load_spec


def _all_resources(synth) -> list[tuple[str, str, dict]]:
    return [(stack, lid, res) for stack, tpl in synth.templates.items() for lid, res in tpl["Resources"].items()]


def test_exactly_one_native_log_resource_policy_and_no_custom_resource_for_it(synthesized, synthesized_full) -> None:
    for synth in (synthesized, synthesized_full):
        types = [res["Type"] for _, _, res in _all_resources(synth)]
        assert types.count("AWS::Logs::ResourcePolicy") == 1
        assert "Custom::CloudwatchLogResourcePolicy" not in types
        assert sum(t.startswith("Custom::") for t in types) == 2  # reconcile + prune, nothing else


def test_tenants_stack_deploys_after_monitoring_and_access(synthesized) -> None:
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    deps = manifest["artifacts"]["SesTenants-Tenants"]["dependencies"]
    assert "SesTenants-Monitoring" in deps and "SesTenants-Access" in deps
    for other in ("SesTenants-Monitoring", "SesTenants-Access"):
        assert "SesTenants-Tenants" not in manifest["artifacts"][other].get("dependencies", [])


def test_prune_is_the_last_step_of_the_tenants_stack(synthesized) -> None:
    tpl = synthesized.template("Tenants")
    prune = tpl["Resources"]["SesTenantsPrune"]
    assert "SesTenantsReconcile" in prune["DependsOn"]
    assert prune["Properties"]["Mode"] == "prune"
    assert tpl["Resources"]["SesTenantsReconcile"]["Properties"]["Mode"] == "reconcile"
    # Nothing in the deployment depends on the prune step.
    for _, lid, res in _all_resources(synthesized):
        assert "SesTenantsPrune" not in res.get("DependsOn", []), lid


def test_provisioner_functions_are_named_after_the_tenants_stack(synthesized) -> None:
    tpl = synthesized.template("Tenants")
    named = {
        r["Properties"]["Handler"]: r["Properties"]["FunctionName"]
        for r in tpl["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "FunctionName" in r["Properties"]
    }
    assert named == {
        "ses_tenants_engine.handler.on_event": "SesTenants-Tenants-onEvent",
        "ses_tenants_engine.handler.is_complete": "SesTenants-Tenants-isComplete",
    }
    assert synthesized.stacks.tenants.provisioner_function_names == tuple(named.values())


def test_stacks_are_environment_agnostic_and_unnamed_resources(synthesized) -> None:
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    for name in ("SesTenants-Monitoring", "SesTenants-Access", "SesTenants-Tenants"):
        assert manifest["artifacts"][name]["environment"] == "aws://unknown-account/unknown-region"
    for _, lid, res in _all_resources(synthesized):
        if res["Type"] in ("AWS::IAM::Role", "AWS::SQS::Queue", "AWS::SNS::Topic"):
            props = res.get("Properties", {})
            assert not {"RoleName", "FunctionName", "QueueName", "TopicName"} & set(props), lid


def _asset_dir(synth, stack: str, s3_key: str) -> Path:
    assets = json.loads((synth.outdir / f"{stack}.assets.json").read_text())
    for entry in assets["files"].values():
        if any(d["objectKey"] == s3_key for d in entry["destinations"].values()):
            return synth.outdir / entry["source"]["path"]
    raise AssertionError(f"no asset for {s3_key}")


def test_spec_asset_is_the_normalized_example_spec(synthesized, repo) -> None:
    tpl = synthesized.template("Tenants")
    props = tpl["Resources"]["SesTenantsReconcile"]["Properties"]
    path = _asset_dir(synthesized, "SesTenants-Tenants", props["SpecKey"])
    expected = load_spec(repo / "tenants.yaml").spec
    assert path.read_text() == expected.dumps()
    assert props["SpecKey"] == f"{props['SpecHash']}.json"
    assert props["Deployment"] == expected.deployment
    assert len(expected.tenants) >= 3


def test_handler_imports_from_the_built_asset_with_the_pinned_boto3(synthesized, repo) -> None:
    tpl = synthesized.template("Tenants")
    fn = next(
        r for r in tpl["Resources"].values() if r["Properties"].get("Handler") == "ses_tenants_engine.handler.on_event"
    )
    asset = _asset_dir(synthesized, "SesTenants-Tenants", fn["Properties"]["Code"]["S3Key"])
    assert (asset / "ses_tenants_engine" / "handler.py").is_file()
    pinned = next(
        line.split("==")[1].strip()
        for line in (repo / "lambda" / "requirements.txt").read_text().splitlines()
        if line.startswith("boto3==")
    )
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "import boto3, botocore, ses_tenants_engine.handler as h;"
        "print(json.dumps({'boto3': boto3.__version__, 'botocore': botocore.__version__,"
        " 'files': [boto3.__file__, botocore.__file__, h.__file__],"
        " 'callables': [callable(h.on_event), callable(h.is_complete)]}))"
    )
    # -I -S: no site-packages, no PYTHONPATH: only the standard library and the asset folder, as in Lambda.
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(asset)], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["boto3"] == pinned
    assert info["botocore"] == pinned
    assert all(str(Path(f).resolve()).startswith(str(asset.resolve())) for f in info["files"])
    assert info["callables"] == [True, True]


def test_per_tenant_sender_role_from_the_example_spec(synthesized, repo) -> None:
    spec = load_spec(repo / "tenants.yaml").spec
    opted = [t for t in spec.tenants if isinstance(t.sender_access, dict) and t.sender_access.get("role")]
    assert opted, "the example opts one tenant in to a sender role"
    tpl = synthesized.template("Access")
    conditions = [
        s["Condition"]["StringEquals"]["ses:TenantName"]
        for r in tpl["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if "ses:TenantName" in s.get("Condition", {}).get("StringEquals", {})
    ]
    assert sorted(c for c in conditions if not c.startswith("${")) == sorted(t.name for t in opted)
    outputs = tpl["Outputs"]
    assert {"AdminRoleArn", "SenderRoleArn", "ReadOnlyRoleArn", "SenderSessionTagKey"} <= set(outputs)


def test_full_options_topic_key_and_alarm_actions(synthesized_full) -> None:
    tpl = synthesized_full.template("Monitoring")
    res = tpl["Resources"]
    topics = {k: v for k, v in res.items() if v["Type"] == "AWS::SNS::Topic"}
    ((topic_id, topic),) = topics.items()
    assert "KmsMasterKeyId" in topic["Properties"]
    subs = sorted(v["Properties"]["Endpoint"] for v in res.values() if v["Type"] == "AWS::SNS::Subscription")
    assert subs == ["oncall@example.com", "ops@example.com"]
    alarms = [v for v in res.values() if v["Type"] == "AWS::CloudWatch::Alarm"]
    # Tenant health's rate/volume children never notify; every other alarm (the event log's two, the
    # provisioner's two) and every composite warning notifies the topic.
    notifying = [a for a in alarms if a["Properties"].get("ActionsEnabled", True)]
    children = [a for a in alarms if not a["Properties"].get("ActionsEnabled", True)]
    assert len(notifying) == 4 and len(children) == 8
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for a in notifying)
    assert not any("AlarmActions" in a["Properties"] for a in children)
    composites = [v for v in res.values() if v["Type"] == "AWS::CloudWatch::CompositeAlarm"]
    assert len(composites) == 4
    assert all(c["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for c in composites)
    (log_group,) = [v for v in res.values() if v["Type"] == "AWS::Logs::LogGroup"]
    assert "KmsKeyId" in log_group["Properties"]
    keys = [v for v in res.values() if v["Type"] == "AWS::KMS::Key"]
    assert len(keys) == 2 and all(k["Properties"]["EnableKeyRotation"] for k in keys)
