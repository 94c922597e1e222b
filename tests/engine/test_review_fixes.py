"""Regression tests for the AWS review: run deadline, continuation read, foreign ARNs, tag order, SES shapes.

Every test drives the engine's real boto3 client against the in-process local endpoint (moto + seslocal).
"""

from __future__ import annotations

import time

import pytest
from engine_support import (
    CTX,
    LambdaContext,
    assert_matches,
    calls,
    event,
    live_like,
    make_resources,
    put_spec,
    run_provider,
    snapshot,
    spec_of,
    tenant,
    writes,
)
from ses_tenants_engine import handler, reconcile
from ses_tenants_engine.client import ClientFactory
from ses_tenants_engine.handler import ReconcileFailed
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Suppression
from ses_tenants_engine.plan_types import ADOPT_TENANT, SET_POLICY, SET_STATUS, TAG, UNTAG
from ses_tenants_engine.planner import MAX_TAGS, plan

import seslocal

IDENTITY_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
CFN_TAGS = {"aws:cloudformation:stack-name": "Legacy", "aws:cloudformation:logical-id": "Tenant"}


@pytest.fixture
def world(ses, s3):
    make_resources(ses, identities=["example.com"])
    seslocal.reset_stats()
    return ses, s3


def _tags(d: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in d.items()]


def _calls_total() -> int:
    return seslocal.stats()["total"]["calls"]


# ------------------------------------------------------------------------------------- 1. the run deadline


def test_on_event_returns_a_deadline_from_service_timeout(world):
    _ses, s3 = world
    put_spec(s3, spec_of(tenant("a")), "v1.json")
    for timeout, margin in (("600", 60), (None, 120), ("junk", 120), ("7200", 120)):
        ev = event("create", key="v1.json")
        if timeout is not None:
            ev["ResourceProperties"]["ServiceTimeout"] = timeout
        before = time.time()
        response = handler.on_event(ev, LambdaContext())
        expected = min(3600, int(timeout) if timeout and timeout.isdigit() else 3600) - margin
        assert before + expected - 1 <= response["Data"]["Deadline"] <= time.time() + expected


def test_is_complete_after_the_deadline_fails_without_any_call(world):
    ses, s3 = world
    spec = spec_of(*(tenant(f"t{i}") for i in range(5)))
    put_spec(s3, spec, "v1.json")
    ev = event("create", key="v1.json")
    response = handler.on_event(ev, LambdaContext(budget=0))  # budget used up: everything pending
    assert response["Data"]["Pending"] == 5 and response["Data"]["Unfinished"] == "0-4"
    merged = {**ev, **response}
    merged["Data"] = {**response["Data"], "Deadline": int(time.time()) - 1}  # CloudFormation gave up
    seslocal.reset_stats()
    with pytest.raises(ReconcileFailed) as failed:
        handler.is_complete(merged, LambdaContext())
    message = str(failed.value)
    assert "deadline passed: CloudFormation has given up on this resource; nothing more was written" in message
    assert "up to 5 tenant(s) still pending" in message and "next deploy continues" in message
    assert len(message) < 1000
    assert _calls_total() == 0 and snapshot(ses) == {}
    # Less than one call's margin left: no call either, and not (yet) a failure.
    seslocal.reset_stats()
    merged["Data"]["Deadline"] = int(time.time() + handler.CALL_MARGIN / 2)
    assert handler.is_complete(merged, LambdaContext()) == {"IsComplete": False}
    assert _calls_total() == 0


def test_no_write_starts_within_the_call_margin_of_the_deadline():
    run_deadline = time.time() + handler.CALL_MARGIN + 5
    mono = handler.deadline_from(LambdaContext(budget=600), run_deadline)
    assert mono is not None and abs(mono - (time.monotonic() + 5)) < 1
    # The Lambda's own budget still applies when it is the earlier one.
    mono = handler.deadline_from(LambdaContext(budget=10), time.time() + 3000)
    assert mono is not None and mono - time.monotonic() < 10


