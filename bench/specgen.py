"""Generated inputs: a realistic ``tenants.yaml`` text (plan/validate) and normalized specs (synth, calls).

The YAML generator is the one issue 3's speed target was first measured with (formerly
``scripts/time_validate.py``): defaults, tags, identities by domain, address and ARN, configuration sets,
templates, a non-default policy every 7th tenant, a paused tenant every 50th, suppression every 5th.
"""

from __future__ import annotations

import dataclasses

from ses_tenants_engine.model import Resource, Settings, Spec, Suppression, TenantSpec

YAML_ACCOUNT_ARN = "arn:aws:ses:us-east-1:111122223333"
DEPLOYMENT = "bench"
#: Shared pools referenced by the generated specs (identities / configuration sets exist once each).
IDENTITY_POOL = 100
CONFIG_SET_POOL = 10
CHANGED_TENANT_INDEX = 4242


def tenant_name(i: int) -> str:
    """Return the name of generated tenant ``i`` (fixed width, so size grows exactly linearly)."""
    return f"customer-{i:06d}"


def yaml_text(n: int) -> str:
    """Return a realistic ``tenants.yaml`` with ``n`` tenants (about 480 bytes per tenant)."""
    out = [
        "# yaml-language-server: $schema=./tenants.schema.json",
        "version: 1",
        "deployment: bench-mail",
        "settings: {max_deletions: 5, on_stack_delete: retain, drift_reconcile: false}",
        "defaults:",
        "  reputation_policy: standard",
        "  tags: {managed-by: platform-team, cost-center: '0420'}",
        "tenants:",
    ]
    for i in range(n):
        name = tenant_name(i)
        out += [
            f"  - name: {name}",
            f"    reputation_policy: {'strict' if i % 7 == 0 else 'standard'}",
            f"    sending: {'disabled' if i % 50 == 0 else 'enabled'}",
            f"    tags: {{customer: {name}, plan: {'enterprise' if i % 3 == 0 else 'growth'}, region: us}}",
            "    resources:",
            f"      identities: [mail.{name}.example, billing@{name}.example, "
            f"'{YAML_ACCOUNT_ARN}:identity/{name}.example']",
            f"      configuration_sets: [{name}-transactional, {name}-marketing]",
            f"      templates: [{name}-welcome, {name}-reset]",
        ]
        if i % 5 == 0:
            out.append("    suppression: {scope: tenant, reasons: [bounce, complaint]}")
    return "\n".join(out) + "\n"


def changed_yaml_text(text: str, n: int) -> str:
    """Return ``text`` with one tenant's reputation policy changed (the tenant in the middle of the file)."""
    name = tenant_name(min(CHANGED_TENANT_INDEX, n // 2))
    head = f"  - name: {name}\n    reputation_policy: "
    at = text.index(head) + len(head)
    old = "strict" if text.startswith("strict", at) else "standard"
    return text[:at] + ("none" if old == "strict" else "strict") + text[at + len(old):]


def identity(i: int) -> str:
    return f"mail{i % IDENTITY_POOL:03d}.example.com"


def config_set(i: int) -> str:
    return f"transactional-{i % CONFIG_SET_POOL:02d}"


def spec(n: int, *, deployment: str = DEPLOYMENT) -> Spec:
    """Return a normalized spec of ``n`` tenants, each with one identity and one configuration set.

    Identities and configuration sets come from shared pools (:data:`IDENTITY_POOL`,
    :data:`CONFIG_SET_POOL`) so a local endpoint holds them cheaply; every tenant still has its own two
    associations. Every 7th tenant is ``strict``, every 50th is paused (``DISABLED``), every 5th has
    tenant-scope suppression.
    """
    tenants = []
    for i in range(n):
        tenants.append(
            TenantSpec(
                name=tenant_name(i),
                reputation_policy="strict" if i % 7 == 0 else "standard",
                sending="DISABLED" if i % 50 == 0 else "ENABLED",
                suppression=Suppression("TENANT", ("BOUNCE", "COMPLAINT")) if i % 5 == 0 else None,
                tags={"customer": tenant_name(i), "plan": "enterprise" if i % 3 == 0 else "growth"},
                resources=(Resource("EMAIL_IDENTITY", identity(i)), Resource("CONFIGURATION_SET", config_set(i))),
            )
        )
    return Spec(tenants=tuple(tenants), settings=Settings(max_deletions=5), deployment=deployment)


def one_change(base: Spec) -> Spec:
    """Return ``base`` with one tenant (in the middle) changed: reputation policy and one tag value."""
    index = min(CHANGED_TENANT_INDEX, len(base.tenants) // 2)
    t = base.tenants[index]
    changed = dataclasses.replace(
        t,
        reputation_policy="none" if t.reputation_policy != "none" else "standard",
        tags={**t.tags, "plan": "enterprise-plus"},
    )
    return dataclasses.replace(base, tenants=(*base.tenants[:index], changed, *base.tenants[index + 1:]))
