"""The YAML that export writes: quoting that survives every loader, names vs ARNs, ownership and adoption."""

from __future__ import annotations

from ses_tenants_engine.client import AwsContext
from ses_tenants_engine.live import LiveTenant
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Suppression

from tenantctl.commands.export import export_yaml, resource_ref, yaml_scalar
from tenantctl.loader import load_spec_text

CTX = AwsContext("aws", "eu-west-1", "111122223333")


def test_scalars_that_a_yaml_loader_could_retype_are_quoted():
    for plain in ("acme", "mail.example.com", "billing@vandelay.example", "a-b_c/d+e"):
        assert yaml_scalar(plain) == plain
    for risky in ("0420", "1e3", "no", "On", "null", "~", "", "true", "a: b", "#x", " lead", "é", "-x", "x y"):
        assert yaml_scalar(risky).startswith('"'), risky


def test_resources_in_this_account_and_region_by_name_others_by_arn():
    assert resource_ref("arn:aws:ses:eu-west-1:111122223333:identity/a.example", CTX) == ("EMAIL_IDENTITY", "a.example")
    other = "arn:aws:ses:us-east-1:111122223333:configuration-set/cs"
    assert resource_ref(other, CTX) == ("CONFIGURATION_SET", other)


def test_export_document_loads_back_to_the_same_state():
    tenants = [
        LiveTenant(
            "owned",
            "arn:aws:ses:eu-west-1:111122223333:tenant/owned/tn-1",
            tags={OWNERSHIP_TAG_KEY: "acme-mail", "cost": "0420", "odd key": "yes"},
            suppression=Suppression("TENANT", ("BOUNCE",)),
            policy="strict",
            customer_status="REINSTATED",
            ses_status="DISABLED",
            resources={
                "arn:aws:ses:eu-west-1:111122223333:identity/owned.example": "EMAIL_IDENTITY",
                "arn:aws:ses:eu-west-1:111122223333:configuration-set/owned-cs": "CONFIGURATION_SET",
                "arn:aws:ses:eu-west-1:111122223333:template/welcome": "EMAIL_TEMPLATE",
            },
            detailed=True,
        ),
        LiveTenant("stray", "arn:aws:ses:eu-west-1:111122223333:tenant/stray/tn-2", detailed=True),
    ]
    text = export_yaml(tenants, CTX, "acme-mail", "2026-12-03T17:00:00Z")
    assert "  # paused by SES (SES-managed status DISABLED): it cannot send, whatever `sending:` says\n" in text
    spec = load_spec_text(text, "export.yaml").spec
    owned, stray = spec.by_name()["owned"], spec.by_name()["stray"]
    assert spec.deployment == "acme-mail"
    assert (owned.reputation_policy, owned.sending, owned.adopt) == ("strict", "REINSTATED", False)
    assert owned.tags == {"cost": "0420", "odd key": "yes"}
    assert owned.suppression == Suppression("TENANT", ("BOUNCE",))
    assert sorted((r.type, r.ref) for r in owned.resources) == [
        ("CONFIGURATION_SET", "owned-cs"),
        ("EMAIL_IDENTITY", "owned.example"),
        ("EMAIL_TEMPLATE", "welcome"),
    ]
    assert (stray.adopt, stray.reputation_policy, stray.sending, stray.tags) == (True, "standard", "ENABLED", {})


def test_empty_account_exports_a_valid_empty_spec():
    text = export_yaml([], CTX, "acme-mail", "2026-12-03T17:00:00Z")
    assert "tenants: []" in text
    assert load_spec_text(text, "export.yaml").spec.tenants == ()


def test_reserved_aws_tags_are_not_exported():
    tenant = LiveTenant(
        "from-cfn",
        "arn:aws:ses:eu-west-1:111122223333:tenant/from-cfn/tn-9",
        tags={"aws:cloudformation:stack-name": "old-stack", "team": "mail"},
    )
    text = export_yaml([tenant], CTX, deployment="acme-mail", generated_at="2026-12-03T00:00:00Z")
    assert "aws:cloudformation" not in text
    spec = load_spec_text(text, "exported.yaml").spec
    assert spec.tenants[0].tags == {"team": "mail"}
