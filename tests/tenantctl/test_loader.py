"""Valid specs and edge cases: YAML 1.2 scalars, defaults inheritance, directories, ARNs, normalized output."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Settings, Spec, Suppression

from tenantctl.diagnostics import Diagnostic, SpecInvalid
from tenantctl.loader import SourceLocation, load_spec, load_spec_text, load_spec_texts

from .conftest import GOOD_TENANT, ROOT


def test_example_file_is_valid_without_warnings() -> None:
    result = load_spec(ROOT / "tenants.yaml")
    assert result.warnings == []
    spec = result.spec
    assert spec.deployment == "acme-mail"
    by_name = spec.by_name()
    assert len(by_name) >= 3
    policies = {t.reputation_policy for t in spec.tenants}
    assert {"strict", "standard"} <= policies
    assert any(t.suppression and t.suppression.scope == "TENANT" for t in spec.tenants)
    for t in spec.tenants:
        kinds = {r.type for r in t.resources}
        assert {"EMAIL_IDENTITY", "CONFIGURATION_SET"} <= kinds, t.name
        assert t.tags["managed-by"] == "platform-team"
        assert t.tags["cost-center"] == "0420"
    # the marketing/transactional pair: one sending domain, two configuration sets
    tx, mk = by_name["umbrella-transactional"], by_name["umbrella-marketing"]
    ident = {r.ref for r in tx.resources if r.type == "EMAIL_IDENTITY"}
    assert ident == {r.ref for r in mk.resources if r.type == "EMAIL_IDENTITY"}
    cs = lambda t: {r.ref for r in t.resources if r.type == "CONFIGURATION_SET"}  # noqa: E731
    assert cs(tx) and cs(mk) and not cs(tx) & cs(mk)
    first_line = (ROOT / "tenants.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./tenants.schema.json"


def test_normalized_spec_uses_api_casing_and_round_trips() -> None:
    result = load_spec_text(
        """
version: 1
deployment: acme-mail
settings: {max_deletions: 0, on_stack_delete: destroy, drift_reconcile: true}
tenants:
  - name: acme
    reputation_policy: none
    sending: reinstated
    suppression: {scope: account, reasons: [complaint, bounce]}
    adopt: true
    sender_access: {role: true}
    resources:
      identities: [acme.example, ops@acme.example]
      configuration_sets: [acme-tx]
      templates: [acme-welcome]
""",
        "spec.yaml",
    )
    spec = result.spec
    assert spec.settings == Settings(max_deletions=0, on_stack_delete="destroy", drift_reconcile=True)
    t = spec.tenants[0]
    assert t.reputation_policy == "none"
    assert t.sending == "REINSTATED"
    assert t.suppression == Suppression("ACCOUNT", ("BOUNCE", "COMPLAINT"))  # canonical order
    assert t.adopt is True
    assert t.sender_access == {"role": True}
    assert t.resources == (
        Resource("EMAIL_IDENTITY", "acme.example"),
        Resource("EMAIL_IDENTITY", "ops@acme.example"),
        Resource("CONFIGURATION_SET", "acme-tx"),
        Resource("EMAIL_TEMPLATE", "acme-welcome"),
    )
    assert Spec.loads(spec.dumps()) == spec
    assert result.sources == ["spec.yaml"]
    assert result.location("acme") == SourceLocation("spec.yaml", 6, 5)
    assert str(result.location("acme")) == "spec.yaml:6"
    assert result.location("nope") is None


def test_yaml_12_scalars_stay_strings_where_strings_are_expected() -> None:
    text = """
version: 1
tenants:
  - name: no
    tags: {answer: no, switch: on, yes: off, time: 12:30, code: '0123', n: "42", t: 'true', empty: ''}
    resources: {identities: [on.example], configuration_sets: ['0123'], templates: [12-30]}
  - name: '0123'
    sending: disabled
  - name: 12_30
    sending: disabled
"""
    spec = load_spec_text(text, "t.yaml").spec
    names = [t.name for t in spec.tenants]
    assert names == ["no", "0123", "12_30"]
    assert spec.tenants[0].tags == {"answer": "no", "switch": "on", "yes": "off", "time": "12:30", "code": "0123",
                                    "n": "42", "t": "true", "empty": ""}
    assert {r.ref for r in spec.tenants[0].resources} == {"on.example", "0123", "12-30"}
    # PyYAML's YAML 1.1 loader would have changed these: that is exactly what we avoid.
    assert yaml.safe_load("a: no")["a"] is False


def test_unquoted_plain_number_is_a_string_in_name_fields() -> None:
    spec = load_spec_text("version: 1\ntenants:\n  - {name: 0123, sending: disabled}\n", "t.yaml").spec
    assert spec.tenants[0].name == "0123"


def test_defaults_are_inherited_and_overridden() -> None:
    text = """
