"""Throttling, transient faults and call counters — both modes (control over HTTP in http mode)."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

import seslocal


def test_token_bucket_throttles_with_429(ses, ses_env):
    ses_env.configure(throttle_tps=1)  # bucket of one token, refilled once a second
    ses.list_tenants()
    with pytest.raises(ses.exceptions.TooManyRequestsException) as exc:
        ses.list_tenants()
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    time.sleep(1.05)
    ses.list_tenants()
    counters = ses_env.stats()["operations"]["ListTenants"]
    assert counters == {"calls": 3, "ok": 2, "errors": 0, "throttled": 1, "faults": 0, "rejected": 1}


def test_throttled_calls_succeed_with_sdk_retries(ses_env):
    ses_env.configure(throttle_tps=10, operations=["CreateTenant"])  # throttled unless a call took > 66 ms
    client = ses_env.client(retries={"mode": "standard", "total_max_attempts": 10})
    for i in range(30):
        client.create_tenant(TenantName=f"t{i}")
    assert sum(len(p["Tenants"]) for p in client.get_paginator("list_tenants").paginate()) == 30
    total = ses_env.stats()["operations"]["CreateTenant"]
    assert total["ok"] == 30 and total["throttled"] > 0 and total["calls"] == 30 + total["throttled"]


def test_fault_rate_one_fails_every_call_with_5xx(ses, ses_env):
    ses_env.configure(fault_rate=1.0, seed=7)
    codes = set()
    for _ in range(12):
        with pytest.raises(ClientError) as exc:
            ses.list_tenants()
        status = exc.value.response["ResponseMetadata"]["HTTPStatusCode"]
        codes.add((status, exc.value.response["Error"]["Code"]))
    assert codes <= {(500, "InternalFailure"), (503, "ServiceUnavailable")} and len(codes) == 2
    assert ses_env.stats()["operations"]["ListTenants"]["faults"] == 12


def test_partial_fault_rate_is_absorbed_by_retries_and_counted(ses_env):
    ses_env.configure(fault_rate=0.3, seed=1)
    client = ses_env.client(retries={"mode": "standard", "total_max_attempts": 10})
    for i in range(20):
        client.create_tenant(TenantName=f"t{i}")
    counters = ses_env.stats()["operations"]["CreateTenant"]
    assert counters["ok"] == 20 and counters["faults"] > 0
    assert counters["calls"] == counters["ok"] + counters["faults"]


def test_faults_can_be_limited_to_operations(ses, ses_env):
    ses_env.configure(fault_rate=1.0, operations=["CreateTenant"])
    ses.list_tenants()
    with pytest.raises(ClientError):
        ses.create_tenant(TenantName="a")


def test_stats_count_per_operation_and_reset(ses, ses_env):
    ses.create_tenant(TenantName="a")
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_tenant(TenantName="a")
    ses.get_tenant(TenantName="a")
    ses.create_email_identity(EmailIdentity="example.com")
    stats = ses_env.stats()
    assert stats["operations"]["CreateTenant"] == {
        "calls": 2, "ok": 1, "errors": 1, "throttled": 0, "faults": 0, "rejected": 1}
    assert stats["operations"]["GetTenant"]["ok"] == 1
    assert stats["operations"]["CreateEmailIdentity"]["ok"] == 1
    assert stats["total"]["calls"] == 4 and stats["total"]["rejected"] == 1
    ses_env.reset_stats()
    assert ses_env.stats() == {"operations": {}, "total": {
        "calls": 0, "ok": 0, "errors": 0, "throttled": 0, "faults": 0, "rejected": 0}}


def test_configure_validates_arguments():
    for kwargs in ({"throttle_tps": 0}, {"throttle_tps": -1}, {"fault_rate": 1.5}, {"tenant_quota": -1}):
        with pytest.raises(ValueError):
            seslocal.configure(**kwargs)
    seslocal.configure(throttle_tps=5, fault_rate=0.25, seed=3, operations=["GetTenant"])
    assert seslocal.current_config() == {"throttle_tps": 5.0, "fault_rate": 0.25, "seed": 3,
                                         "operations": ["GetTenant"], "tenant_quota": 10000}
    seslocal.configure()
    assert seslocal.current_config()["throttle_tps"] is None
