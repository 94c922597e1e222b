"""converge / compute_plan against the local SES v2 endpoint through the engine's real boto3 client."""

from __future__ import annotations

import dataclasses
import time

import pytest
from botocore.exceptions import ClientError
from engine_support import ACCOUNT, assert_matches, calls, make_resources, snapshot, spec_of, tenant, writes
from ses_tenants_engine import reconcile
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Suppression

import seslocal

IDENTITY = Resource("EMAIL_IDENTITY", "example.com")


def rich_spec(**kw):
    return spec_of(
        tenant(
            "acme",
            reputation_policy="strict",
            tags={"team": "mail", "tier": "gold"},
            suppression=Suppression("TENANT", ("BOUNCE", "COMPLAINT")),
            resources=(IDENTITY, Resource("CONFIGURATION_SET", "acme-tx"), Resource("EMAIL_TEMPLATE", "welcome")),
        ),
        tenant("globex", resources=(IDENTITY, Resource("CONFIGURATION_SET", "globex-tx"))),
        tenant("initech-mkt", sending="DISABLED", resources=(Resource("CONFIGURATION_SET", "initech-mkt"),)),
        tenant("initech-tx", reputation_policy="none", resources=(Resource("CONFIGURATION_SET", "initech-tx"),)),
        **kw,
    )


def setup_resources(ses):
    make_resources(
        ses,
        identities=["example.com", "other.example"],
        config_sets=["acme-tx", "globex-tx", "initech-mkt", "initech-tx"],
        templates=["welcome"],
    )
    seslocal.reset_stats()


def test_create_converges_then_nothing_to_do(factory, ses):
    setup_resources(ses)
    spec = rich_spec()
    result = reconcile.converge(factory, spec)
    assert result.complete and result.counts()["Created"] == 4
    assert_matches(ses, spec)
    # Minimal writes: 1 create per tenant + non-default policy/status + one call per association.
    assert result.calls["CreateTenant"] == 4
    assert result.calls["CreateTenantResourceAssociation"] == 7
    assert result.calls["UpdateReputationEntityPolicy"] == 2
    assert result.calls["UpdateReputationEntityCustomerManagedStatus"] == 1
    assert "TagResource" not in result.calls and "PutTenantSuppressionAttributes" not in result.calls

    seslocal.reset_stats()
    again = reconcile.converge(factory, spec)
    assert again.plan.empty and again.complete and again.counts()["Unchanged"] == 4
    assert writes(seslocal.stats()) == 0


def test_every_kind_of_update_and_prune(factory, ses):
    setup_resources(ses)
    old = rich_spec()
    reconcile.converge(factory, old)
    acme, globex, mkt, _tx = old.tenants
    new = dataclasses.replace(
        old,
        tenants=(
            dataclasses.replace(
                acme,
                reputation_policy="standard",
                tags={"team": "mail", "owner": "ops"},
                suppression=None,
                resources=(IDENTITY, Resource("CONFIGURATION_SET", "acme-tx")),
            ),
            dataclasses.replace(globex, sending="DISABLED", resources=(Resource("EMAIL_IDENTITY", "other.example"),)),
            dataclasses.replace(mkt, sending="REINSTATED"),
        ),
    )
    ids_before = {n: t["id"] for n, t in snapshot(ses).items()}
    plan = reconcile.compute_plan(factory, new, old_spec=old)
    assert plan.summary() == {"create": 0, "update": 3, "delete": 1, "adopt": 0, "unchanged": 0, "blocked": 0}
    result = reconcile.converge(factory, new, old_spec=old, plan=plan)
    assert result.complete and result.counts()["Deleted"] == 1
    snap = assert_matches(ses, new)
    # Updated in place, never recreated.
    assert all(snap[n]["id"] == ids_before[n] for n in snap)


