"""Renderers on plans built by the engine's own planner from hand-written specs (no YAML involved)."""

from __future__ import annotations

import json

from ses_tenants_engine.client import AwsContext
from ses_tenants_engine.live import LiveTenant
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Settings, Spec, TenantSpec
from ses_tenants_engine.planner import plan
from ses_tenants_engine.specdiff import infer_context, live_from_spec, plan_specs

from tenantctl.render import Source, build_report, render, render_markdown, render_text, report_to_json
from tenantctl.render.markdown import GITHUB_COMMENT_LIMIT

CTX = AwsContext("aws", "us-east-1", "111122223333")


def _report(p, spec: Spec, **kw):
    return build_report(
        p,
        desired=Source("file", "tenants.yaml"),
        against=Source("git", "origin/main:tenants.yaml"),
        max_deletions=spec.settings.max_deletions,
        deployment=spec.deployment,
        account=CTX.account,
        region=CTX.region,
        generated_at="2026-12-03T17:00:00Z",
        **kw,
    )


def _tenant(i: int, **kw) -> TenantSpec:
    return TenantSpec(
        f"tenant-{i:05d}",
        tags={"team": f"team-{i % 7}"},
        resources=(Resource("EMAIL_IDENTITY", f"t{i}.example"), Resource("CONFIGURATION_SET", f"cs-{i}")),
        **kw,
    )


def test_spec_diff_is_the_engine_planner_against_the_state_old_leaves():
    old = Spec(tenants=(_tenant(1), _tenant(2)), deployment="d")
    new = Spec(tenants=(_tenant(1, reputation_policy="strict"),), deployment="d")
    via_specdiff = plan_specs(old, new, CTX)
    direct = plan(new, live_from_spec(old, CTX), CTX)
    assert [c.to_json() for c in via_specdiff.changes] == [c.to_json() for c in direct.changes]
    assert [(c.tenant, c.action) for c in via_specdiff.changes] == [
        ("tenant-00001", "update"),
        ("tenant-00002", "delete"),
    ]
    assert plan_specs(new, new, CTX).empty


def test_name_and_same_account_arn_are_the_same_resource():
    by_name = Spec(tenants=(TenantSpec("a", resources=(Resource("EMAIL_IDENTITY", "a.example"),)),))
    by_arn = Spec(
        tenants=(
            TenantSpec(
                "a", resources=(Resource("EMAIL_IDENTITY", "arn:aws:ses:eu-west-1:111122223333:identity/a.example"),)
            ),
        )
    )
    ctx = infer_context([by_name, by_arn])
    assert (ctx.region, ctx.account) == ("eu-west-1", "111122223333")
    assert plan_specs(by_name, by_arn, ctx).empty


def test_no_change_renders_as_no_change():
    spec = Spec(tenants=(_tenant(1),))
    report = _report(plan_specs(spec, spec, CTX), spec)
    assert "No changes." in render_text(report)
    assert "### ses-tenants plan: no changes" in render_markdown(report)
    doc = report_to_json(report)
    assert doc["has_changes"] is False and doc["changes"] == [] and doc["summary"]["unchanged"] == 1


def test_deletion_guard_that_would_stop_the_deploy_is_loud():
    old = Spec(tenants=tuple(_tenant(i) for i in range(4)), deployment="d")
    new = Spec(tenants=(_tenant(0),), deployment="d", settings=Settings(max_deletions=2))
    report = _report(plan_specs(old, new, CTX), new)
    assert report.flags.guard_blocks
    text = " ".join(render_text(report).split())  # the text renderer wraps long lines
    assert "3 tenants will be DELETED" in text
    assert "3 deletions > settings.max_deletions = 2: the deploy STOPS before any change" in text
    doc = report_to_json(report)
    assert doc["flags"]["deletions"]["blocked_by_guard"] is True
    assert [p["code"] for p in doc["problems"]] == ["deletion_guard"]


def test_adoption_and_unowned_tenants_from_live_state():
    spec = Spec(tenants=(TenantSpec("mine", adopt=True, tags={"team": "x"}), TenantSpec("theirs")), deployment="acme")
    live = {
        "mine": LiveTenant(
            "mine",
            "arn:aws:ses:us-east-1:111122223333:tenant/mine/tn-1",
            detailed=True,
            policy="standard",
            customer_status="ENABLED",
        ),
        "theirs": LiveTenant(
            "theirs", "arn:aws:ses:us-east-1:111122223333:tenant/theirs/tn-2", tags={OWNERSHIP_TAG_KEY: "other"}
        ),
    }
    report = _report(plan(spec, live, CTX), spec)
    assert report.flags.adoptions == ["mine"]
    text = render_text(report)
    assert "& mine  (adopt)" in text
    assert "& owner        no owner → 'acme'" in text
    assert "1 existing tenant will be ADOPTED: mine" in text
    assert "The deploy would fail: 1 blocking problem" in text
    assert "set `adopt: true` on tenant 'theirs'" in text


