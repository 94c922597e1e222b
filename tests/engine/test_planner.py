"""The pure planner: (desired, live, context, mode) -> Plan. No I/O."""

from __future__ import annotations

import dataclasses

import pytest
from engine_support import CTX, arn_of, live_like, spec_of, tenant
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Suppression, policy_arn
from ses_tenants_engine.plan_types import (
    ADOPT_TENANT,
    ASSOCIATE,
    CREATE_TENANT,
    DELETE_TENANT,
    DISASSOCIATE,
    PUT_SUPPRESSION,
    SET_POLICY,
    SET_STATUS,
    TAG,
    UNTAG,
)
from ses_tenants_engine.planner import changed_tenants, needs_details, plan

IDENT = "arn:aws:ses:us-east-1:123456789012:identity/example.com"


def kinds(change):
    return [op.kind for op in change.ops]


def test_new_tenant_is_one_create_then_only_non_defaults():
    t = tenant(
        "acme",
        reputation_policy="strict",
        sending="DISABLED",
        tags={"team": "mail"},
        suppression=Suppression("TENANT", ("COMPLAINT", "BOUNCE")),
        resources=(Resource("EMAIL_IDENTITY", "example.com"), Resource("CONFIGURATION_SET", "tx")),
    )
    p = plan(spec_of(t), {"acme": None}, CTX)
    assert [c.action for c in p.changes] == ["create"]
    change = p.changes[0]
    assert kinds(change) == [CREATE_TENANT, SET_POLICY, ASSOCIATE, ASSOCIATE, SET_STATUS]
    create = change.ops[0]
    assert create.params["tags"] == {"team": "mail", OWNERSHIP_TAG_KEY: "acme"}
    assert create.params["suppression"] == {"scope": "TENANT", "reasons": ["BOUNCE", "COMPLAINT"]}
    assert change.ops[1].params["policy_arn"] == "arn:aws:ses:us-east-1:aws:reputation-policy/strict"
    assert {op.params["resource_arn"] for op in change.ops[2:4]} == {
        IDENT,
        "arn:aws:ses:us-east-1:123456789012:configuration-set/tx",
    }
    assert p.summary()["create"] == 1 and p.unchanged == 0


def test_new_tenant_with_defaults_skips_policy_and_status_calls():
    p = plan(spec_of(tenant("a")), {}, CTX)
    assert kinds(p.changes[0]) == [CREATE_TENANT, ASSOCIATE]


def test_unchanged_tenant_costs_zero_ops():
    t = tenant("a", reputation_policy="strict", tags={"x": "1"}, suppression=Suppression("ACCOUNT", ("BOUNCE",)))
    p = plan(spec_of(t), {"a": live_like(t)}, CTX)
    assert p.empty and p.changes == [] and p.unchanged == 1 and not p.problems


def test_update_emits_only_the_differences_in_safe_order():
    old = tenant(
        "a",
        tags={"keep": "1", "change": "old", "drop": "x"},
        resources=(Resource("EMAIL_IDENTITY", "example.com"), Resource("EMAIL_TEMPLATE", "welcome")),
    )
    new = tenant(
        "a",
        reputation_policy="strict",
        tags={"keep": "1", "change": "new", "add": "y"},
        suppression=Suppression("TENANT", ("BOUNCE",)),
        resources=(Resource("EMAIL_IDENTITY", "example.com"), Resource("CONFIGURATION_SET", "tx")),
        sending="REINSTATED",
    )
    live = live_like(old)
    live.customer_status = "DISABLED"
    p = plan(spec_of(new), {"a": live}, CTX)
    (change,) = p.changes
    assert change.action == "update"
    assert kinds(change) == [UNTAG, TAG, PUT_SUPPRESSION, SET_POLICY, ASSOCIATE, DISASSOCIATE, SET_STATUS]
    untag, tag, sup, pol, assoc, disassoc, status = change.ops
    assert tag.params["tags"] == {"add": "y", "change": "new"}
    assert untag.params["keys"] == ["drop"]
    assert sup.params["suppression"] == {"scope": "TENANT", "reasons": ["BOUNCE"]}
    assert pol.old == "standard" and pol.new == "strict"
    assert assoc.params["resource_arn"].endswith(":configuration-set/tx")
    assert disassoc.params["resource_arn"].endswith(":template/welcome")
    assert status.params["status"] == "REINSTATED" and status.old == "DISABLED"
    assert all(op.params["tenant_arn"] == live.arn for op in change.ops)