def test_reconcile_mode_never_deletes_and_prune_only_deletes(factory, ses):
    setup_resources(ses)
    old = rich_spec()
    reconcile.converge(factory, old)
    new = dataclasses.replace(
        old, tenants=(dataclasses.replace(old.tenants[0], reputation_policy="none"), *old.tenants[1:3])
    )
    seslocal.reset_stats()
    main = reconcile.converge(factory, new, mode="reconcile", old_spec=old)
    assert main.complete and main.calls.get("DeleteTenant", 0) == 0
    assert "initech-tx" in snapshot(ses)
    prune = reconcile.converge(factory, new, mode="prune", old_spec=old)
    assert prune.complete and prune.calls == {"GetTenant": 1, "DeleteTenant": 1}
    assert_matches(ses, new)


def test_pagination_more_tenants_and_associations_than_a_page(factory, ses):
    identities = [f"id{i:03d}.example" for i in range(130)]
    make_resources(ses, identities=identities)
    big = tenant("big", resources=tuple(Resource("EMAIL_IDENTITY", n) for n in identities))
    spec = spec_of(big, *(tenant(f"t{i:03d}") for i in range(230)))
    make_resources(ses, identities=["example.com"])
    assert reconcile.converge(factory, spec).complete
    # A foreign tenant past the first page must be seen (and left alone).
    ses.create_tenant(TenantName="zz-foreign")
    seslocal.reset_stats()
    again = reconcile.converge(factory, spec, drift=True)
    assert again.plan.empty and not again.problems
    stats = seslocal.stats()
    assert calls(stats, "ListTenants") == 3  # 232 tenants, pages of 100
    assert calls(stats, "ListTenantResources") == 231 + 1  # big has 130 associations: 2 pages
    assert calls(stats, "ListReputationEntities") == 3
    assert calls(stats, "GetReputationEntity") == 0
    snap = assert_matches(ses, spec, others={"zz-foreign"})
    assert len(snap["big"]["resources"]) == 130


@pytest.mark.parametrize(
    ("n", "tps", "fault_rate", "min_rejected"),
    [(40, 150, 0.3, 30), (12, 30, 0.0, 1)],
    ids=["30pct-5xx", "throttle-30tps"],
)
def test_throttling_and_transient_faults_converge_without_duplicates(factory, ses, n, tps, fault_rate, min_rejected):
    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    spec = spec_of(
        *(
            tenant(f"t{i:02d}", reputation_policy="strict", resources=(IDENTITY, Resource("CONFIGURATION_SET", "cs")))
            for i in range(n)
        )
    )
    seslocal.reset_stats()
    seslocal.configure(throttle_tps=tps, fault_rate=fault_rate, seed=7)
    result = reconcile.converge(factory, spec)
    stats = seslocal.stats()
    seslocal.configure()
    assert result.complete, result.applied.pending or result.applied.errors
    assert stats["total"]["throttled"] + stats["total"]["faults"] >= min_rejected
    # Every retry was botocore's (the engine's attempt counter saw them all) and the rejected ones were retried.
    assert sum(factory.counter.attempts.values()) >= stats["total"]["calls"]
    # No duplicate creates: exactly one successful CreateTenant per tenant and no AlreadyExists.
    assert calls(stats, "CreateTenant", "ok") == n and calls(stats, "CreateTenant", "errors") == 0
    # Bounded: the writes needed (4 per tenant) plus retries of the rejected calls, nothing more.
    ideal = n * 4
    assert stats["total"]["ok"] <= ideal + 5
    assert stats["total"]["calls"] <= stats["total"]["ok"] + stats["total"]["rejected"]
    assert stats["total"]["calls"] < 3 * ideal
    assert_matches(ses, spec)