def test_colour_only_when_asked():
    old = Spec(tenants=(_tenant(1),))
    new = Spec(tenants=(_tenant(1, sending="DISABLED"),))
    report = _report(plan_specs(old, new, CTX), new)
    coloured = render(report, "text", color=True)
    assert "\033[31m" in coloured or "\033[1;31m" in coloured
    assert "\033[" not in render(report, "text", color=False)
    assert "\033[" not in render(report, "markdown", color=True)


def test_cross_account_resources_are_shown_in_full():
    arn = "arn:aws:ses:us-east-1:999999999999:configuration-set/shared"
    new = Spec(tenants=(TenantSpec("a", resources=(Resource("CONFIGURATION_SET", arn),)),))
    report = _report(plan_specs(None, new, CTX), new)
    assert f"+ association  {arn}" in render_text(report)


def test_time_window_flag_at_the_assumed_rate():
    new = Spec(tenants=tuple(_tenant(i) for i in range(2000)))
    p = plan_specs(None, new, CTX)
    slow = _report(p, new, assumed_tps=1.0)
    fast = _report(p, new, assumed_tps=50.0)
    # 2000 creates x (CreateTenant + 2 associations) + 1 read each = 8000 calls.
    assert slow.flags.duration.calls == 8000
    assert slow.flags.duration.exceeds_window and not fast.flags.duration.exceeds_window
    text = " ".join(render_text(slow).split())
    assert "About 8000 SES calls: more than CloudFormation's one-hour window at 1 calls/s" in text
    assert "one-hour window" not in render_text(fast).split("Legend")[1]
    assert report_to_json(slow)["flags"]["duration"]["exceeds_window"] is True


def test_ten_thousand_tenant_markdown_stays_under_githubs_limit():
    big = Spec(tenants=tuple(_tenant(i) for i in range(10_000)), settings=Settings(max_deletions=0))
    p = plan_specs(None, big, CTX)
    report = _report(p, big)
    md = render_markdown(report)
    assert len(md.encode("utf-8")) < GITHUB_COMMENT_LIMIT, "under the limit even counted in bytes"
    shown = md.count("<details>")
    assert 50 < shown < 10_000
    hidden = 10_000 - shown
    assert f"**… {hidden} more tenants with changes not shown ({hidden * 3} operations)**" in md
    assert md.startswith("<!-- tenantctl-plan -->") and md.rstrip().endswith("</sub>")
    # Every block that is shown is complete.
    assert md.count("<details") == md.count("</details>")
    # JSON keeps everything.
    assert len(json.loads(render(report, "json"))["changes"]) == 10_000


def test_ten_thousand_deletions_list_is_capped_and_the_guard_shows():
    old = Spec(tenants=tuple(_tenant(i) for i in range(10_000)))
    new = Spec(settings=Settings(max_deletions=5))
    report = _report(plan_specs(old, new, CTX), new)
    md = render_markdown(report)
    assert len(md.encode("utf-8")) < GITHUB_COMMENT_LIMIT
    assert "10000 tenants will be DELETED" in md
    assert "and 9980 more" in md
    assert "the deploy STOPS before any change" in md
    assert "<details open>" not in md, "10,000 deletions are not unfolded"


def test_reordering_and_moving_between_files_is_no_change_but_defaults_reach_every_tenant(tmp_path):
    from tenantctl.loader import load_spec

    one = tmp_path / "one.yaml"
    one.write_text(
        "version: 1\ndefaults:\n  tags: {team: mail}\ntenants:\n"
        "  - name: a\n    resources: {identities: [a.example], configuration_sets: [a-cs]}\n"
        "  - name: b\n    resources: {identities: [b.example], configuration_sets: [b-cs]}\n"
    )
    split = tmp_path / "split"
    split.mkdir()
    (split / "b.yaml").write_text(
        "version: 1\ndefaults:\n  tags: {team: mail}\ntenants:\n"
        "  - name: b\n    resources: {configuration_sets: [b-cs], identities: [b.example]}\n"
    )
    (split / "a.yaml").write_text(
        "version: 1\ntenants:\n  - name: a\n    resources: {identities: [a.example], configuration_sets: [a-cs]}\n"
    )
    assert plan_specs(load_spec(one).spec, load_spec(split).spec).empty
    (split / "b.yaml").write_text((split / "b.yaml").read_text().replace("team: mail", "team: email"))
    changed = plan_specs(load_spec(one).spec, load_spec(split).spec)
    assert sorted(c.tenant for c in changed.changes) == ["a", "b"]
    assert all([o.kind for o in c.ops] == ["tag"] for c in changed.changes)