def test_write_deadline_refuses_writes_and_botocore_retries(world):
    ses, _s3 = world
    spec = spec_of(*(tenant(f"t{i}") for i in range(3)))
    # Past the deadline: reads work, not one write is sent; the tenants are pending, not failed.
    late = ClientFactory(region="us-east-1", concurrency=2, write_deadline=time.time() - 1)
    result = reconcile.converge(late, spec, max_rounds=1)
    assert result.ok and result.pending == 3
    assert all("deadline" in why for why in result.applied.pending.values())
    assert writes(seslocal.stats()) == 0 and calls(seslocal.stats(), "CreateTenant") == 0
    # A write that started before the deadline and keeps failing: its retries stop at the deadline.
    seslocal.configure(fault_rate=1.0, operations=["CreateTenant"])
    factory = ClientFactory(region="us-east-1", concurrency=1, max_attempts=10, write_deadline=time.time() + 0.5)
    started = time.monotonic()
    result = reconcile.converge(factory, spec_of(tenant("t0")), max_rounds=1)
    seslocal.configure()
    assert time.monotonic() - started < 8
    assert result.ok and result.pending == 1 and "deadline" in result.applied.pending["t0"]
    assert calls(seslocal.stats(), "CreateTenant", "ok") == 0 and snapshot(ses) == {}


# ------------------------------------------------------------------------- 2. the continuation read


def _unmanaged(ses, name: str, **tags: str) -> None:
    """A tenant created outside this deployment whose policy, status and association already match the spec."""
    ses.create_tenant(TenantName=name, Tags=_tags(tags) if tags else [])
    ses.create_tenant_resource_association(TenantName=name, ResourceArn=IDENTITY_ARN)


def test_adoptions_left_pending_by_on_event_are_done_by_is_complete(world):
    ses, s3 = world
    _unmanaged(ses, "legacy-a")
    _unmanaged(ses, "legacy-b", team="old")
    spec = spec_of(
        tenant("legacy-a", adopt=True),
        tenant("legacy-b", adopt=True, tags={"team": "mail"}, suppression=Suppression("TENANT", ("BOUNCE",))),
    )
    put_spec(s3, spec, "v1.json")
    response, polls = run_provider(event("create", key="v1.json"), budget=0, poll_budget=600)
    assert response["Data"]["Pending"] == 2 and response["Data"]["Unfinished"] == "0-1"
    assert polls[-1] == {"IsComplete": True, "Data": {"Pending": 0, "Errors": 0, "Unfinished": ""}}
    snap = assert_matches(ses, spec)  # ownership tag, tags and suppression really written
    assert snap["legacy-a"]["tags"] == {OWNERSHIP_TAG_KEY: "acme"}


def test_transient_on_event_then_is_complete_refuses_an_unowned_tenant(world, monkeypatch):
    ses, s3 = world
    _unmanaged(ses, "shared")
    spec = spec_of(tenant("mine"), tenant("shared"))
    put_spec(s3, spec, "v1.json")
    monkeypatch.setenv("SES_TENANTS_MAX_ATTEMPTS", "1")
    seslocal.configure(fault_rate=1.0, operations=["ListTenants"])
    ev = event("create", key="v1.json")
    response = handler.on_event(ev, LambdaContext())
    seslocal.configure()
    assert response["Data"]["Pending"] == 1 and "Unfinished" not in response["Data"]
    seslocal.reset_stats()
    with pytest.raises(ReconcileFailed, match=r"'shared'.*adopt: true"):
        handler.is_complete({**ev, **response}, LambdaContext())
    assert writes(seslocal.stats()) == 0 and set(snapshot(ses)) == {"shared"}


def test_continuation_read_cost_for_1000_tenants(factory, ses):
    """Measured call counts of isComplete's read for a 1,000-tenant spec (2 shared resources per tenant)."""
    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    resources = (Resource("EMAIL_IDENTITY", "example.com"), Resource("CONFIGURATION_SET", "cs"))
    spec = spec_of(*(tenant(f"t{i:04d}", resources=resources) for i in range(1000)))
    names = [t.name for t in spec.tenants]
    assert reconcile.converge(factory, spec).complete
    measured = {}
    for label, settled in (("all settled", names), ("600 settled", names[:600]), ("none settled", [])):
        seslocal.reset_stats()
        p = reconcile.compute_plan(factory, spec, settled=settled)
        assert p.empty and not p.problems and p.unchanged == 1000
        measured[label] = _calls_total()
    seslocal.reset_stats()
    reconcile.compute_plan(factory, spec)
    measured["full read"] = _calls_total()
    # 10 ListTenants + 10 ListReputationEntities + 2 x 10 ListResourceTenants pages for the settled ones;
    # GetTenant + ListTenantResources for each unsettled tenant.
    assert measured == {"all settled": 40, "600 settled": 40 + 800, "none settled": 20 + 2000, "full read": 2020}