def test_minimal_calls_one_change_in_a_big_spec(factory, ses):
    make_resources(ses, identities=["example.com"])
    spec = spec_of(*(tenant(f"t{i:04d}") for i in range(1500)))
    assert reconcile.converge(factory, spec).complete
    tenants = list(spec.tenants)
    tenants[700] = dataclasses.replace(tenants[700], reputation_policy="strict", tags={"vip": "yes"})
    new = dataclasses.replace(spec, tenants=tuple(tenants))
    seslocal.reset_stats()
    result = reconcile.converge(factory, new, old_spec=spec)
    assert result.complete
    assert result.calls == {
        "GetTenant": 1,
        "GetReputationEntity": 1,
        "ListTenantResources": 1,
        "TagResource": 1,
        "UpdateReputationEntityPolicy": 1,
    }
    assert seslocal.stats()["total"]["calls"] == 5
    # Unchanged spec, incremental: zero calls at all.
    seslocal.reset_stats()
    assert reconcile.converge(factory, new, old_spec=new).plan.empty
    assert seslocal.stats()["total"]["calls"] == 0


def test_unowned_same_named_tenant_is_refused_and_untouched(factory, ses):
    make_resources(ses, identities=["example.com"])
    ses.create_tenant(TenantName="legacy", Tags=[{"Key": "team", "Value": "old"}])
    before = snapshot(ses)
    spec = spec_of(tenant("legacy", reputation_policy="strict"), tenant("fresh"))
    seslocal.reset_stats()
    result = reconcile.converge(factory, spec)
    assert not result.ok and [p.code for p in result.problems] == ["unowned"]
    assert "legacy" in result.problems[0].message and "adopt: true" in result.problems[0].message
    assert writes(seslocal.stats()) == 0  # fails before any write, even for the other tenant
    assert snapshot(ses) == before


def test_adoption_tags_and_converges(factory, ses):
    make_resources(ses, identities=["example.com"])
    ses.create_tenant(TenantName="legacy", Tags=[{"Key": "team", "Value": "old"}])
    legacy_id = snapshot(ses)["legacy"]["id"]
    spec = spec_of(tenant("legacy", adopt=True, tags={"team": "new"}, reputation_policy="strict"))
    result = reconcile.converge(factory, spec)
    assert result.complete and result.counts()["Adopted"] == 1
    snap = assert_matches(ses, spec)
    assert snap["legacy"]["id"] == legacy_id and snap["legacy"]["tags"][OWNERSHIP_TAG_KEY] == "acme"
    # From then on it is owned: removing it from the spec deletes it in prune.
    empty = spec_of()
    assert reconcile.converge(factory, empty, mode="prune").counts()["Deleted"] == 1


def test_foreign_tenants_are_never_pruned(factory, ses):
    make_resources(ses, identities=["example.com"])
    ses.create_tenant(TenantName="foreign")
    ses.create_tenant(TenantName="other-deploy", Tags=[{"Key": OWNERSHIP_TAG_KEY, "Value": "someone-else"}])
    reconcile.converge(factory, spec_of(tenant("mine")))
    result = reconcile.converge(factory, spec_of(), drift=True)
    assert result.complete and result.counts()["Deleted"] == 1
    assert set(snapshot(ses)) == {"foreign", "other-deploy"}


def test_deletion_guard_fails_before_any_write(factory, ses):
    make_resources(ses, identities=["example.com"])
    old = spec_of(*(tenant(f"t{i}") for i in range(8)), max_deletions=5)
    reconcile.converge(factory, old)
    new = spec_of(tenant("t0", reputation_policy="strict"), tenant("t1"), max_deletions=5)
    for mode in ("reconcile", "prune", "all"):
        seslocal.reset_stats()
        result = reconcile.converge(factory, new, mode=mode, old_spec=old)
        (problem,) = result.problems
        assert problem.code == "deletion_guard" and "6 tenants" in problem.message
        assert "settings.max_deletions" in problem.message
        assert writes(seslocal.stats()) == 0
    assert len(snapshot(ses)) == 8


