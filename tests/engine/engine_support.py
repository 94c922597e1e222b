"""Helpers shared by the engine tests (importable: conftest puts this folder on sys.path)."""

from __future__ import annotations

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