def test_is_complete_remembers_tenants_it_settled_in_a_warm_container(world):
    ses, s3 = world
    spec = spec_of(*(tenant(f"t{i:02d}") for i in range(12)))
    put_spec(s3, spec, "v1.json")
    ev = event("create", key="v1.json")
    response = handler.on_event(ev, LambdaContext(budget=0))
    merged = {**ev, **response}
    assert handler.is_complete(merged, LambdaContext())["IsComplete"] is True
    # A later poll for the same request (e.g. the waiter retried) reads nothing per tenant.
    seslocal.reset_stats()
    assert handler.is_complete(merged, LambdaContext())["IsComplete"] is True
    ops = seslocal.stats()["operations"]
    assert "GetTenant" not in ops and "ListTenantResources" not in ops and writes(seslocal.stats()) == 0
    assert_matches(ses, spec)


# ---------------------------------------------------------------- 3. resources in another account or region


@pytest.mark.parametrize(
    "arn, where",
    [
        ("arn:aws:ses:us-east-1:999999999999:configuration-set/cs", "account 999999999999"),
        ("arn:aws:ses:eu-west-1:123456789012:template/welcome", "region eu-west-1"),
        ("arn:aws-cn:ses:us-east-1:123456789012:identity/example.com", "partition aws-cn"),
    ],
)
def test_preflight_refuses_foreign_resource_arns_before_any_write(factory, ses, arn, where):
    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    rtype = {"configuration-set": "CONFIGURATION_SET", "template": "EMAIL_TEMPLATE", "identity": "EMAIL_IDENTITY"}
    kind = arn.split(":")[5].split("/")[0]
    spec = spec_of(tenant("ok"), tenant("elsewhere", resources=(Resource(rtype[kind], arn),)))
    seslocal.reset_stats()
    result = reconcile.converge(factory, spec)
    (problem,) = result.problems
    assert problem.code == "foreign_resource" and problem.tenant == "elsewhere"
    assert arn in problem.message and where in problem.message and "not supported" in problem.message
    assert _calls_total() == 1  # ListTenants only: not even a pre-flight Get
    assert snapshot(ses) == {}


# ---------------------------------------------------------------------------- 4. tag order and adoption


def _max_tag_count(live_tags: dict[str, str], ops) -> int:
    """Simulate the ops' effect on the tenant's (non-aws:) tag count; return the highest count reached."""
    tags = {k: v for k, v in live_tags.items() if not k.startswith("aws:")}
    peak = len(tags)
    for op in ops:
        if op.kind in (TAG, ADOPT_TENANT):
            tags.update(op.params["tags"])
        elif op.kind == UNTAG:
            for k in op.params["keys"]:
                tags.pop(k, None)
        peak = max(peak, len(tags))
    return peak


def test_tenant_at_the_tag_limit_can_rename_a_key():
    full = {f"k{i:02d}": "v" for i in range(MAX_TAGS - 1)}  # 49 user tags + the ownership tag = 50
    renamed = {**{k: v for k, v in full.items() if k != "k00"}, "renamed": "v"}
    live = live_like(tenant("a", tags=full))
    (change,) = plan(spec_of(tenant("a", tags=renamed)), {"a": live}, CTX).changes
    assert [op.kind for op in change.ops] == [UNTAG, TAG]
    assert _max_tag_count(live.tags, change.ops) == MAX_TAGS


def test_adoption_tags_ownership_first_even_before_a_pause():
    t = tenant("legacy", adopt=True, sending="DISABLED", reputation_policy="strict", tags={"team": "x"})
    live = live_like(tenant("legacy", tags={"old": "1"}), owner=None)
    (change,) = plan(spec_of(t), {"legacy": live}, CTX).changes
    assert [op.kind for op in change.ops] == [ADOPT_TENANT, SET_STATUS, UNTAG, SET_POLICY]
    assert change.ops[0].params["tags"] == {OWNERSHIP_TAG_KEY: "acme", "team": "x"}