def test_missing_resource_fails_preflight_with_zero_writes(factory, ses):
    make_resources(ses, identities=["example.com"])
    spec = spec_of(
        tenant("a"),
        tenant("b", resources=(IDENTITY, Resource("CONFIGURATION_SET", "typo-cs"))),
        tenant("c", resources=(Resource("CONFIGURATION_SET", "typo-cs"), Resource("EMAIL_TEMPLATE", "nope"))),
    )
    seslocal.reset_stats()
    result = reconcile.converge(factory, spec)
    assert sorted(p.code for p in result.problems) == ["missing_resource", "missing_resource"]
    text = " ".join(p.message for p in result.problems)
    assert "configuration set 'typo-cs'" in text and "tenant b, c" in text and "email template 'nope'" in text
    stats = seslocal.stats()
    assert writes(stats) == 0
    # Each unique resource checked once.
    assert calls(stats, "GetEmailIdentity") == 1 and calls(stats, "GetConfigurationSet") == 1
    assert snapshot(ses) == {}


def test_tenant_quota_is_a_clear_error_and_not_retried(factory, ses):
    make_resources(ses, identities=["example.com"])
    seslocal.configure(tenant_quota=3)
    spec = spec_of(*(tenant(f"t{i}") for i in range(6)))
    seslocal.reset_stats()
    started = time.monotonic()
    result = reconcile.converge(factory, spec, concurrency=1)
    assert time.monotonic() - started < 5  # no backoff loop
    assert result.applied.quota_error and "quota" in result.applied.quota_error
    assert "Service Quotas" in result.applied.quota_error
    stats = seslocal.stats()
    # 3 created, then exactly one LimitExceededException: not retried, and no further CreateTenant.
    assert calls(stats, "CreateTenant") == 4 and calls(stats, "CreateTenant", "ok") == 3
    assert len(result.applied.errors) == 3


def test_deadline_leaves_work_pending_and_the_next_run_finishes(factory, ses):
    make_resources(ses, identities=["example.com"])
    spec = spec_of(*(tenant(f"t{i:02d}") for i in range(30)))
    seslocal.reset_stats()
    result = reconcile.converge(factory, spec, deadline=time.monotonic() - 1)
    assert result.ok and not result.complete and result.pending == 30
    assert writes(seslocal.stats()) == 0
    final = reconcile.converge(factory, spec)
    assert final.complete and final.counts()["Created"] == 30
    assert_matches(ses, spec)


def test_deadline_mid_run_stops_starting_tenants(factory, ses):
    make_resources(ses, identities=["example.com"])
    spec = spec_of(*(tenant(f"t{i:02d}") for i in range(10)))
    deadline = time.monotonic() + 60

    def slow_progress(change, outcome, message):
        # The first finished tenant takes the rest of the budget: nothing else may start.
        time.sleep(max(0.0, deadline - time.monotonic()) + 0.01)

    plan = reconcile.compute_plan(factory, spec)
    deadline = time.monotonic() + 2.0
    result = reconcile.converge(factory, spec, plan=plan, deadline=deadline, progress=slow_progress, concurrency=1)
    assert result.ok and result.counts()["Created"] == 1 and result.pending == 9
    assert set(result.applied.pending.values()) == {"time budget used up before this tenant started"}
    assert len(snapshot(ses)) == 1
    assert reconcile.converge(factory, spec).counts()["Created"] == 9
    assert_matches(ses, spec)


def test_progress_reports_every_tenant(factory, ses):
    make_resources(ses, identities=["example.com"])
    seen = []
    spec = spec_of(tenant("a"), tenant("b"))
    reconcile.converge(factory, spec, progress=lambda change, outcome, msg: seen.append((change.tenant, outcome)))
    assert sorted(seen) == [("a", "done"), ("b", "done")]


def test_context_comes_from_sts(factory):
    ctx = factory.context()
    assert (ctx.partition, ctx.region, ctx.account) == ("aws", "us-east-1", ACCOUNT)


@pytest.mark.parametrize("mode", ["destroy", ""])
def test_bad_mode_rejected(factory, mode):
    with pytest.raises(ValueError, match="mode"):
        reconcile.compute_plan(factory, spec_of(), mode=mode)


