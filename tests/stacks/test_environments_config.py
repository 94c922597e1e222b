"""The `environments` context list: parsing, validation, per-environment configuration (no synth)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from ses_tenants_engine.model import Spec

from stacks.app import CONTEXT_KEYS, environment_config, load_environments
from stacks.config import ConfigError
from tenantctl import environments as envs
from tenantctl.loader import load_spec

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((REPO / "examples" / "environments" / "environments.json").read_text())


def _env(**overrides) -> dict:
    base = {"name": "dev", "account": "111111111111", "region": "eu-west-1", "spec": "tenants.yaml"}
    return {**base, **overrides}


def test_the_example_list_parses() -> None:
    parsed = envs.parse_environments(EXAMPLE, REPO)
    assert [e.name for e in parsed] == ["dev", "staging", "prod"]
    prod = parsed[2]
    assert (prod.account, prod.region, prod.max_deletions) == ("333333333333", "us-east-1", 2)
    assert prod.spec_path == REPO / "tenants.yaml"
    assert prod.stage_glob == "prod/*"
    assert prod.context_overrides() == {
        "alarm_emails": ["oncall@example.com"],
        "admin_principals": ["arn:aws:iam::333333333333:role/platform-admin"],
    }


def test_no_list_means_no_environments() -> None:
    for value in (None, "", [], "[]"):
        assert envs.parse_environments(value, REPO) == ()


def test_json_text_from_the_command_line() -> None:
    (env,) = envs.parse_environments(json.dumps([_env()]), REPO)
    assert env.name == "dev"
    # The account may be written as a number in JSON; it is kept as 12 digits.
    (env,) = envs.parse_environments([_env(account=111111111111)], REPO)
    assert env.account == "111111111111"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[not json", "environments: not valid JSON"),
        ({"name": "dev"}, "expected a list of environments"),
        (["dev"], r"environments\[0\]: expected an object"),
        ([_env(stage="x")], r"environments\[0\] \(dev\): unknown key 'stage'; an environment has: name, account"),
        ([_env(region=None)], r"environments\[0\] \(dev\): missing region"),
        ([_env(name="Prod")], "name 'Prod' must be 1-24 lowercase letters"),
        ([_env(name="prod_eu")], "name 'prod_eu' must be"),
        ([_env(name="a" * 25)], "must be 1-24"),
        ([_env(account="12345")], "account '12345' is not a 12-digit AWS account id"),
        ([_env(account="1111-2222-3333")], "not a 12-digit"),
        ([_env(region="eu-west-9")], "region 'eu-west-9' is not an AWS region; did you mean eu-west-.*"),
        ([_env(region="europe")], "region 'europe' is not an AWS region"),
        ([_env(spec="nowhere.yaml")], "spec 'nowhere.yaml': no such file or directory"),
        ([_env(settings={"max_deletion": 3})], "unknown setting 'max_deletion'; settings may be: max_deletions"),
        ([_env(settings={"max_deletions": -1})], "settings.max_deletions must be a whole number >= 0"),
        ([_env(settings={"max_deletions": True})], "settings.max_deletions"),
        ([_env(settings={"deployment": "bad name"})], "settings.deployment 'bad name' must be"),
        ([_env(settings=[1])], "settings must be an object"),
        ([_env(), _env(account="222222222222")], "duplicate name 'dev'"),
        (
            [_env(), _env(name="qa")],
            "environments 'dev' and 'qa' both deploy into account 111111111111, region eu-west-1",
        ),
    ],
)
def test_invalid_lists_are_one_clear_error(value, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        envs.parse_environments(value, REPO)
    assert "\n" not in str(info.value)


def test_same_account_other_region_and_other_account_same_region_are_fine() -> None:
    parsed = envs.parse_environments(
        [_env(), _env(name="dev-us", region="us-east-1"), _env(name="qa", account="222222222222")], REPO
    )
    assert [e.name for e in parsed] == ["dev", "dev-us", "qa"]


def test_every_botocore_partition_is_known_offline() -> None:
    regions = envs.known_regions()
    assert regions["eu-west-1"] == "aws"
    assert regions["cn-north-1"] == "aws-cn"
    assert regions["us-gov-west-1"] == "aws-us-gov"


def test_unknown_environment_lists_the_known_ones() -> None:
    parsed = envs.parse_environments(EXAMPLE, REPO)
    assert envs.select(parsed, "staging").name == "staging"
    with pytest.raises(ConfigError, match="unknown environment 'qa'; known environments: dev, staging, prod"):
        envs.select(parsed, "qa")
    with pytest.raises(ConfigError, match="no environments are configured"):
        envs.select((), "qa")


def test_the_ownership_tag_value_includes_the_environment() -> None:
    parsed = {e.name: e for e in envs.parse_environments(EXAMPLE, REPO)}
    spec = load_spec(REPO / "tenants.yaml").spec
    assert spec.deployment == "acme-mail"
    prod = envs.environment_spec(spec, parsed["prod"])
    assert prod.deployment == "acme-mail-prod"
    assert prod.settings.max_deletions == 2
    assert prod.tenants == spec.tenants
    staging = envs.environment_spec(spec, parsed["staging"])
    assert (staging.deployment, staging.settings.max_deletions) == ("acme-mail-staging", 10)
    # settings.deployment keeps an existing deployment's tag value (migration from a single environment).
    (keep,) = envs.parse_environments([_env(settings={"deployment": "acme-mail"})], REPO)
    assert envs.environment_spec(spec, keep).deployment == "acme-mail"
    assert envs.environment_spec(spec, keep).settings == spec.settings


def test_too_long_ownership_value_and_shared_ownership_are_errors() -> None:
    (env,) = envs.parse_environments([_env(name="a" * 24)], REPO)
    with pytest.raises(ConfigError, match="longer than 63 characters"):
        envs.environment_spec(Spec(deployment="d" * 40), env)
    a, b = envs.parse_environments(
        [
            _env(settings={"deployment": "same"}),
            _env(name="qa", account="222222222222", settings={"deployment": "same"}),
        ],
        REPO,
    )
    pairs = [(e, envs.environment_spec(Spec(), e)) for e in (a, b)]
    with pytest.raises(ConfigError, match="'dev' and 'qa' both own tenants as deployment 'same'"):
        envs.check_deployments(pairs)


def test_context_settings_are_context_keys_of_the_app() -> None:
    assert set(envs.CONTEXT_SETTINGS) <= set(CONTEXT_KEYS)
    assert "tenants" not in envs.SETTINGS_KEYS and "stack_prefix" not in envs.SETTINGS_KEYS


def test_per_environment_configuration() -> None:
    app = cdk.App(context={"environments": EXAMPLE, "log_group_name": "/acme/ses", "alarm_emails": []})
    parsed = {e.name: e for e in load_environments(app, REPO)}
    dev, prod = environment_config(app, parsed["dev"]), environment_config(app, parsed["prod"])
    assert dev.log_group_name == "/acme/ses/dev" and prod.log_group_name == "/acme/ses/prod"
    assert dev.health_dashboard is False and prod.health_dashboard is True
    assert prod.alarm_emails == ("oncall@example.com",) and dev.alarm_emails == ()
    assert prod.admin_principals == ("arn:aws:iam::333333333333:role/platform-admin",)
    bad = cdk.App(context={"environments": [_env(settings={"alarm_emails": ["ops"]})]})
    (env,) = load_environments(bad, REPO)
    with pytest.raises(ConfigError, match=r"environment 'dev': settings\.alarm_emails: 'ops' is not an e-mail"):
        environment_config(bad, env)
    explicit = cdk.App(context={"environments": [_env(settings={"log_group_name": "/dev/tenants"})]})
    (env,) = load_environments(explicit, REPO)
    assert environment_config(explicit, env).log_group_name == "/dev/tenants"


def test_the_pure_module_does_not_import_the_cdk() -> None:
    code = "import sys, tenantctl.environments, tenantctl.cli; print('aws_cdk' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