version: 1
defaults:
  reputation_policy: strict
  sending: disabled
  suppression: {scope: tenant, reasons: [bounce]}
  tags: {team: mail, tier: gold}
tenants:
  - name: inherits
  - name: overrides
    reputation_policy: standard
    sending: enabled
    suppression: none
    tags: {tier: silver, customer: x}
    resources: {identities: [x.example], configuration_sets: [x-tx]}
"""
    a, b = load_spec_text(text, "t.yaml").spec.tenants
    assert (a.reputation_policy, a.sending, a.suppression) == ("strict", "DISABLED", Suppression("TENANT", ("BOUNCE",)))
    assert a.tags == {"team": "mail", "tier": "gold"}
    assert (b.reputation_policy, b.sending, b.suppression) == ("standard", "ENABLED", None)
    assert b.tags == {"team": "mail", "tier": "silver", "customer": "x"}


def test_empty_containers_mean_omitted() -> None:
    text = "version: 1\ndefaults:\nsettings:\ntenants:\n  - name: a\n    sending: disabled\n    tags:\n    resources:\n"
    result = load_spec_text(text, "t.yaml")
    t = result.spec.tenants[0]
    assert t.tags == {} and t.resources == () and t.suppression is None
    assert result.spec.settings == Settings()


def test_arns_of_the_three_types_are_accepted() -> None:
    arn = "arn:aws:ses:eu-west-1:111122223333"
    text = f"""
version: 1
tenants:
  - name: acme
    resources:
      identities: ['{arn}:identity/acme.example', '{arn}:identity/ops@acme.example']
      configuration_sets: [{arn}:configuration-set/acme-tx]
      templates: [{arn}:template/acme-welcome]
"""
    t = load_spec_text(text, "t.yaml").spec.tenants[0]
    assert [r.type for r in t.resources] == ["EMAIL_IDENTITY", "EMAIL_IDENTITY", "CONFIGURATION_SET", "EMAIL_TEMPLATE"]
    assert [r.name for r in t.resources] == ["acme.example", "ops@acme.example", "acme-tx", "acme-welcome"]


def test_arn_consistency_spans_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "version: 1\ntenants:\n  - name: a\n    resources:\n"
        "      identities: ['arn:aws:ses:us-east-1:111122223333:identity/a.example']\n"
        "      configuration_sets: [a-tx]\n"
    )
    (tmp_path / "b.yaml").write_text(
        "version: 1\ntenants:\n  - name: b\n    resources:\n"
        "      identities: ['arn:aws-cn:ses:us-east-1:111122223333:identity/b.example']\n"
        "      configuration_sets: [b-tx]\n"
    )
    with pytest.raises(SpecInvalid) as info:
        load_spec(tmp_path)
    (d,) = info.value.errors
    assert d.file == str(tmp_path / "b.yaml") and (d.line, d.col) == (5, 20)
    assert "partition 'aws-cn' differs from 'aws'" in d.message and f"{tmp_path / 'a.yaml'}:5" in d.message


def test_directory_spec_merges_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "00-settings.yaml").write_text(
        "version: 1\ndeployment: prod-mail\nsettings: {max_deletions: 2}\ndefaults: {tags: {env: prod}}\n"
    )
    (tmp_path / "globex.yml").write_text("version: 1\ntenants:\n" + GOOD_TENANT.format(name="globex"))
    (tmp_path / "acme.yaml").write_text("version: 1\ntenants:\n" + GOOD_TENANT.format(name="acme"))
    (tmp_path / ".hidden.yaml").write_text("not: [valid")
    (tmp_path / "README.md").write_text("# not a spec")
    result = load_spec(tmp_path)
    assert [t.name for t in result.spec.tenants] == ["acme", "globex"]
    assert result.spec.deployment == "prod-mail" and result.spec.settings.max_deletions == 2
    assert all(t.tags == {"env": "prod"} for t in result.spec.tenants)
    assert result.sources == [str(tmp_path / n) for n in ("00-settings.yaml", "acme.yaml", "globex.yml")]
    assert result.location("globex") == SourceLocation(str(tmp_path / "globex.yml"), 3, 5)


@pytest.mark.parametrize(
    ("a_text", "b_text", "where", "fragment"),
    [
        ("version: 1\ntenants:\n" + GOOD_TENANT.format(name="acme"),
         "version: 1\ntenants:\n\n" + GOOD_TENANT.format(name="acme"),
         (4, 11, "tenants[0].name"), "at {a}:3 and at {b}:4"),
        ("version: 1\nsettings: {max_deletions: 1}\n", "version: 1\nsettings: {max_deletions: 2}\ntenants: []\n",
         (2, 1, "settings"), "already set in {a}:2"),
    ],
    ids=["tenant-in-two-files", "settings-in-two-files"],
)
def test_cross_file_conflicts_name_both_files(tmp_path: Path, a_text: str, b_text: str, where, fragment: str) -> None:
    (tmp_path / "a.yaml").write_text(a_text)
    (tmp_path / "b.yaml").write_text(b_text)
    with pytest.raises(SpecInvalid) as info:
        load_spec(tmp_path)
    (d,) = info.value.errors
    assert (d.file, d.line, d.col, d.field) == (str(tmp_path / "b.yaml"), *where)
    assert fragment.format(a=tmp_path / "a.yaml", b=tmp_path / "b.yaml") in d.message


def test_errors_from_several_files_are_all_reported_in_file_order(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\ntenants:\n  - name: a\n    sending: on\n")
    (tmp_path / "b.yaml").write_text("version: 1\ntenants: [\n")
    with pytest.raises(SpecInvalid) as info:
        load_spec(tmp_path)
    files = [Path(d.file).name for d in info.value.errors]
    assert files == ["a.yaml", "b.yaml"]


def test_directory_without_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SpecInvalid) as info:
        load_spec(tmp_path)
    assert "no .yaml or .yml files" in info.value.errors[0].message


def test_warnings_are_returned_and_strict_makes_them_errors() -> None:
    text = "version: 1\ntenants:\n  - name: acme\n  - name: Acme\n    sending: disabled\n"
    result = load_spec_text(text, "t.yaml")
    messages = [w.message for w in result.warnings]
    assert len(messages) == 2
    assert "no identity and no configuration set" in messages[0]
    assert "differs from 'acme'" in messages[1] and "only in case" in messages[1]
    assert all(w.severity == "warning" for w in result.warnings)
    assert [t.name for t in result.spec.tenants] == ["acme", "Acme"]  # case-sensitive: two tenants
    with pytest.raises(SpecInvalid) as info:
        load_spec_text(text, "t.yaml", strict=True)
    assert len(info.value.errors) == 2
    assert all("--strict" in d.message for d in info.value.errors)


def test_no_tenants_warns() -> None:
    result = load_spec_text("version: 1\ntenants: []\n", "t.yaml")
    assert result.spec.tenants == ()
    (w,) = result.warnings
    assert (w.line, w.col, w.field) == (2, 1, "tenants") and "deletes every tenant" in w.message


def test_same_resource_by_name_and_by_arn_warns() -> None:
    text = """version: 1
