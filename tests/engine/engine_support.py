"""Helpers shared by the engine tests (importable: conftest puts this folder on sys.path)."""

from __future__ import annotations

import contextlib
import copy
import json
import time
from pathlib import Path

from ses_tenants_engine.client import AwsContext
from ses_tenants_engine.live import LiveTenant
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Settings, Spec, Suppression, TenantSpec

CTX = AwsContext("aws", "us-east-1", "123456789012")


def arn_of(name: str, ctx: AwsContext = CTX) -> str:
    return f"arn:{ctx.partition}:ses:{ctx.region}:{ctx.account}:tenant/{name}/tn-{abs(hash(name)) % 10**12:012x}"


def live_like(t: TenantSpec, *, owner: str | None = "acme", ctx: AwsContext = CTX) -> LiveTenant:
    """The live state a successful apply of ``t`` leaves behind."""
    tags = dict(t.tags)
    if owner is not None:
        tags[OWNERSHIP_TAG_KEY] = owner
    return LiveTenant(
        name=t.name,
        arn=arn_of(t.name, ctx),
        tenant_id="tn-1",
        tags=tags,
        sending_status=t.sending,
        suppression=Suppression(t.suppression.scope, tuple(sorted(t.suppression.reasons))) if t.suppression else None,
        policy=t.reputation_policy,
        customer_status=t.sending,
        ses_status="ENABLED",
        aggregate_status=t.sending,
        resources={r.arn(ctx.partition, ctx.region, ctx.account): r.type for r in t.resources},
        detailed=True,
    )


def tenant(name: str, **kw) -> TenantSpec:
    kw.setdefault("resources", (Resource("EMAIL_IDENTITY", "example.com"),))
    return TenantSpec(name=name, **kw)


def spec_of(*tenants: TenantSpec, max_deletions: int = 5, deployment: str = "acme", **settings) -> Spec:

    return Spec(
        tenants=tuple(tenants), settings=Settings(max_deletions=max_deletions, **settings), deployment=deployment
    )


ACCOUNT = "123456789012"  # moto's default account


def make_resources(ses, identities=(), config_sets=(), templates=()) -> None:
    """Create identities / configuration sets / templates in the local endpoint."""
    for name in identities:
        ses.create_email_identity(EmailIdentity=name)
    for name in config_sets:
        ses.create_configuration_set(ConfigurationSetName=name)
    for name in templates:
        ses.create_email_template(
            TemplateName=name, TemplateContent={"Subject": "s", "Text": "t {{x}}", "Html": "<p>{{x}}</p>"}
        )


def snapshot(ses) -> dict[str, dict]:
    """Every tenant's state, read straight from the endpoint with plain boto3 calls (independent of the engine)."""
    out = {}
    for page in ses.get_paginator("list_tenants").paginate():
        for info in page["Tenants"]:
            t = ses.get_tenant(TenantName=info["TenantName"])["Tenant"]
            rep = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=t["TenantArn"])[
                "ReputationEntity"
            ]
            resources = set()
            for rp in ses.get_paginator("list_tenant_resources").paginate(TenantName=t["TenantName"]):
                resources |= {r["ResourceArn"] for r in rp["TenantResources"]}
            sup = t.get("SuppressionAttributes") or {}
            out[t["TenantName"]] = {
                "id": t["TenantId"],
                "arn": t["TenantArn"],
                "tags": {x["Key"]: x["Value"] for x in t.get("Tags") or ()},
                "policy": rep["ReputationManagementPolicy"].rsplit("/", 1)[-1],
                "status": rep["CustomerManagedStatus"]["Status"],
                "suppression": (sup.get("SuppressionScope"), tuple(sorted(sup.get("SuppressedReasons") or ())))
                if sup.get("SuppressionScope")
                else None,
                "resources": resources,
            }
    return out


def expected(spec: Spec, ctx: AwsContext = CTX) -> dict[str, dict]:
    """What :func:`snapshot` must show for the spec's tenants after a successful converge."""
    out = {}
    for t in spec.tenants:
        out[t.name] = {
            "tags": {**{k: v for k, v in t.tags.items() if k != OWNERSHIP_TAG_KEY}, OWNERSHIP_TAG_KEY: spec.deployment},
            "policy": t.reputation_policy,
            "status": t.sending,
            "suppression": (t.suppression.scope, tuple(sorted(t.suppression.reasons))) if t.suppression else None,
            "resources": {r.arn(ctx.partition, ctx.region, ctx.account) for r in t.resources},
        }
    return out


def assert_matches(ses, spec: Spec, *, others: set[str] | None = None) -> dict[str, dict]:
    """Assert the endpoint holds exactly ``spec`` (plus the named unrelated tenants); return the snapshot."""
    snap = snapshot(ses)
    want = expected(spec)
    assert set(snap) == set(want) | set(others or ()), sorted(set(snap) ^ (set(want) | set(others or ())))[:10]
    for name, w in want.items():
        got = {k: snap[name][k] for k in w}
        assert got == w, (name, got, w)
    return snap


def writes(stats: dict) -> int:
    """Successful state-changing SES calls in ``seslocal.stats()``."""
    return sum(c["ok"] for op, c in stats["operations"].items() if not op.startswith(("Get", "List")))


def calls(stats: dict, op: str, key: str = "calls") -> int:
    return stats["operations"].get(op, {}).get(key, 0)


# ----------------------------------------------------------------------------------------- handler helpers

EVENTS = Path(__file__).resolve().parent / "events"
BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"


class LambdaContext:
    """The Lambda context attributes the handler uses; ``budget`` seconds of remaining time."""

    def __init__(self, budget: float = 600.0, region: str = "us-east-1", account: str = ACCOUNT) -> None:
        self._end = time.monotonic() + budget
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:SesTenants-Provisioner"
        self.function_name = "SesTenants-Provisioner"
        self.log_group_name = "/aws/lambda/SesTenants-Provisioner"
        self.log_stream_name = "2026/12/03/[$LATEST]abcdef0123456789"
        self.aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - time.monotonic()) * 1000))


def put_spec(s3, spec: Spec, key: str) -> str:
    """Upload a spec asset the way ``cdk deploy`` does; return the key."""
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=key, Body=spec.dumps().encode())
    return key


def event(name: str, *, mode: str = "reconcile", key: str | None = None, old_key: str | None = None) -> dict:
    """A canned event from ``events/`` with its mode and spec keys set."""
    ev = copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))
    for field_name in ("ResourceProperties", "OldResourceProperties"):
        if field_name in ev:
            ev[field_name]["Mode"] = mode
    if "PhysicalResourceId" in ev:
        ev["PhysicalResourceId"] = f"ses-tenants:acme:{mode}"
    if key:
        ev["ResourceProperties"]["SpecKey"] = key
    if old_key:
        ev["OldResourceProperties"]["SpecKey"] = old_key
    return ev


def run_provider(ev: dict, *, budget: float = 600.0, poll_budget: float | None = None, max_polls: int = 50):
    """Drive on_event then is_complete as the Provider framework does; return (onEvent response, polls)."""
    from ses_tenants_engine import handler

    response = handler.on_event(ev, LambdaContext(budget))
    merged = {**ev, **response}
    polls = []
    for _ in range(max_polls):
        status = handler.is_complete(merged, LambdaContext(poll_budget if poll_budget is not None else budget))
        polls.append(status)
        if status.get("IsComplete"):
            return response, polls
    raise AssertionError(f"not complete after {max_polls} polls")
