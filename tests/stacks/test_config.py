"""Context configuration: defaults, parsing, and clear errors (pure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from stacks.config import AppConfig, ConfigError, config_from_context, principals

REPO = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    cfg = config_from_context({})
    assert cfg == AppConfig()
    assert cfg.spec_path == "tenants.yaml"
    assert cfg.log_group_name == "/aws/ses/tenants"
    assert cfg.log_retention == logs.RetentionDays.ONE_YEAR
    assert cfg.provisioner_log_retention == logs.RetentionDays.THREE_MONTHS
    assert cfg.admin_principals == cfg.sender_principals == cfg.readonly_principals == ()


def test_cdk_json_context_gives_the_defaults() -> None:
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    assert config_from_context(context) == AppConfig()
    assert json.loads((REPO / "cdk.json").read_text())["app"] == "python3 app.py"


def test_values_from_cdk_json_and_from_the_command_line() -> None:
    cfg = config_from_context(
        {
            "tenants": "envs/prod.yaml",
            "stack_prefix": "Prod-Ses",
            "log_group_name": "/prod/ses/tenants",
            "log_retention_days": "30",  # -c values arrive as strings
            "log_kms_key": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "alarm_emails": "ops@example.com, oncall@example.com",
            "admin_principals": '["arn:aws:iam::111122223333:role/admin"]',
            "sender_principals": ["444455556666"],
            "readonly_principals": "arn:aws:iam::777788889999:root",
            "provisioner_log_retention_days": 7,
        }
    )
    assert cfg.spec_path == "envs/prod.yaml"
    assert cfg.stack_prefix == "Prod-Ses"
    assert cfg.log_retention == logs.RetentionDays.ONE_MONTH
    assert cfg.provisioner_log_retention == logs.RetentionDays.ONE_WEEK
    assert cfg.alarm_emails == ("ops@example.com", "oncall@example.com")
    assert cfg.admin_principals == ("arn:aws:iam::111122223333:role/admin",)
    assert cfg.sender_principals == ("444455556666",)
    assert cfg.readonly_principals == ("arn:aws:iam::777788889999:root",)
    assert config_from_context({"log_kms_key": "create"}).log_kms_key == "create"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"log_retention_days": 42}, "42 is not a CloudWatch Logs retention"),
        ({"log_retention_days": "year"}, "not a number of days"),
        ({"provisioner_log_retention_days": 0}, "provisioner_log_retention_days"),
        ({"admin_principals": ["*"]}, "wildcard principal"),
        ({"readonly_principals": "arn:aws:iam::*:root"}, "wildcard principal"),
        ({"sender_principals": ["12345"]}, "neither a 12-digit account id nor an IAM ARN"),
        ({"sender_principals": {"a": 1}}, "expected a list of strings"),
        ({"admin_principals": "[not json"}, "not a JSON list"),
        ({"alarm_emails": ["ops"]}, "not an e-mail address"),
        ({"log_kms_key": "alias/aws/logs"}, "log_kms_key"),
        ({"stack_prefix": "1bad prefix"}, "stack_prefix"),
        ({"log_group_name": "bad name with spaces"}, "log_group_name"),
    ],
)
def test_invalid_values_name_the_key(context: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_context(context)


def test_principals_default_to_the_account_root_never_a_wildcard() -> None:
    (root,) = principals(())
    assert isinstance(root, iam.AccountRootPrincipal)
    account, arn = principals(("111122223333", "arn:aws:iam::111122223333:role/x"))
    assert isinstance(account, iam.AccountPrincipal)
    assert isinstance(arn, iam.ArnPrincipal) and arn.arn == "arn:aws:iam::111122223333:role/x"
