"""Fixtures: the local SES v2 endpoint in both modes (in-process ``mock_aws`` and over HTTP)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

import seslocal
from seslocal.server import running

ACCOUNT = "123456789012"
REGION = "us-east-1"
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}


def arn(resource: str, region: str = REGION) -> str:
    return f"arn:aws:ses:{region}:{ACCOUNT}:{resource}"


def shape_violations(value: Any, shape: Any, path: str = "") -> list[str]:
    """Members of a raw JSON response that the botocore output shape does not have (or types that differ)."""
    if shape is None:
        return []
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path or '<root>'}: expected an object"]
        problems = [f"{path}.{key}: not in {shape.name}" for key in value if key not in shape.members]
        problems += [f"{path}.{key}: required by {shape.name}" for key in shape.required_members if key not in value]
        for key, item in value.items():
            if key in shape.members and item is not None:  # JSON null reads as "absent" (moto's own NextToken)
                problems += shape_violations(item, shape.members[key], f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [p for i, item in enumerate(value) for p in shape_violations(item, shape.member, f"{path}[{i}]")]
    if kind == "map":
        return [] if isinstance(value, dict) else [f"{path}: expected a map"]
    if kind == "timestamp":
        return [] if isinstance(value, int | float) else [f"{path}: timestamp must be epoch seconds"]
    if kind == "string":
        ok = isinstance(value, str) and (not shape.enum or value in shape.enum)
        return [] if ok else [f"{path}: {value!r} is not a valid {shape.name}"]
    if kind in ("integer", "long"):
        return [] if isinstance(value, int) else [f"{path}: expected an integer"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean"]
    return []


def check_against_model(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """botocore ``before-parse`` hook: every successful SES v2 response must match the model exactly."""
    if response_dict["status_code"] >= 300 or operation_model.output_shape is None:
        return
    body = response_dict["body"]
    payload = json.loads(body) if body else {}
    problems = shape_violations(payload, operation_model.output_shape)
    assert not problems, f"{operation_model.name} response does not match the service model: {problems}"


class Endpoint:
    """One mode of the local endpoint; control calls go through HTTP in http mode, functions in-process."""

    def __init__(self, mode: str, url: str | None) -> None:
        self.mode = mode
        self.url = url

    def client(self, service: str = "sesv2", *, retries: dict[str, Any] | None = None, region: str = REGION,
               **config: Any) -> Any:
        cfg = Config(retries=retries or NO_RETRIES, **config)
        client = boto3.client(service, region_name=region, endpoint_url=self.url, config=cfg)
        if service == "sesv2":
            client.meta.events.register("before-parse.sesv2.*", check_against_model)
        return client

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        assert self.url is not None
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def pause(self, tenant: str, status: str = "DISABLED", **kwargs: Any) -> dict[str, Any]:
        """Simulate SES setting the tenant's SES-managed status."""
        if self.mode == "inproc":
            return seslocal.set_ses_managed_status(tenant, status, **kwargs)
        code, body = self.control("POST", f"/_seslocal/tenants/{tenant}/ses-managed-status",
                                  {"status": status, **kwargs})
        assert code == 200, body
        return body

    def stats(self) -> dict[str, Any]:
        if self.mode == "inproc":
            return seslocal.stats()
        code, body = self.control("GET", "/_seslocal/stats")
        assert code == 200
        return body

    def reset_stats(self) -> None:
        if self.mode == "inproc":
            seslocal.reset_stats()
        else:
            assert self.control("POST", "/_seslocal/stats/reset")[0] == 200

    def configure(self, **kwargs: Any) -> None:
        if self.mode == "inproc":
            seslocal.configure(**kwargs)
        else:
            code, body = self.control("POST", "/_seslocal/config", kwargs)
            assert code == 200, body


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with running() as url:
        yield url


@pytest.fixture(params=["inproc", "http"])
def ses_env(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    """The endpoint in one mode, fresh: empty moto state, no faults, zero counters."""
    seslocal.install()
    seslocal.configure()
    seslocal.reset_stats()
    if request.param == "inproc":
        with mock_aws():
            yield Endpoint("inproc", None)
    else:
        endpoint = Endpoint("http", request.getfixturevalue("server_url"))
        assert endpoint.control("POST", "/_seslocal/reset")[0] == 200
        yield endpoint
    seslocal.configure()
    seslocal.reset_stats()


@pytest.fixture
def ses(ses_env: Endpoint) -> Any:
    """A real boto3 sesv2 client (retries off) against the endpoint."""
    return ses_env.client()


@pytest.fixture
def resources(ses: Any) -> dict[str, str]:
    """An identity, a configuration set and a template created through the SES v2 API; returns their ARNs."""
    ses.create_email_identity(EmailIdentity="example.com")
    ses.create_configuration_set(ConfigurationSetName="cs-main")
    ses.create_email_template(TemplateName="welcome",
                              TemplateContent={"Subject": "Hi {{name}}", "Text": "Hello {{name}}"})
    return {
        "identity": arn("identity/example.com"),
        "configuration-set": arn("configuration-set/cs-main"),
        "template": arn("template/welcome"),
    }
