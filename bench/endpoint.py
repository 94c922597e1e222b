"""Shared helpers for the sections that run against the local SES v2 endpoint (seslocal over HTTP)."""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config

from bench import specgen

REGION, ACCOUNT = "us-east-1", "123456789012"
BUCKET = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION}


@contextlib.contextmanager
def fake_credentials() -> Iterator[None]:
    """Set fake AWS credentials/region for the block (no real account is ever used); drop profile/endpoint."""
    saved = {k: os.environ.get(k) for k in (*FAKE_ENV, "AWS_PROFILE", "AWS_ENDPOINT_URL")}
    os.environ.update(FAKE_ENV)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def client(url: str, service: str = "sesv2") -> Any:
    """A plain boto3 client on the local endpoint (path-style S3)."""
    config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 10})
    return boto3.session.Session().client(service, endpoint_url=url, region_name=REGION, config=config)


def create_resources(url: str) -> None:
    """Create the identities and configuration sets the generated specs reference."""
    ses = client(url)
    for i in range(specgen.IDENTITY_POOL):
        ses.create_email_identity(EmailIdentity=specgen.identity(i))
    for i in range(specgen.CONFIG_SET_POOL):
        ses.create_configuration_set(ConfigurationSetName=specgen.config_set(i))


def reset(url: str) -> None:
    """Reset the endpoint (moto state, seslocal counters and fault configuration)."""
    req = urllib.request.Request(f"{url}/_seslocal/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        json.loads(resp.read())


def count_tenants(url: str) -> int:
    """Count the tenants the endpoint holds (paged ListTenants; call after the counters were read)."""
    ses = client(url)
    return sum(len(page["Tenants"]) for page in ses.get_paginator("list_tenants").paginate())


def writes(operations: dict[str, dict[str, int]], key: str = "calls") -> int:
    """State-changing SES calls in ``seslocal.stats()["operations"]``."""
    return sum(c[key] for op, c in operations.items() if not op.startswith(("Get", "List")))


def reads(operations: dict[str, dict[str, int]], key: str = "calls") -> int:
    """Get*/List* SES calls in ``seslocal.stats()["operations"]``."""
    return sum(c[key] for op, c in operations.items() if op.startswith(("Get", "List")))