def test_pausing_comes_first():
    t = tenant("a", sending="DISABLED", reputation_policy="strict")
    live = live_like(tenant("a"))
    (change,) = plan(spec_of(t), {"a": live}, CTX).changes
    assert kinds(change) == [SET_STATUS, SET_POLICY]


def test_clearing_suppression_sends_none():
    live = live_like(tenant("a", suppression=Suppression("TENANT", ("BOUNCE",))))
    (change,) = plan(spec_of(tenant("a")), {"a": live}, CTX).changes
    assert kinds(change) == [PUT_SUPPRESSION]
    assert change.ops[0].params["suppression"] is None


def test_ownership_tag_is_never_a_user_tag():
    t = tenant("a", tags={OWNERSHIP_TAG_KEY: "someone-else"})
    live = live_like(tenant("a"))
    assert plan(spec_of(t), {"a": live}, CTX).empty
    created = plan(spec_of(t), {}, CTX).changes[0].ops[0]
    assert created.params["tags"] == {OWNERSHIP_TAG_KEY: "acme"}


@pytest.mark.parametrize("owner", [None, "other-deployment"])
def test_unowned_tenant_is_a_problem_naming_it_and_adopt(owner):
    live = live_like(tenant("shared"), owner=owner)
    p = plan(spec_of(tenant("shared"), tenant("mine")), {"shared": live, "mine": None}, CTX)
    assert [c.tenant for c in p.changes] == ["mine"]
    (problem,) = p.problems
    assert problem.tenant == "shared" and problem.code == "unowned"
    assert "'shared'" in problem.message and "adopt: true" in problem.message
    # Blocked, not unchanged: the tenant differs from the spec and the deploy refuses it.
    assert p.summary() == {"create": 1, "update": 0, "delete": 0, "adopt": 0, "unchanged": 0, "blocked": 1}


def test_adopt_tags_ownership_and_user_tags_in_one_call():
    t = tenant("shared", adopt=True, tags={"team": "x"}, reputation_policy="strict")
    live = live_like(tenant("shared", tags={"legacy": "1"}), owner=None)
    (change,) = plan(spec_of(t), {"shared": live}, CTX).changes
    assert change.action == "adopt"
    assert kinds(change) == [ADOPT_TENANT, UNTAG, SET_POLICY]
    assert change.ops[0].params["tags"] == {OWNERSHIP_TAG_KEY: "acme", "team": "x"}
    assert change.ops[0].params["old_tags"] == {"team": None}  # for the plan: the tenant had no 'team' tag
    assert change.ops[1].params["keys"] == ["legacy"]


def test_adopted_and_matching_tenant_still_gets_ownership():
    t = tenant("shared", adopt=True)
    (change,) = plan(spec_of(t), {"shared": live_like(t, owner=None)}, CTX).changes
    assert kinds(change) == [ADOPT_TENANT]
    # Once owned, adopt: true is a no-op.
    assert plan(spec_of(t), {"shared": live_like(t)}, CTX).empty


def test_deletions_only_for_owned_tenants_and_only_in_prune_modes():
    live = {
        "keep": live_like(tenant("keep")),
        "gone": live_like(tenant("gone")),
        "foreign": live_like(tenant("foreign"), owner=None),
        "other": live_like(tenant("other"), owner="another-deployment"),
    }
    spec = spec_of(tenant("keep"))
    full = plan(spec, live, CTX, mode="all")
    assert [(c.tenant, c.action, kinds(c)) for c in full.changes] == [("gone", "delete", [DELETE_TENANT])]
    assert full.changes[0].ops[0].params["tenant_arn"] == arn_of("gone")
    assert plan(spec, live, CTX, mode="reconcile").changes == []
    prune = plan(spec, live, CTX, mode="prune")
    assert prune.deletions() == ["gone"]


