"""cfn-lint (pinned 1.58.0) on every template of the synthesized cloud assemblies: zero errors."""

from __future__ import annotations

import pytest
from cfnlint.api import lint

REGIONS = ["us-east-1", "eu-west-1"]


@pytest.mark.parametrize("which", ["synthesized", "synthesized_full"])
def test_every_template_lints_without_errors(which: str, request: pytest.FixtureRequest) -> None:
    synth = request.getfixturevalue(which)
    templates = sorted(synth.outdir.glob("*.template.json"))
    assert [t.name for t in templates] == [
        "SesTenants-Access.template.json",
        "SesTenants-Monitoring.template.json",
        "SesTenants-Tenants.template.json",
    ]
    for path in templates:
        matches = lint(path.read_text(), regions=REGIONS)
        errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
        assert errors == [], path.name
        # Only CDK's own redundant DependsOn notes (W3005) are tolerated as warnings.
        assert {m.rule.id for m in matches} <= {"W3005"}, path.name


def test_lint_really_reports_errors() -> None:
    broken = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "many"}}}}'
    assert any(m.rule.id.startswith("E") for m in lint(broken, regions=REGIONS))