def test_light_continuation_read_uses_bulk_lists_and_reads_only_unfinished(factory, ses):
    make_resources(ses, identities=["example.com"])
    spec = spec_of(*(tenant(f"t{i:03d}") for i in range(250)), tenant("foreign"))
    assert not reconcile.converge(factory, dataclasses.replace(spec, tenants=spec.tenants[:250])).problems
    identity = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
    # Unfinished work: one tenant lost its association, one its policy; a foreign same-named tenant appeared.
    ses.delete_tenant_resource_association(TenantName="t007", ResourceArn=identity)
    arn = snapshot(ses)["t100"]["arn"]
    ses.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arn,
        ReputationEntityPolicy="arn:aws:ses:us-east-1:aws:reputation-policy/none",
    )
    ses.create_tenant(TenantName="foreign")
    seslocal.reset_stats()
    settled = [f"t{i:03d}" for i in range(250)]  # what the earlier run (onEvent) finished
    light = reconcile.compute_plan(factory, spec, settled=settled)
    light_calls = seslocal.stats()["total"]["calls"]
    seslocal.reset_stats()
    full = reconcile.compute_plan(factory, spec)
    full_calls = seslocal.stats()["total"]["calls"]
    for p in (light, full):
        assert {c.tenant: [op.kind for op in c.ops] for c in p.changes} == {
            "t007": ["associate"],
            "t100": ["set_policy"],
        }
        assert [(x.tenant, x.code) for x in p.problems] == [("foreign", "unowned")]
    # 3 ListTenants + 3 ListReputationEntities + 3 ListResourceTenants pages + GetTenant for the 3 suspects
    # + ListTenantResources for the 2 owned ones, against ~2 calls per tenant for the full read.
    assert light_calls == 3 + 3 + 3 + 3 + 2
    assert full_calls > 500


def test_transient_errors_beyond_botocore_retries_are_replanned(aws, ses):
    from ses_tenants_engine.client import ClientFactory

    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    spec = spec_of(*(tenant(f"t{i:02d}", resources=(IDENTITY, Resource("CONFIGURATION_SET", "cs"))) for i in range(20)))
    # One attempt per call: every injected 5xx reaches the engine, which re-reads and re-plans those tenants.
    factory = ClientFactory(region="us-east-1", concurrency=4, max_attempts=1)
    seslocal.reset_stats()
    seslocal.configure(fault_rate=0.3, seed=3, operations=["CreateTenant", "CreateTenantResourceAssociation"])
    result = reconcile.converge(factory, spec, max_rounds=20)
    stats = seslocal.stats()
    seslocal.configure()
    assert result.complete and result.rounds > 1
    assert result.counts()["Created"] == 20  # counted by the action each tenant started with
    assert calls(stats, "CreateTenant", "ok") == 20 and calls(stats, "CreateTenant", "errors") == 0
    assert_matches(ses, spec)


def test_bulk_reads_not_allowed_fall_back_to_per_tenant_reads(factory, ses):
    from botocore.awsrequest import AWSResponse

    make_resources(ses, identities=["example.com"])
    spec = spec_of(*(tenant(f"t{i:03d}") for i in range(60)))
    reconcile.converge(factory, spec)
    client = factory.sesv2()

    def deny(**_):  # what IAM answers when the role lacks the permission
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        return AWSResponse("https://ses", 403, {}, None), {**error, "ResponseMetadata": {"HTTPStatusCode": 403}}

    for op in ("ListReputationEntities", "ListResourceTenants"):
        client.meta.events.register(f"before-call.sesv2.{op}", deny)
    seslocal.reset_stats()
    for settled in (None, [t.name for t in spec.tenants]):
        plan = reconcile.compute_plan(factory, spec, settled=settled)
        assert plan.empty and not plan.problems
    ops = seslocal.stats()["operations"]
    assert ops["GetReputationEntity"]["calls"] == 120  # 60 per read, instead of the denied bulk list


# ------------------------------------------------------------------ transient errors beyond botocore's retries


def _fleet(n: int):
    return spec_of(
        *(
            tenant(
                f"t{i:02d}",
                reputation_policy="strict" if i % 2 else "standard",
                sending="DISABLED" if i % 3 == 0 else "ENABLED",
                tags={"n": str(i)},
                resources=(IDENTITY, Resource("CONFIGURATION_SET", "cs")),
            )
            for i in range(n)
        )
    )