def _live(name: str, *, owner: str | None, tags: dict[str, str] | None = None) -> LiveTenant:
    tags = dict(tags or {})
    if owner is not None:
        tags[OWNERSHIP_TAG_KEY] = owner
    return LiveTenant(
        name,
        f"arn:aws:ses:us-east-1:111122223333:tenant/{name}/tn-{name}",
        tags=tags,
        detailed=True,
        policy="standard",
        customer_status="ENABLED",
    )


def test_blocked_tenants_are_counted_apart_from_unchanged_in_every_format():
    names = ("a", "b", "c")
    spec = Spec(
        tenants=(*(TenantSpec(n) for n in names), TenantSpec("hooli"), TenantSpec("otherdep")), deployment="acme"
    )
    live = {n: _live(n, owner="acme") for n in names}
    live["hooli"] = _live("hooli", owner=None)
    live["otherdep"] = _live("otherdep", owner="other-deployment")
    p = plan(spec, live, CTX)
    assert (p.unchanged, p.blocked) == (3, 2)
    report = _report(p, spec)

    text = render_text(report)
    assert "Summary: 0 to create, 0 to update, 0 to delete, 0 to adopt, 3 unchanged, 2 blocked;" in text
    assert "Plan: 0 to create, 0 to update, 0 to delete, 0 to adopt, 3 unchanged, 2 blocked." in text
    assert "The deploy would fail: 2 blocking problems" in text

    md = render_markdown(report)
    assert "### ses-tenants plan: 2 blocked" in md
    assert "| create | update | delete | adopt | unchanged | blocked | operations | est. SES calls |" in md
    assert "| 0 | 0 | 0 | 0 | 3 | **2** | 0 |" in md

    doc = report_to_json(report)
    assert doc["format_version"] == 1
    assert (doc["summary"]["unchanged"], doc["summary"]["blocked"]) == (3, 2)
    assert sorted(x["tenant"] for x in doc["problems"]) == ["hooli", "otherdep"]

    # Nothing blocked: the text and Markdown summaries stay as they were, JSON says 0.
    fine = plan(Spec(tenants=tuple(TenantSpec(n) for n in names), deployment="acme"), live, CTX)
    fine_report = _report(fine, spec)
    assert "blocked" not in render_text(fine_report)
    assert report_to_json(fine_report)["summary"]["blocked"] == 0


def test_adoption_shows_added_changed_and_removed_tags_with_their_own_symbols():
    spec = Spec(
        tenants=(TenantSpec("hooli", adopt=True, tags={"customer": "hooli", "team": "new", "keep": "same"}),),
        deployment="acme",
    )
    live = {"hooli": _live("hooli", owner=None, tags={"team": "old", "owner": "someone-else", "keep": "same"})}
    report = _report(plan(spec, live, CTX), spec)
    lines = [line.strip() for line in render_text(report).splitlines()]
    assert "& owner        no owner → 'acme'  (adopt: tag it as managed by this deployment)" in lines
    assert "+ tag          customer = 'hooli'" in lines
    assert "~ tag          team: 'old' → 'new'" in lines
    assert "- tag          owner = 'someone-else'" in lines
    assert not any("keep" in line for line in lines), "an unchanged tag is not shown"
    doc = report_to_json(report)
    (adopt_op,) = [o for o in doc["changes"][0]["operations"] if o["op"] == "adopt_tenant"]
    assert adopt_op["params"]["old_tags"] == {"customer": None, "team": "old"}
    assert [o["text"] for o in doc["changes"][0]["operations"] if o["op"] == "adopt_tenant"] == [
        "& owner no owner → 'acme' (adopt: tag it as managed by this deployment); + tag customer = 'hooli'; "
        "~ tag team: 'old' → 'new'"
    ]