def test_adoption_within_the_tag_limit_at_every_step():
    # 49 user tags: the ownership tag fits, the new key does not until a removed key is gone.
    live = live_like(tenant("x", tags={f"k{i:02d}": "v" for i in range(49)}), owner=None)
    want = {**{f"k{i:02d}": "v" for i in range(1, 49)}, "new": "1"}
    (change,) = plan(spec_of(tenant("x", adopt=True, tags=want)), {"x": live}, CTX).changes
    assert [op.kind for op in change.ops] == [ADOPT_TENANT, UNTAG, TAG]
    assert change.ops[0].params["tags"] == {OWNERSHIP_TAG_KEY: "acme"}
    assert _max_tag_count(live.tags, change.ops) == MAX_TAGS
    # 50 user tags: no room even for the ownership tag, so the removals go first (the only exception).
    live = live_like(tenant("x", tags={f"k{i:02d}": "v" for i in range(50)}), owner=None)
    (change,) = plan(spec_of(tenant("x", adopt=True, tags=want)), {"x": live}, CTX).changes
    assert [op.kind for op in change.ops] == [UNTAG, ADOPT_TENANT]
    assert _max_tag_count(live.tags, change.ops) == MAX_TAGS


# ------------------------------------------------------------------ 5. suppression: ACCOUNT without reasons


def test_account_scope_without_reasons_is_not_set(factory, ses):
    make_resources(ses, identities=["example.com"])
    spec = spec_of(tenant("a"), tenant("b", suppression=Suppression("TENANT", ("BOUNCE",))))
    assert reconcile.converge(factory, spec).complete

    def account_default(parsed, **_):  # what SES may answer for a tenant without tenant-level suppression
        t = parsed.get("Tenant") or {}
        t.setdefault("SuppressionAttributes", {"SuppressionScope": "ACCOUNT", "SuppressedReasons": []})

    factory.sesv2().meta.events.register("after-call.sesv2.GetTenant", account_default)
    seslocal.reset_stats()
    result = reconcile.converge(factory, spec, drift=True)
    assert result.plan.empty and result.complete and writes(seslocal.stats()) == 0
    assert calls(seslocal.stats(), "GetTenant") == 2  # the shape was really read
    # A real ACCOUNT-scope setting (with reasons) is still "set".
    from ses_tenants_engine.live import suppression_of

    assert suppression_of({"SuppressionScope": "ACCOUNT", "SuppressedReasons": ["BOUNCE"]}) == Suppression(
        "ACCOUNT", ("BOUNCE",)
    )


# ----------------------------------------------------------------------------- 6. reserved aws: tag keys


def test_reserved_aws_tags_are_never_untagged_or_drift(factory, ses):
    make_resources(ses, identities=["example.com"])
    # A tenant created by AWS::SES::Tenant (CloudFormation's tags), adopted, then an owned one with such tags.
    ses.create_tenant(TenantName="from-cfn", Tags=_tags({**CFN_TAGS, "team": "old"}))
    ses.create_tenant_resource_association(TenantName="from-cfn", ResourceArn=IDENTITY_ARN)
    spec = spec_of(tenant("from-cfn", adopt=True, tags={"team": "mail"}))
    seslocal.reset_stats()
    result = reconcile.converge(factory, spec)
    assert result.complete
    (change,) = result.plan.changes
    assert [op.kind for op in change.ops] == [ADOPT_TENANT]  # no UntagResource of the aws: keys
    assert calls(seslocal.stats(), "UntagResource") == 0
    tags = snapshot(ses)["from-cfn"]["tags"]
    assert tags == {**CFN_TAGS, "team": "mail", OWNERSHIP_TAG_KEY: "acme"}
    seslocal.reset_stats()
    again = reconcile.converge(factory, spec, drift=True)  # full drift read: the aws: keys are no drift
    assert again.plan.empty and writes(seslocal.stats()) == 0


def test_unfinished_positions_fit_and_never_lose_a_tenant():
    scattered = set(range(0, 10_000, 2))  # worst case: every other tenant of 10,000 unfinished
    text = handler.encode_positions(scattered)
    assert len(text) <= handler.UNFINISHED_MAX
    decoded = handler.decode_positions(text)
    assert decoded is not None and scattered <= decoded  # widened (more reads), never narrowed
    assert handler.encode_positions([7, 3, 4, 5, 9]) == "3-5,7,9"
    assert handler.decode_positions("3-5,7,9") == {3, 4, 5, 7, 9} and handler.decode_positions("") == set()
    for bad in (None, 12, "x", "5-2", "-1"):
        assert handler.decode_positions(bad) is None