def test_throttling_plus_faults_on_every_call_reads_included_converge(factory, ses):
    """40 tenants, throttling and 30 % 5xx on every SES call (reads, pre-flight and writes alike)."""
    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    spec = _fleet(40)
    seslocal.reset_stats()
    seslocal.configure(throttle_tps=100, fault_rate=0.3, seed=5)
    result = reconcile.converge(factory, spec, max_rounds=10)
    stats = seslocal.stats()
    seslocal.configure()
    assert result.complete, (result.applied.pending, result.applied.errors, result.failure)
    assert stats["total"]["faults"] >= 50 and stats["total"]["throttled"] >= 1
    for op in ("ListTenants", "GetEmailIdentity", "CreateTenant", "CreateTenantResourceAssociation"):
        assert op in stats["operations"]
    # No duplicate creates: exactly one successful CreateTenant per tenant and no AlreadyExists.
    assert calls(stats, "CreateTenant", "ok") == 40 and calls(stats, "CreateTenant", "errors") == 0
    assert result.counts()["Created"] == 40
    assert_matches(ses, spec)


def _drain(client, op_name: str, n: int = 40) -> dict:
    """Call a failing operation ``n`` times through ``client``; return the last error's response metadata."""
    seslocal.configure(fault_rate=1.0, seed=1, operations=[op_name])
    meta = {}
    for _ in range(n):
        try:
            client.get_tenant(TenantName="nobody")
        except ClientError as exc:
            meta = exc.response["ResponseMetadata"]
    seslocal.configure()
    return meta


def test_botocore_retry_quota_exhausted_then_rounds_still_converge(aws, ses):
    """With botocore's retry quota kept: once it is dry, 5xx escape after one attempt; the rounds absorb them."""
    from ses_tenants_engine.client import ClientFactory

    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    spec = _fleet(30)
    factory = ClientFactory(region="us-east-1", concurrency=8, max_attempts=3, retry_quota=True)
    meta = _drain(factory.sesv2(), "GetTenant")
    # 40 calls x 3 retries x 14 tokens > botocore's 500: the quota is dry and the last call was not retried.
    assert meta.get("RetryQuotaReached") is True and meta.get("RetryAttempts") == 0
    attempts_while_draining = factory.counter.attempts["GetTenant"]
    assert attempts_while_draining < 40 * 4
    seslocal.reset_stats()
    seslocal.configure(fault_rate=0.3, seed=9)
    result = reconcile.converge(factory, spec, max_rounds=30, read_attempts=12)
    stats = seslocal.stats()
    seslocal.configure()
    assert result.complete, (result.applied.pending, result.applied.errors, result.failure)
    assert result.rounds > 1  # transient errors reached the engine and were re-planned
    assert calls(stats, "CreateTenant", "ok") == 30 and calls(stats, "CreateTenant", "errors") == 0
    assert_matches(ses, spec)


def test_engine_clients_have_no_retry_quota_and_keep_the_quota_guard(aws, ses):
    """The engine's default client retries every call up to max_attempts however many calls failed before."""
    from ses_tenants_engine.client import ClientFactory

    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    factory = ClientFactory(region="us-east-1", concurrency=8, max_attempts=3)
    meta = _drain(factory.sesv2(), "GetTenant")
    assert "RetryQuotaReached" not in meta and meta.get("MaxAttemptsReached") is True
    assert factory.counter.attempts["GetTenant"] == 40 * 4  # every call: 1 attempt + 3 retries
    # After the same drain, 30 % faults on every call: botocore absorbs nearly all of them.
    spec = _fleet(30)
    seslocal.reset_stats()
    seslocal.configure(fault_rate=0.3, seed=9)
    result = reconcile.converge(factory, spec, max_rounds=10)
    stats = seslocal.stats()
    seslocal.configure()
    assert result.complete and stats["total"]["faults"] >= 30
    assert calls(stats, "CreateTenant", "ok") == 30 and calls(stats, "CreateTenant", "errors") == 0
    assert_matches(ses, spec)
    # LimitExceededException from CreateTenant is still never retried.
    seslocal.configure(tenant_quota=30)
    factory.counter.reset()
    with pytest.raises(ClientError) as quota:
        factory.sesv2().create_tenant(TenantName="one-too-many")
    seslocal.configure()
    assert quota.value.response["Error"]["Code"] == "LimitExceededException"
    assert factory.counter.attempts["CreateTenant"] == 1


