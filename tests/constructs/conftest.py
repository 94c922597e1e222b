"""Fixtures for the L3 construct tests (ses_tenants_constructs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

ENGINE_DIR = Path(__file__).resolve().parents[2] / "lambda"


@pytest.fixture(scope="session")
def plain_engine_code() -> Callable[[], lambda_.Code]:
    """The engine folder as a plain (unbundled) asset: construct tests do not need the bundled boto3."""
    return lambda: lambda_.Code.from_asset(str(ENGINE_DIR), exclude=["**/__pycache__", "*.pyc"])


@pytest.fixture()
def new_stack() -> Callable[..., cdk.Stack]:
    """A fresh app + stack (environment-agnostic unless env is given)."""

    def make(env: cdk.Environment | None = None) -> cdk.Stack:
        return cdk.Stack(cdk.App(), "Test", env=env)

    return make


@pytest.fixture(scope="session")
def policy_statements() -> Callable[..., list[dict]]:
    """Every statement of the IAM policies in a template whose logical id starts with a prefix."""

    def collect(template: Template, prefix: str = "", type_: str = "AWS::IAM::Policy") -> list[dict]:
        out: list[dict] = []
        for logical_id, res in template.find_resources(type_).items():
            if logical_id.startswith(prefix):
                out.extend(res["Properties"]["PolicyDocument"]["Statement"])
        return out

    return collect


@pytest.fixture(scope="session")
def configure_tenant_actions() -> list[str]:
    """The tenant actions the provisioner and the admin role get on tenant ARNs (spelled out independently)."""
    return sorted(
        [
            "ses:CreateTenant",
            "ses:GetTenant",
            "ses:ListTenantResources",
            "ses:GetReputationEntity",
            "ses:ListReputationEntities",
            "ses:UpdateReputationEntityCustomerManagedStatus",
            "ses:PutTenantSuppressionAttributes",
            "ses:TagResource",
            "ses:UntagResource",
        ]
    )