def test_prune_mode_ignores_desired_differences():
    live = {"a": live_like(tenant("a", reputation_policy="strict"))}
    assert plan(spec_of(tenant("a")), live, CTX, mode="prune").changes == []


def test_deletion_guard_in_every_mode():
    live = {f"t{i}": live_like(tenant(f"t{i}")) for i in range(7)}
    spec = spec_of(tenant("t0"), max_deletions=5)
    for mode in ("all", "reconcile", "prune"):
        p = plan(spec, live, CTX, mode=mode)
        (problem,) = p.problems
        assert problem.code == "deletion_guard"
        assert "6 tenants" in problem.message and "settings.max_deletions" in problem.message
        assert "max_deletions: 6" in problem.message
    ok = plan(dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, max_deletions=6)), live, CTX)
    assert not ok.problems and len(ok.deletions()) == 6


def test_scope_limits_the_diff_and_unchanged_counts_the_rest():
    tenants = [tenant(f"t{i}") for i in range(100)]
    changed = dataclasses.replace(tenants[3], reputation_policy="strict")
    tenants[3] = changed
    live = {"t3": live_like(tenant("t3"))}
    p = plan(spec_of(*tenants), live, CTX, scope={"t3"})
    assert [c.tenant for c in p.changes] == ["t3"] and kinds(p.changes[0]) == [SET_POLICY]
    assert p.unchanged == 99


def test_arn_refs_and_bare_names_are_the_same_resource():
    by_arn = tenant("a", resources=(Resource("EMAIL_IDENTITY", IDENT),))
    live = live_like(tenant("a"))
    assert plan(spec_of(by_arn), {"a": live}, CTX).empty


def test_policy_arn_follows_partition():
    cn = dataclasses.replace(CTX, partition="aws-cn", region="cn-north-1")
    (change,) = plan(spec_of(tenant("a", reputation_policy="none")), {}, cn).changes
    assert change.ops[1].params["policy_arn"] == policy_arn("aws-cn", "cn-north-1", "none")
    assert change.ops[2].params["resource_arn"] == "arn:aws-cn:ses:cn-north-1:123456789012:identity/example.com"


def test_invalid_mode_rejected():
    with pytest.raises(ValueError, match="mode"):
        plan(spec_of(), {}, CTX, mode="destroy")


def test_changed_tenants_by_fingerprint():
    a, b, c = tenant("a"), tenant("b"), tenant("c")
    old = spec_of(a, b, c)
    new = spec_of(a, dataclasses.replace(b, tags={"x": "1"}), tenant("d"))
    assert changed_tenants(old, new) == {"b", "c", "d"}
    assert changed_tenants(None, new) == {"a", "b", "d"}
    # Reordering resources or tenants is not a change; sender_access is not the reconcile's business.
    b2 = dataclasses.replace(b, resources=tuple(reversed(b.resources)), sender_access={"x": 1})
    assert changed_tenants(spec_of(a, b), spec_of(b2, a)) == set()


def test_needs_details():
    desired = {"a": tenant("a"), "b": tenant("b", adopt=True)}
    assert needs_details(live_like(tenant("a")), desired, "acme")
    assert not needs_details(live_like(tenant("a"), owner=None), desired, "acme")
    assert needs_details(live_like(tenant("b"), owner=None), desired, "acme")
    assert not needs_details(live_like(tenant("z")), desired, "acme")


def test_plan_for_10000_tenants_is_fast_and_minimal():
    tenants = [tenant(f"t{i:05d}") for i in range(10_000)]
    live = {t.name: live_like(t) for t in tenants}
    spec = spec_of(*tenants)
    p = plan(spec, live, CTX)
    assert p.empty and p.unchanged == 10_000
    p = plan(spec, {}, CTX)
    assert p.op_count == 20_000 and p.summary()["create"] == 10_000