def test_rounds_run_out_result_reports_done_and_pending_without_raising(aws, ses):
    """Writes fail persistently after the creates, and so does the re-read: the run ends with a full account."""
    from ses_tenants_engine.client import ClientFactory

    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    spec = _fleet(12)
    factory = ClientFactory(region="us-east-1", concurrency=4, max_attempts=0)
    plan = reconcile.compute_plan(factory, spec)
    seslocal.reset_stats()
    seslocal.configure(fault_rate=1.0, seed=2, operations=["CreateTenantResourceAssociation", "GetTenant"])
    result = reconcile.converge(factory, spec, plan=plan, max_rounds=3)
    stats = seslocal.stats()
    seslocal.configure()
    assert result.ok and not result.complete and result.failure is None
    assert result.rounds == 3 and result.pending == 12
    assert calls(stats, "CreateTenant", "ok") == 12  # written in round 1 ...
    assert all(why.startswith("re-reading failed: GetTenant failed: ") for why in result.applied.pending.values())
    counts = result.counts()
    assert counts["Pending"] == 12 and counts["Errors"] == 0 and counts["Operations"] >= 12
    # ... and the next run finishes the job without creating anything twice.
    seslocal.reset_stats()
    final = reconcile.converge(factory, spec)
    assert final.complete and final.counts()["Updated"] == 12
    assert calls(seslocal.stats(), "CreateTenant") == 0
    assert_matches(ses, spec)


def test_first_read_retries_failed_tenants_and_lists_then_gives_up_before_any_write(aws, ses):
    from ses_tenants_engine.client import ClientFactory

    make_resources(ses, identities=["example.com"], config_sets=["cs"])
    spec = _fleet(30)
    factory = ClientFactory(region="us-east-1", concurrency=8, max_attempts=0)  # no botocore retries at all
    assert reconcile.converge(factory, spec).complete
    # Half the per-tenant reads fail: the failed tenants are read again until every one is known.
    seslocal.reset_stats()
    seslocal.configure(fault_rate=0.5, seed=4, operations=["GetTenant", "ListTenants"])
    plan = reconcile.compute_plan(factory, spec, read_attempts=20)
    stats = seslocal.stats()
    seslocal.configure()
    assert plan.empty and plan.unchanged == 30 and not plan.problems
    assert calls(stats, "GetTenant", "faults") >= 5 and calls(stats, "GetTenant", "ok") == 30
    # A list call that keeps failing: ReadFailed, nothing written.
    seslocal.reset_stats()
    seslocal.configure(fault_rate=1.0, operations=["ListTenants"])
    with pytest.raises(reconcile.ReadFailed, match=r"ListTenants failed: .* \(still failing after 3 attempts\)"):
        reconcile.converge(factory, dataclasses.replace(spec, tenants=spec.tenants[:5]), read_attempts=3)
    seslocal.configure()
    assert calls(seslocal.stats(), "ListTenants") == 3 and writes(seslocal.stats()) == 0


def test_backoff_pauses_grow_exponentially_up_to_a_cap_in_units_of_the_base():
    for base in (1.0, 0.02):
        for i in range(12):
            step = base * min(reconcile.BACKOFF_CAP, 2**i)
            assert 0.5 * step <= reconcile.backoff_delay(i, base) <= step
    assert reconcile.backoff_delay(40, 1.0) <= 30.0
    assert reconcile.backoff_base(0.5) == 0.5
