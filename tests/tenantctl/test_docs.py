"""docs/tenants-yaml.md stays true: its field reference is generated, its example validates."""

from __future__ import annotations

import re

from tenantctl.loader import load_spec_text
from tenantctl.spec import field_reference_markdown

from .conftest import ROOT

DOC = ROOT / "docs" / "tenants-yaml.md"


def test_field_reference_section_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- BEGIN FIELD REFERENCE[^\n]*-->\n(.*?)<!-- END FIELD REFERENCE -->", text, re.S)
    assert m, "field reference markers missing"
    assert m[1] == field_reference_markdown(), "regenerate with: tenantctl schema --format markdown"


def test_first_yaml_example_is_a_valid_spec() -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)[1]
    result = load_spec_text(example, "docs-example.yaml")
    assert result.warnings == []
    (t,) = result.spec.tenants
    assert (t.name, t.reputation_policy, t.sending) == ("globex", "strict", "ENABLED")
    assert t.tags == {"managed-by": "platform-team", "cost-center": "0420", "customer": "globex"}