tenants:
  - name: acme
    resources:
      identities: [acme.example, 'arn:aws:ses:us-east-1:111122223333:identity/acme.example', ACME.example]
      configuration_sets: [acme-tx]
"""
    result = load_spec_text(text, "t.yaml")
    assert [(w.line, w.col, w.field) for w in result.warnings] == [
        (5, 34, "tenants[0].resources.identities[1]"),
        (5, 94, "tenants[0].resources.identities[2]"),
    ]
    assert "once by name and once by ARN" in result.warnings[0].message
    assert "differing only in case" in result.warnings[1].message


def test_anchors_and_aliases_are_supported() -> None:
    text = """version: 1
tenants:
  - name: a
    resources: &shared
      identities: [shared.example]
      configuration_sets: [shared-tx]
  - name: b
    resources: *shared
"""
    a, b = load_spec_text(text, "t.yaml").spec.tenants
    assert a.resources == b.resources and len(a.resources) == 2


def test_alias_bomb_does_not_blow_up() -> None:
    lines = ["version: 1", "x0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    lines += ["tenants:", "  - name: a", "    resources: {identities: *a8}"]
    with pytest.raises(SpecInvalid) as info:
        load_spec_text("\n".join(lines) + "\n", "bomb.yaml")
    # unknown top-level keys, and 9 list items of the wrong type: no exponential expansion, no crash
    assert len(info.value.errors) < 30


def test_load_spec_text_accepts_bytes_and_rejects_binary() -> None:
    assert load_spec_text(b"\xef\xbb\xbfversion: 1\ntenants: []\n", "bom.yaml").spec.tenants == ()
    with pytest.raises(SpecInvalid) as info:
        load_spec_text(b"version: 1\n\xff\xfe\x00tenants: []\n", "bin.yaml")
    (d,) = info.value.errors
    assert (d.line, d.col, d.field) == (2, 1, "file") and "not UTF-8" in d.message


def test_nul_byte_is_rejected_with_position() -> None:
    with pytest.raises(SpecInvalid) as info:
        load_spec_text("version: 1\ntenants: [\x00]\n", "nul.yaml")
    assert (info.value.errors[0].line, info.value.errors[0].col) == (2, 11)


def test_load_spec_texts_merges_like_a_directory() -> None:
    result = load_spec_texts([
        ("a.yaml", "version: 1\ntenants:\n" + GOOD_TENANT.format(name="a")),
        ("b.yaml", "version: 1\ntenants:\n" + GOOD_TENANT.format(name="b")),
    ])
    assert [t.name for t in result.spec.tenants] == ["a", "b"]
    assert result.sources == ["a.yaml", "b.yaml"]


def test_missing_file_and_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SpecInvalid) as info:
        load_spec(tmp_path / "missing.yaml")
    assert info.value.errors[0].field == "file" and "no such file" in info.value.errors[0].message
    locked = tmp_path / "locked.yaml"
    locked.write_text("version: 1\n")

    real_open = os.open

    def denied(path: Any, flags: int, *args: Any) -> int:  # root can read mode-0 files: make the OS answer it
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(SpecInvalid) as info:
        load_spec(locked)
    (d,) = info.value.errors
    assert str(d) == f"{locked}:1:1: file: permission denied: cannot read the file"


def test_many_errors_are_all_reported_in_order() -> None:
    body = "".join(f"  - name: t{i}\n    sending: on\n" for i in range(20))
    with pytest.raises(SpecInvalid) as info:
        load_spec_text("version: 1\ntenants:\n" + body, "t.yaml")
    errors = info.value.errors
    assert len(errors) == 20
    assert [d.line for d in errors] == sorted(d.line for d in errors)
    assert str(info.value).startswith("t.yaml:4:14: tenants[0].sending:") and "(and 19 more errors)" in str(info.value)


def test_tag_limit_counts_defaults_and_ownership_tag() -> None:
    tags = "".join(f"      k{i}: v\n" for i in range(49))
    text = f"version: 1\ntenants:\n  - name: a\n    sending: disabled\n    tags:\n{tags}"
    assert len(load_spec_text(text, "t.yaml").spec.tenants[0].tags) == 49
    text = (f"version: 1\ndefaults: {{tags: {{k0: x, extra: y}}}}\ntenants:\n  - name: a\n    sending: disabled\n"
            f"    tags:\n{tags}")
    with pytest.raises(SpecInvalid) as info:
        load_spec_text(text, "t.yaml")
    assert "50 tags after merging" in info.value.errors[0].message
    assert OWNERSHIP_TAG_KEY in info.value.errors[0].message


def test_diagnostic_str_format() -> None:
    d = Diagnostic("x.yaml", 3, 7, "tenants[2].resources.identities[0]", "bad", "error")
    assert str(d) == "x.yaml:3:7: tenants[2].resources.identities[0]: bad"
    assert d.as_error().severity == "error"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\n", "1:1: document: file is empty"),
        ("# only a comment\n\n", "1:1: document: file is empty"),
        ("version: 1\ntenants: &a [*a]\n", "2:10: tenants[0]: expected a mapping, found a list"),
        ("version: 1.0\n", "1:10: version: expected an integer, found the number 1.0"),
        ("version: 1\n? [a]\n: x\n", "2:3: document: a key must be a plain word, found a list"),
        ("version: 1\ntenants:\n  - name: [a]\n", "3:11: tenants[0].name: expected a tenant name, found a list"),
        ("version: 1\ntenants:\n  -\n", "3:4: tenants[0]: empty list item"),
    ],
)
def test_odd_documents_fail_cleanly(text: str, expected: str) -> None:
    with pytest.raises(SpecInvalid) as info:
        load_spec_text(text, "t.yaml")
    assert str(info.value.errors[0]).startswith(f"t.yaml:{expected}")


def test_crlf_explicit_str_tag_and_unicode_tags_are_fine() -> None:
    text = ("version: 1\r\ntenants:\r\n  - name: a\r\n    sending: disabled\r\n"
            "    tags: {n: !!str 42, équipe: 'müller ü', 'k@x': 'a/b=c+d', cost center: x}\r\n")
    (t,) = load_spec_text(text, "t.yaml").spec.tenants
    assert t.tags == {"n": "42", "équipe": "müller ü", "k@x": "a/b=c+d", "cost center": "x"}


def test_sender_access_principals_and_role_without_principals() -> None:
    text = """version: 1
tenants:
  - name: a
    sending: disabled
    sender_access: {role: true, principals: ['111122223333', 'arn:aws:iam::111122223333:role/app']}
  - name: b
    sending: disabled
    sender_access: {role: true}
  - name: c
    sending: disabled
    sender_access: {role: false, principals: ['111122223333']}
"""
    result = load_spec_text(text, "t.yaml")
    a, b, c = result.spec.tenants
    assert a.sender_access == {"role": True, "principals": ["111122223333", "arn:aws:iam::111122223333:role/app"]}
    assert b.sender_access == {"role": True}
    assert c.sender_access is None
    (w,) = result.warnings
    assert (w.line, w.field) == (11, "tenants[2].sender_access.principals") and "role: true" in w.message
