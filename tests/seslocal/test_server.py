"""The HTTP server, its control paths, S3 on the same port, install(), reset and isolation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws
from moto.sesv2 import urls
from moto.sesv2.responses import SESV2Response

import seslocal
from seslocal import responses
from seslocal.server import running

from .conftest import Endpoint


def test_install_is_idempotent():
    seslocal.install()
    call_action = SESV2Response.call_action
    seslocal.install()
    assert SESV2Response.call_action is call_action
    assert responses.ORIGINALS["call_action"] is not call_action  # moto's own, wrapped exactly once
    assert list(urls.url_paths).count(seslocal.TENANT_URL_PATH) == 1


def test_import_has_no_side_effects():
    code = textwrap.dedent("""
        import sys
        import seslocal
        assert "moto" not in sys.modules, "importing seslocal imported moto"
        from moto.sesv2.responses import SESV2Response
        assert not hasattr(SESV2Response, "create_tenant")
        seslocal.install()
        assert hasattr(SESV2Response, "create_tenant")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_moto_server_without_the_rule_does_not_route_tenant_calls():
    """Why the extra rule exists: moto's own app turns `/v2/.*` into a literal path."""
    from moto.moto_server.werkzeug_app import create_backend_app

    saved = urls.url_paths.pop(seslocal.TENANT_URL_PATH)
    try:
        plain = create_backend_app("sesv2").url_map.bind("localhost")
        with pytest.raises(Exception, match="404"):
            plain.match("/v2/email/tenants", method="POST")
    finally:
        urls.url_paths[seslocal.TENANT_URL_PATH] = saved
    patched = create_backend_app("sesv2").url_map.bind("localhost")
    assert patched.match("/v2/email/tenants", method="POST")
    # The server percent-decodes %2F, so an ARN label spans several segments: `.+` still matches.
    assert patched.match("/v2/email/reputation/entities/RESOURCE/arn:aws:ses:us-east-1:1:tenant/a/tn-1", method="GET")


def test_s3_is_served_on_the_same_endpoint(server_url):
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=server_url,
                      config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="cdk-assets-local")
    s3.put_object(Bucket="cdk-assets-local", Key="spec/abc.json", Body=b'{"spec_version": 1}')
    assert s3.get_object(Bucket="cdk-assets-local", Key="spec/abc.json")["Body"].read() == b'{"spec_version": 1}'
    default_style = boto3.client("s3", region_name="us-east-1", endpoint_url=server_url)  # IP endpoint: path-style
    assert [o["Key"] for o in default_style.list_objects_v2(Bucket="cdk-assets-local")["Contents"]] == [
        "spec/abc.json"]


def test_control_paths(server_url):
    env = Endpoint("http", server_url)
    assert env.control("GET", "/_seslocal/health") == (200, {"status": "ok", "service": "seslocal"})
    code, config = env.control("POST", "/_seslocal/config", {"throttle_tps": 50, "fault_rate": 0.1, "seed": 4})
    assert code == 200 and config["throttle_tps"] == 50 and config["fault_rate"] == 0.1
    assert env.control("GET", "/_seslocal/config")[1] == config
    assert seslocal.current_config() == config  # one process-wide configuration
    assert env.control("POST", "/_seslocal/config", {"bogus": 1})[0] == 400
    assert env.control("POST", "/_seslocal/config", {"fault_rate": 3})[0] == 400
    assert env.control("POST", "/_seslocal/tenants/ghost/ses-managed-status", {})[0] == 404
    assert env.control("GET", "/_seslocal/nope")[0] == 404

    env.client().create_tenant(TenantName="acme")
    assert env.control("POST", "/_seslocal/tenants/acme/ses-managed-status", {"status": "BOGUS"})[0] == 400
    assert env.stats()["total"]["calls"] >= 1
    assert env.control("POST", "/_seslocal/reset")[0] == 200
    assert seslocal.current_config()["throttle_tps"] is None
    assert env.stats()["total"]["calls"] == 0
    assert env.client().list_tenants()["Tenants"] == []


def test_moto_reset_clears_tenants_in_process():
    seslocal.install()
    with mock_aws():
        client = boto3.client("sesv2", region_name="us-east-1")
        client.create_tenant(TenantName="acme")
        assert len(client.list_tenants()["Tenants"]) == 1
    with mock_aws():
        client = boto3.client("sesv2", region_name="us-east-1")
        assert client.list_tenants()["Tenants"] == []


def test_regions_are_isolated(ses_env):
    east = ses_env.client(region="us-east-1")
    west = ses_env.client(region="eu-west-1")
    east_arn = east.create_tenant(TenantName="acme")["TenantArn"]
    assert west.list_tenants()["Tenants"] == []
    west_arn = west.create_tenant(TenantName="acme")["TenantArn"]
    assert ":eu-west-1:" in west_arn and ":us-east-1:" in east_arn
    west.delete_tenant(TenantName="acme")
    assert east.get_tenant(TenantName="acme")["Tenant"]["TenantArn"] == east_arn


def test_pausing_an_unknown_tenant_in_process_raises():
    seslocal.install()
    with mock_aws(), pytest.raises(seslocal.TenantNotFound):
        seslocal.set_ses_managed_status("ghost")


def test_concurrent_clients_over_http(server_url):
    env = Endpoint("http", server_url)
    env.control("POST", "/_seslocal/reset")
    client = env.client()

    def create(i: int) -> str:
        return client.create_tenant(TenantName=f"c{i:02d}")["TenantName"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(create, range(40)))
    listed = [t["TenantName"] for p in client.get_paginator("list_tenants").paginate() for t in p["Tenants"]]
    assert sorted(listed) == sorted(created) and len(listed) == 40


def test_running_restores_previous_fault_config():
    seslocal.configure()
    with running(throttle_tps=3) as url:
        assert url.startswith("http://127.0.0.1:")
        assert seslocal.current_config()["throttle_tps"] == 3
    assert seslocal.current_config()["throttle_tps"] is None


def test_accounts_are_isolated(ses_env, monkeypatch):
    client = ses_env.client()
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111111111111")
    other_arn = client.create_tenant(TenantName="acme")["TenantArn"]
    assert ":111111111111:tenant/acme/" in other_arn
    ses_env.pause("acme", account_id="111111111111")
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    assert client.list_tenants()["Tenants"] == []
    own = client.create_tenant(TenantName="acme")
    assert ":123456789012:tenant/acme/" in own["TenantArn"] and own["SendingStatus"] == "ENABLED"


def test_moto_api_reset_clears_tenants_over_http(server_url):
    env = Endpoint("http", server_url)
    env.control("POST", "/_seslocal/reset")
    client = env.client()
    client.create_tenant(TenantName="acme")
    request = urllib.request.Request(server_url + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    assert client.list_tenants()["Tenants"] == []
