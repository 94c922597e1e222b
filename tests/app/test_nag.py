"""cdk-nag AwsSolutions: zero unacknowledged findings, every acknowledgement has a reason and is still needed."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks
from ses_tenants_engine.model import Spec

from stacks.app import build_app, cdk_json_context, synthesize

ACK_METADATA = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY


def _covered(finding: tuple[str, str], ack: tuple[str, str, str]) -> bool:
    rule, path = finding
    ack_path, ack_rule, _ = ack
    return rule == ack_rule and (path == ack_path or path.startswith(ack_path + "/"))


def test_default_app_synthesizes_with_zero_unacknowledged_findings(synthesized) -> None:
    # The pack is registered on the app (synth would have raised otherwise); run it once more directly.
    report = AwsSolutionsChecks().validate_scope(synthesized.app)
    assert report.success, [(v.rule_name, [r.construct_path for r in v.violating_resources]) for v in report.violations]
    validation = json.loads((synthesized.outdir / "validation-report.json").read_text())
    assert all(p.get("conclusion") != "failure" for p in validation["pluginReports"])


def test_full_options_app_has_zero_unacknowledged_findings(synthesized_full) -> None:
    report = AwsSolutionsChecks().validate_scope(synthesized_full.app)
    assert report.success, [v.rule_name for v in report.violations]


def test_the_audit_sees_real_findings(nag_audit) -> None:
    # Without acknowledgements the app does have findings: the pack is really evaluating our resources.
    rules = {rule.split("[")[0] for rule, _ in nag_audit.findings}
    assert {"AwsSolutions-IAM5", "AwsSolutions-SF1", "AwsSolutions-SF2", "AwsSolutions-SQS3"} <= rules


def test_every_finding_is_acknowledged_on_a_specific_construct(nag_audit) -> None:
    uncovered = [f for f in nag_audit.findings if not any(_covered(f, a) for a in nag_audit.acknowledgements)]
    assert uncovered == []
    # Never on a whole stack or the app: each acknowledgement names the construct it concerns.
    stack_ids = {path.split("/")[0] for _, path in nag_audit.findings}
    assert all(path not in stack_ids and path for path, _, _ in nag_audit.acknowledgements)


def test_no_acknowledgement_is_stale(nag_audit) -> None:
    stale = [a for a in nag_audit.acknowledgements if not any(_covered(f, a) for f in nag_audit.findings)]
    assert stale == [], "acknowledgements that match no finding any more (remove them):\n" + "\n".join(
        f"{p}: {r}" for p, r, _ in stale
    )


def test_every_acknowledgement_has_a_reason(nag_audit) -> None:
    assert nag_audit.acknowledgements
    for path, rule, reason in nag_audit.acknowledgements:
        assert len(reason.strip()) >= 40, (path, rule, reason)
    # Wildcard IAM findings are acknowledged one by one (the cdk-nag 3 form of applies_to), never wholesale.
    assert not any(rule == "AwsSolutions-IAM5" for _, rule, _ in nag_audit.acknowledgements)


def test_acknowledgements_are_recorded_in_the_construct_tree(synthesized, nag_audit) -> None:
    recorded = set()
    for c in synthesized.app.node.find_all():
        for entry in c.node.metadata:
            if entry.type == ACK_METADATA:
                for key, reason in entry.data.items():
                    recorded.add((c.node.path, key.split("::", 1)[-1], reason))
    audit = {(p, r, why) for p, r, why in nag_audit.acknowledgements}
    # The full-options audit app has the alarm topic too; the default app's acknowledgements are a subset.
    assert recorded and recorded <= audit


def test_an_unacknowledged_finding_fails_synth(tmp_path, capsys) -> None:
    spec = Spec.from_json({"spec_version": 1, "tenants": [{"name": "acme"}]})
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    stacks = build_app(app, spec)
    sqs.Queue(stacks.monitoring, "UnencryptedNoSsl", encryption=sqs.QueueEncryption.UNENCRYPTED)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert plugin["conclusion"] == "failure"
    rules = {v["ruleName"] for v in plugin["violations"]}
    assert {"AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= rules
    paths = {c["constructPath"] for v in plugin["violations"] for c in v["violatingConstructs"]}
    assert paths == {"SesTenants-Monitoring/UnencryptedNoSsl/Resource"}


def test_synthesize_turns_a_failure_into_exit_status_1(tmp_path, capsys) -> None:
    spec = Spec.from_json({"spec_version": 1, "tenants": [{"name": "acme"}]})
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    stacks = build_app(app, spec)
    sqs.Queue(stacks.access, "NoSsl", encryption=sqs.QueueEncryption.SQS_MANAGED)
    assert synthesize(app) == 1
    err = capsys.readouterr().err
    assert "synth failed: ValidationFailed" in err and "AwsSolutions-SQS4" in err
    assert "Traceback" not in err
