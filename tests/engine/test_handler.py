"""The CloudFormation handler, driven with canned Create/Update/Delete events (events/*.json) as plain Python.

The spec asset is read from (moto's) S3 and every SES call goes through a real boto3 client to the local
endpoint, exactly as in the Lambda.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from engine_support import (
    BUCKET,
    LambdaContext,
    assert_matches,
    calls,
    event,
    make_resources,
    put_spec,
    run_provider,
    snapshot,
    spec_of,
    tenant,
    writes,
)
from ses_tenants_engine import handler
from ses_tenants_engine.handler import ReconcileFailed
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource

import seslocal

CFN_LIMIT = 4096
LOG_GROUP = "/aws/lambda/SesTenants-Provisioner"


def counts(data: dict) -> dict:
    """``Data`` without the deadline (checked on its own by the deadline tests)."""
    assert isinstance(data["Deadline"], int)
    return {k: v for k, v in data.items() if k != "Deadline"}


def small(obj) -> int:
    size = len(json.dumps(obj))
    assert size < 1024, size
    return size


@pytest.fixture
def world(ses, s3):
    make_resources(ses, identities=["example.com"], config_sets=["cs-a", "cs-b"])
    seslocal.reset_stats()
    return ses, s3


def base_spec(**kw):
    return spec_of(
        tenant("alpha", reputation_policy="strict", tags={"team": "a"}),
        tenant("beta", resources=(Resource("EMAIL_IDENTITY", "example.com"), Resource("CONFIGURATION_SET", "cs-a"))),
        tenant("gamma", sending="DISABLED"),
        **kw,
    )


def edited(spec):
    alpha, beta, _gamma = spec.tenants
    return dataclasses.replace(
        spec,
        tenants=(
            dataclasses.replace(alpha, reputation_policy="standard", sending="DISABLED"),
            dataclasses.replace(beta, resources=(Resource("CONFIGURATION_SET", "cs-b"),)),
            tenant("delta"),
        ),
    )


def test_create_event(world):
    ses, s3 = world
    spec = base_spec()
    put_spec(s3, spec, "v1.json")
    response, polls = run_provider(event("create", key="v1.json"))
    assert response["PhysicalResourceId"] == "ses-tenants:acme:reconcile"
    assert response["Data"]["Created"] == 3 and response["Data"]["Pending"] == 0
    assert polls == [{"IsComplete": True}]  # nothing left: isComplete answers without a call
    small(response)
    assert_matches(ses, spec)


def test_same_event_twice_is_harmless(world):
    ses, s3 = world
    spec = base_spec()
    put_spec(s3, spec, "v1.json")
    ev = event("create", key="v1.json")
    run_provider(ev)
    seslocal.reset_stats()
    response, _ = run_provider(ev)
    assert response["PhysicalResourceId"] == "ses-tenants:acme:reconcile"
    assert response["Data"]["Created"] == 0 and response["Data"]["Unchanged"] == 3
    assert writes(seslocal.stats()) == 0
    upd = event("update", key="v1.json", old_key="v1.json")
    seslocal.reset_stats()
    response, _ = run_provider(upd)
    assert seslocal.stats()["total"]["calls"] == 0  # identical specs: nothing read, nothing written
    assert_matches(ses, spec)


def test_update_then_rollback_converges_back(world):
    ses, s3 = world
    v1, v2 = base_spec(), edited(base_spec())
    put_spec(s3, v1, "v1.json")
    put_spec(s3, v2, "v2.json")
    run_provider(event("create", key="v1.json"))
    ids = {n: t["id"] for n, t in snapshot(ses).items()}

    response, _ = run_provider(event("update", key="v2.json", old_key="v1.json"))
    assert response["PhysicalResourceId"] == "ses-tenants:acme:reconcile"
    # The reconcile resource never deletes: gamma stays until the prune step.
    assert_matches(ses, v2, others={"gamma"})
    prune, _ = run_provider(event("update", mode="prune", key="v2.json", old_key="v1.json"))
    assert prune["PhysicalResourceId"] == "ses-tenants:acme:prune" and prune["Data"]["Deleted"] == 1
    assert_matches(ses, v2)

    # CloudFormation rolls back: an Update with old and new swapped.
    run_provider(event("update", key="v1.json", old_key="v2.json"))
    run_provider(event("update", mode="prune", key="v1.json", old_key="v2.json"))
    # delta was created by v2 and is not in v1: the rollback's prune removes it; gamma is recreated.
    snap = assert_matches(ses, v1)
    assert snap["alpha"]["id"] == ids["alpha"] and snap["beta"]["id"] == ids["beta"]


def test_failed_create_then_retried_create_finishes(world):
    """A Create that fails half-way -- a permanent error after other tenants were written (here the tenant quota,
    reached after 5 of 6) -- and the Create CloudFormation sends again after the quota is raised: it finds the 5,
    does not create them twice, and finishes the sixth."""
    ses, s3 = world
    spec = spec_of(*(tenant(f"t{i}") for i in range(6)))
    put_spec(s3, spec, "v1.json")
    seslocal.configure(tenant_quota=5)
    with pytest.raises(ReconcileFailed) as failed:
        handler.on_event(event("create", key="v1.json"), LambdaContext())
    message = str(failed.value)
    assert "tenant quota reached" in message and LOG_GROUP in message and len(message) < 1000
    half_done = snapshot(ses)
    assert len(half_done) == 5 and all(t["resources"] for t in half_done.values())

    seslocal.configure()  # the quota was raised
    seslocal.reset_stats()
    retry = event("create", key="v1.json")
    retry["RequestId"] = "a-new-request-id"
    response, _ = run_provider(retry)
    assert response["Data"]["Created"] == 1 and response["Data"]["Errors"] == 0
    stats = seslocal.stats()
    assert calls(stats, "CreateTenant") == 1  # the five are found, not re-created
    assert calls(stats, "CreateTenantResourceAssociation") == 1
    snap = assert_matches(ses, spec)
    assert all(snap[n]["id"] == half_done[n]["id"] for n in half_done)


def test_resource_in_another_account_or_region_fails_before_any_write(world):
    """Pre-flight refuses a resource ARN outside the deployment's account/region (the role could not associate
    it): the deploy fails naming the tenant and the resource, with nothing written."""
    ses, s3 = world
    foreign = "arn:aws:ses:us-east-1:999999999999:configuration-set/shared"
    spec = spec_of(
        *(tenant(f"t{i}") for i in range(5)),
        tenant("broken", resources=(Resource("CONFIGURATION_SET", foreign),)),
    )
    put_spec(s3, spec, "v1.json")
    with pytest.raises(ReconcileFailed) as failed:
        handler.on_event(event("create", key="v1.json"), LambdaContext())
    message = str(failed.value)
    assert "nothing was changed" in message and "tenant broken" in message and foreign in message
    assert "account 999999999999" in message and "not supported" in message and LOG_GROUP in message
    assert writes(seslocal.stats()) == 0 and snapshot(ses) == {}


def test_time_budget_exhausted_then_is_complete_converges(world):
    ses, s3 = world
    spec = spec_of(*(tenant(f"t{i:02d}") for i in range(40)))
    put_spec(s3, spec, "v1.json")
    seslocal.configure(throttle_tps=20, operations=["CreateTenant"])
    response, polls = run_provider(event("create", key="v1.json"), budget=0.6, poll_budget=0.6)
    stats = seslocal.stats()
    seslocal.configure()
    assert response["Data"]["Pending"] > 0  # the budget ran out with work left (how much depends on the machine)
    assert response["Data"]["Errors"] == 0
    assert polls[-1]["IsComplete"] is True
    assert all(p == {"IsComplete": False} for p in polls[:-1])
    assert calls(stats, "CreateTenant", "ok") == 40 and calls(stats, "CreateTenant", "errors") == 0
    assert_matches(ses, spec)


def test_unowned_tenant_fails_before_any_write(world):
    ses, s3 = world
    ses.create_tenant(TenantName="beta")
    seslocal.reset_stats()
    put_spec(s3, base_spec(), "v1.json")
    with pytest.raises(ReconcileFailed) as failed:
        handler.on_event(event("create", key="v1.json"), LambdaContext())
    message = str(failed.value)
    assert "nothing was changed" in message and "'beta'" in message and "adopt: true" in message
    assert LOG_GROUP in message
    assert writes(seslocal.stats()) == 0


def test_deletion_guard_via_handler(world):
    ses, s3 = world
    v1 = spec_of(*(tenant(f"t{i}") for i in range(4)), max_deletions=2)
    v2 = spec_of(tenant("t0"), max_deletions=2)
    put_spec(s3, v1, "v1.json")
    put_spec(s3, v2, "v2.json")
    run_provider(event("create", key="v1.json"))
    seslocal.reset_stats()
    for mode in ("reconcile", "prune"):
        with pytest.raises(ReconcileFailed, match=r"deletes 3 tenants.*settings\.max_deletions"):
            handler.on_event(event("update", mode=mode, key="v2.json", old_key="v1.json"), LambdaContext())
    assert writes(seslocal.stats()) == 0 and len(snapshot(ses)) == 4


def test_delete_retains_by_default_without_any_call(world):
    ses, s3 = world
    spec = base_spec()
    put_spec(s3, spec, "v1.json")
    run_provider(event("create", key="v1.json"))
    seslocal.reset_stats()
    for mode in ("reconcile", "prune"):
        response, polls = run_provider(event("delete", mode=mode, key="v1.json"))
        assert response["PhysicalResourceId"] == f"ses-tenants:acme:{mode}"
        assert polls == [{"IsComplete": True}]
    assert seslocal.stats()["total"]["calls"] == 0
    assert_matches(ses, spec)


def test_delete_destroy_removes_only_owned_tenants(world):
    ses, s3 = world
    spec = base_spec(on_stack_delete="destroy")
    put_spec(s3, spec, "v1.json")
    run_provider(event("create", key="v1.json"))
    ses.create_tenant(TenantName="foreign")
    # The reconcile resource never deletes, even with destroy.
    run_provider(event("delete", key="v1.json"))
    assert len(snapshot(ses)) == 4
    response, _ = run_provider(event("delete", mode="prune", key="v1.json"))
    assert response["Data"]["Deleted"] == 3
    assert set(snapshot(ses)) == {"foreign"}


def test_bad_properties_and_missing_spec_fail_short(world):
    ev = event("create", key="v1.json")
    ev["ResourceProperties"]["Mode"] = "nuke"
    with pytest.raises(ReconcileFailed, match="Mode must be one of reconcile, prune"):
        handler.on_event(ev, LambdaContext())
    del ev["ResourceProperties"]["SpecKey"]
    with pytest.raises(ReconcileFailed, match="missing properties: SpecKey"):
        handler.on_event(ev, LambdaContext())
    with pytest.raises(ReconcileFailed) as failed:
        handler.on_event(event("create", key="absent.json"), LambdaContext())
    assert f"s3://{BUCKET}/absent.json" in str(failed.value) and LOG_GROUP in str(failed.value)
    assert len(str(failed.value)) < 1000


def test_update_with_unreadable_old_spec_falls_back_to_full(world):
    ses, s3 = world
    spec = base_spec()
    put_spec(s3, spec, "v1.json")
    response, _ = run_provider(event("update", key="v1.json", old_key="gone.json"))
    assert response["Data"]["Created"] == 3
    assert_matches(ses, spec)


def test_drift_reconcile_setting_repairs_out_of_band_changes(world):
    ses, s3 = world
    spec = base_spec(drift_reconcile=True)
    put_spec(s3, spec, "v1.json")
    run_provider(event("create", key="v1.json"))
    arn = snapshot(ses)["alpha"]["arn"]
    ses.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arn,
        ReputationEntityPolicy="arn:aws:ses:us-east-1:aws:reputation-policy/none",
    )
    response, _ = run_provider(event("update", key="v1.json", old_key="v1.json"))
    assert response["Data"]["Updated"] == 1
    assert_matches(ses, spec)


def test_ten_thousand_tenants_response_stays_small(world):
    _ses, s3 = world
    big = spec_of(*(tenant(f"tenant-{i:05d}") for i in range(10_000)))
    put_spec(s3, big, "big.json")
    # Success path, budget used up at once: everything pending, response still tiny.
    response = handler.on_event(event("create", key="big.json"), LambdaContext(budget=0))
    assert response["Data"]["Pending"] == 10_000
    assert small(response) < CFN_LIMIT
    assert handler.is_complete({**event("create", key="big.json"), **response}, LambdaContext(budget=0)) == {
        "IsComplete": False
    }
    # Failure path with 10,000 per-tenant errors (tenant quota 0): one short reason pointing to the logs.
    seslocal.configure(tenant_quota=0)
    with pytest.raises(ReconcileFailed) as failed:
        handler.on_event(event("create", key="big.json"), LambdaContext())
    seslocal.configure()
    reason = str(failed.value)
    assert len(reason) < 1000 and len(json.dumps({"Status": "FAILED", "Reason": reason})) < CFN_LIMIT
    assert "tenant quota reached" in reason and "10000 tenant(s) not created" in reason and LOG_GROUP in reason
    assert calls(seslocal.stats(), "CreateTenant") <= 16  # stopped at the first quota error, not retried


def test_ten_thousand_tenant_update_of_one_tenant_costs_a_handful_of_calls(world):
    ses, s3 = world
    tenants = [tenant(f"tenant-{i:05d}") for i in range(10_000)]
    v1 = spec_of(*tenants)
    tenants[4242] = dataclasses.replace(tenants[4242], reputation_policy="strict")
    v2 = spec_of(*tenants)
    put_spec(s3, v1, "v1.json")
    put_spec(s3, v2, "v2.json")
    ses.create_tenant(TenantName="tenant-04242", Tags=[{"Key": OWNERSHIP_TAG_KEY, "Value": "acme"}])
    ses.create_tenant_resource_association(
        TenantName="tenant-04242", ResourceArn="arn:aws:ses:us-east-1:123456789012:identity/example.com"
    )
    seslocal.reset_stats()
    response, polls = run_provider(event("update", key="v2.json", old_key="v1.json"))
    assert response["Data"]["Updated"] == 1 and response["Data"]["Unchanged"] == 9_999
    assert small(response) < CFN_LIMIT and polls == [{"IsComplete": True}]
    assert seslocal.stats()["total"]["calls"] == 4  # GetTenant, GetReputationEntity, ListTenantResources, 1 write


def test_physical_id_and_context_helpers():
    assert handler.physical_id("acme", "prune") == "ses-tenants:acme:prune"
    ctx = handler.aws_context(LambdaContext(region="cn-north-1"))
    ctx_cn = type(ctx)("aws", "cn-north-1", "123456789012")
    assert ctx == ctx_cn
    cn = handler.aws_context(
        type("C", (), {"invoked_function_arn": "arn:aws-cn:lambda:cn-north-1:111122223333:function:f"})()
    )
    assert (cn.partition, cn.region, cn.account) == ("aws-cn", "cn-north-1", "111122223333")


def test_delete_never_fails_for_missing_information(world):
    ev = event("delete", mode="prune", key="never-uploaded.json")
    response, polls = run_provider(ev)  # spec unreadable: retain, do not leave the stack in DELETE_FAILED
    assert response["PhysicalResourceId"] == "ses-tenants:acme:prune"
    assert counts(response["Data"]) == {"Pending": 0, "Errors": 0}
    assert polls == [{"IsComplete": True}]
    ev["ResourceProperties"] = {"ServiceToken": "x"}
    response, _ = run_provider(ev)
    assert response["PhysicalResourceId"] == "ses-tenants:acme:prune"
    assert seslocal.stats()["total"]["calls"] == 0


def test_destroy_respects_the_deletion_guard(world):
    ses, s3 = world
    spec = spec_of(*(tenant(f"t{i}") for i in range(4)), max_deletions=2, on_stack_delete="destroy")
    put_spec(s3, spec, "v1.json")
    run_provider(event("create", key="v1.json"))
    with pytest.raises(ReconcileFailed, match=r"deletes 4 tenants.*max_deletions"):
        handler.on_event(event("delete", mode="prune", key="v1.json"), LambdaContext())
    assert len(snapshot(ses)) == 4


def test_transient_read_failure_in_on_event_is_continued_by_is_complete(world, monkeypatch):
    ses, s3 = world
    spec = base_spec()
    put_spec(s3, spec, "v1.json")
    monkeypatch.setenv("SES_TENANTS_MAX_ATTEMPTS", "1")
    seslocal.configure(fault_rate=1.0, operations=["ListTenants"])
    ev = event("create", key="v1.json")
    response = handler.on_event(ev, LambdaContext())
    assert response["PhysicalResourceId"] == "ses-tenants:acme:reconcile"
    assert counts(response["Data"]) == {"Pending": 1, "Errors": 0}  # no Unfinished: isComplete reads in full
    assert handler.is_complete({**ev, **response}, LambdaContext()) == {"IsComplete": False}
    seslocal.configure()
    assert handler.is_complete({**ev, **response}, LambdaContext())["IsComplete"] is True
    assert_matches(ses, spec)


def test_provider_converges_with_faults_on_every_call(world):
    """onEvent + isComplete with 30 % 5xx on every SES call (reads and pre-flight included): no failure.

    Then the same with a drift reconcile of the created tenants, which reads every one of them.

    (Throttling plus faults through the same ``converge`` is in test_reconcile; in-process throttling makes
    botocore's adaptive limiter recover slowly, so it is kept out of this test.)
    """
    ses, s3 = world
    spec = spec_of(
        *(
            tenant(
                f"t{i:02d}",
                reputation_policy=("standard", "strict", "none")[i % 3],
                sending="DISABLED" if i % 2 else "ENABLED",
                resources=(Resource("EMAIL_IDENTITY", "example.com"), Resource("CONFIGURATION_SET", "cs-a")),
            )
            for i in range(20)
        )
    )
    put_spec(s3, spec, "v1.json")
    seslocal.configure(fault_rate=0.3, seed=21)
    response, polls = run_provider(event("create", key="v1.json"))
    stats = seslocal.stats()
    seslocal.configure()
    assert response["Data"]["Errors"] == 0 and polls[-1]["IsComplete"] is True
    assert stats["total"]["faults"] >= 20
    assert calls(stats, "CreateTenant", "ok") == 20 and calls(stats, "CreateTenant", "errors") == 0
    assert_matches(ses, spec)
    drift = dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, drift_reconcile=True))
    put_spec(s3, drift, "v2.json")
    ses.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=snapshot(ses)["t04"]["arn"],  # strict in the spec
        ReputationEntityPolicy="arn:aws:ses:us-east-1:aws:reputation-policy/none",
    )
    seslocal.reset_stats()
    seslocal.configure(fault_rate=0.3, seed=22)
    response, polls = run_provider(event("update", key="v2.json", old_key="v1.json"))
    stats = seslocal.stats()
    seslocal.configure()
    assert response["Data"]["Errors"] == 0 and polls[-1]["IsComplete"] is True
    assert calls(stats, "GetTenant", "faults") + calls(stats, "ListTenantResources", "faults") >= 5
    assert calls(stats, "UpdateReputationEntityPolicy", "ok") == 1
    assert_matches(ses, drift)


def test_persistent_transient_errors_after_writes_leave_work_pending_not_failed(world, monkeypatch):
    """Associations and re-reads keep failing after the creates: onEvent reports Pending (no failure) and
    isComplete keeps polling until they recover, then finishes without creating anything twice."""
    ses, s3 = world
    spec = base_spec()
    put_spec(s3, spec, "v1.json")
    monkeypatch.setenv("SES_TENANTS_MAX_ATTEMPTS", "0")
    seslocal.configure(fault_rate=1.0, operations=["CreateTenantResourceAssociation", "GetTenant"])
    ev = event("create", key="v1.json")
    response = handler.on_event(ev, LambdaContext())
    data = response["Data"]
    assert (data["Pending"], data["Errors"], data["Created"]) == (3, 0, 0)
    assert calls(seslocal.stats(), "CreateTenant", "ok") == 3
    merged = {**ev, **response}
    assert handler.is_complete(merged, LambdaContext()) == {"IsComplete": False}
    seslocal.configure()
    done = {"IsComplete": True, "Data": {"Pending": 0, "Errors": 0, "Unfinished": ""}}
    assert handler.is_complete(merged, LambdaContext()) == done
    assert calls(seslocal.stats(), "CreateTenant", "ok") == 3
    assert_matches(ses, spec)


def test_unexpected_error_is_short_and_points_to_logs(world):
    _ses, s3 = world
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="junk.json", Body=b'{"spec_version": 99}')
    with pytest.raises(ReconcileFailed) as failed:
        handler.on_event(event("create", key="junk.json"), LambdaContext())
    message = str(failed.value)
    assert "unsupported spec_version 99" in message and LOG_GROUP in message and len(message) < 1000
