"""The JSON Schema: generated from the validator's field table, current on disk, and in agreement with it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tenantctl import spec
from tenantctl.commands.schema import render_schema
from tenantctl.diagnostics import SpecInvalid
from tenantctl.loader import load_spec_text

from .conftest import ROOT

SCHEMA_FILE = ROOT / "tenants.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = spec.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_draft_2020_12_and_generated_from_the_field_table() -> None:
    schema = spec.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == set(spec.DOCUMENT.fields)
    tenant = schema["properties"]["tenants"]["items"]
    assert set(tenant["properties"]) == set(spec.TENANT.fields)
    assert tenant["properties"]["reputation_policy"]["enum"] == ["standard", "strict", "none"]
    assert tenant["additionalProperties"] is False and tenant["required"] == ["name"]


def test_repo_root_schema_file_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_schema(), (
        "tenants.schema.json is stale; run: tenantctl schema -o tenants.schema.json"
    )


def test_schema_command_prints_and_checks(cli, tmp_path: Path) -> None:
    code, out, _ = cli("schema")
    assert code == 0 and json.loads(out) == spec.json_schema() and out == render_schema()
    assert cli("schema", "--check", str(SCHEMA_FILE))[0] == 0
    stale = tmp_path / "stale.json"
    stale.write_text("{}\n")
    code, _, err = cli("schema", "--check", str(stale))
    assert code == 1 and "out of date" in err
    code, _, _ = cli("schema", "-o", str(stale))
    assert code == 0 and stale.read_text() == render_schema()
    code, _, err = cli("schema", "--check", str(tmp_path / "missing.json"))
    assert code == 1 and err.startswith("tenantctl: ") and "cannot read" in err


def test_example_file_validates_against_the_schema(validator) -> None:
    data = yaml.safe_load((ROOT / "tenants.yaml").read_text())
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize(
    "doc",
    [
        {"tenants": []},  # no version
        {"version": 2},
        {"version": 1, "tenant": []},
        {"version": 1, "tenants": [{"name": "acme", "reputation_policy": "strcit"}]},
        {"version": 1, "tenants": [{"name": "acme.corp"}]},
        {"version": 1, "tenants": [{"name": "acme", "tags": {"n": 42}}]},
        {"version": 1, "tenants": [{"name": "acme", "tags": {"aws:x": "y"}}]},
        {"version": 1, "tenants": [{"name": "acme", "tags": {"ses-tenants:deployment": "y"}}]},
        {"version": 1, "tenants": [{"name": "acme", "resources": {"dedicated_ip_pools": ["p"]}}]},
        {"version": 1, "tenants": [{"name": "acme", "resources": {
            "configuration_sets": ["arn:aws:ses:us-east-1:111122223333:identity/a.example"]}}]},
        {"version": 1, "tenants": [{"name": "acme", "suppression": {"scope": "tenant"}}]},
        {"version": 1, "tenants": [{"name": "acme", "suppression": "off"}]},
        {"version": 1, "settings": {"max_deletions": -1}},
        {"version": 1, "tenants": {"acme": {}}},
    ],
)
def test_schema_rejects_invalid_documents(validator, doc) -> None:
    assert list(validator.iter_errors(doc)), doc


# Values each field's schema and the validator must agree on (accept both, or reject both).
SAMPLES = {
    "identities": ["acme.example", "mail.acme.example", "ops@acme.example", "a.b-c.example", "xn--bcher-kva.example",
                   "localhost", "acme_x.example", "-acme.example", "acme..example", "@acme.example", "a b.example",
                   "acme.123", "arn:aws:ses:us-east-1:111122223333:identity/acme.example",
                   "arn:aws:ses:us-east-1:111122223333:configuration-set/acme", "arn:aws:sns:us-east-1:1:identity/a.b"],
    "configuration_sets": ["acme-tx", "ACME_tx_1", "a" * 64, "a" * 65, "acme.tx", "",
                           "arn:aws-us-gov:ses:us-gov-west-1:111122223333:configuration-set/acme-tx",
                           "arn:aws:ses:us-east-1:111122223333:dedicated-ip-pool/p"],
    "templates": ["acme-welcome", "t", "t/x", "arn:aws:ses:eu-central-1:111122223333:template/acme-welcome",
                  "arn:aws:ses:eu-central-1:111122223333:template/"],
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_schema_and_validator_agree_on_resource_names(kind: str) -> None:
    sub = spec.json_schema()["properties"]["tenants"]["items"]["properties"]["resources"]
    item_schema = sub["properties"][kind]["items"]
    item_validator = jsonschema.Draft202012Validator(item_schema)
    item_type = spec.RESOURCES.fields[kind].type.item
    for value in SAMPLES[kind]:
        assert item_validator.is_valid(value) == (item_type.problem(value) is None), value


def test_schema_and_validator_agree_on_names_and_tags() -> None:
    props = spec.json_schema()["properties"]
    tenant = props["tenants"]["items"]["properties"]
    cases = [
        (tenant["name"], spec.TENANT.fields["name"].type, ["acme", "A_b-1", "a" * 64, "a" * 65, "", "a.b", "a b"]),
        (props["deployment"], spec.DOCUMENT.fields["deployment"].type,
         ["acme-mail", "a", "1abc", "a_b", "a-", "A" * 64]),
        (tenant["tags"]["propertyNames"], spec.TAG_KEY, ["team", "AWS:x", "aws:x", "Ses-Tenants:x", "k" * 129, ""]),
        (tenant["tags"]["additionalProperties"], spec.TAG_VALUE, ["", "mail", "aws:x", "v" * 257]),
    ]
    for schema, field_type, values in cases:
        v = jsonschema.Draft202012Validator(schema)
        for value in values:
            assert v.is_valid(value) == (field_type.problem(value) is None), value


def test_validator_is_stricter_only_where_documented() -> None:
    """Tag characters and the 253-character domain limit are checked by the validator only."""
    tag_value = "a<b>"
    schema = spec.json_schema()["properties"]["defaults"]["properties"]["tags"]
    assert jsonschema.Draft202012Validator(schema).is_valid({"k": tag_value})
    with pytest.raises(SpecInvalid):
        load_spec_text(f"version: 1\ndefaults: {{tags: {{k: '{tag_value}'}}}}\n", "t.yaml")
    long_domain = ".".join(["a" * 60] * 5) + ".example"
    assert spec.RESOURCES.fields["identities"].type.item.problem(long_domain).startswith("domain is")


def test_every_pattern_compiles_as_an_ecmascript_unicode_regex() -> None:
    """Editors evaluate the schema's patterns in JavaScript (`u` flag): they must compile and agree there too."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = """
const s = JSON.parse(require("fs").readFileSync(0, "utf8")); const out = [];
(function walk(o) { if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) {
  if (k === "pattern") out.push(v); else walk(v); } })(s);
const id = new RegExp(s.properties.tenants.items.properties.resources.properties.identities.items.pattern, "u");
console.log(JSON.stringify({count: out.map(p => new RegExp(p, "u")).length,
                            id: ["ops@acme.example", "mail.acme.example", "acme_x.example"].map(v => id.test(v))}));
"""
    proc = subprocess.run([node, "-e", script], input=render_schema(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["count"] >= 8
    assert result["id"] == [True, True, False]
