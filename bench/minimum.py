"""The fewest SES v2 writes a change needs, computed from the two specs alone.

Deliberately independent of the engine's planner: a plain reading of the SES v2 API.

* new tenant: 1 ``CreateTenant`` (it carries the tags and the suppression attributes), + 1
  ``CreateTenantResourceAssociation`` per resource, + 1 ``UpdateReputationEntityPolicy`` unless the policy is
  ``standard`` (SES's default for a new tenant), + 1 ``UpdateReputationEntityCustomerManagedStatus`` unless the
  status is ``ENABLED``;
* removed tenant: 1 ``DeleteTenant`` (it removes the tenant's associations itself);
* changed tenant: 1 ``TagResource`` if a tag was added or changed, 1 ``UntagResource`` if one was removed,
  1 ``PutTenantSuppressionAttributes`` if the suppression changed, 1 ``UpdateReputationEntityPolicy`` /
  ``UpdateReputationEntityCustomerManagedStatus`` if the policy / status changed, 1 association call per
  resource added or removed.

Reads are not counted: the minimum is the writes; the targets allow a few reads on top.
"""

from __future__ import annotations

from collections import Counter

from ses_tenants_engine.model import Spec, TenantSpec

_ARN_SEGMENT = {"EMAIL_IDENTITY": "identity", "CONFIGURATION_SET": "configuration-set", "EMAIL_TEMPLATE": "template"}


def _resources(t: TenantSpec, region: str, account: str) -> set[str]:
    """A tenant's resources as ARNs (a bare name and its ARN are the same resource)."""
    out = set()
    for r in t.resources:
        out.add(r.ref if r.ref.startswith("arn:") else f"arn:aws:ses:{region}:{account}:{_ARN_SEGMENT[r.type]}/{r.ref}")
    return out


def _suppression(t: TenantSpec) -> tuple[str, frozenset[str]] | None:
    return (t.suppression.scope, frozenset(t.suppression.reasons)) if t.suppression else None


def minimum_writes(
    old: Spec | None, new: Spec, *, region: str = "us-east-1", account: str = "123456789012"
) -> Counter[str]:
    """Count the writes, by API operation, that changing ``old`` (None: nothing exists) into ``new`` needs.

    Parameters
    ----------
    old : Spec or None
        What is deployed (None for a first deploy).
    new : Spec
        What is wanted.
    region, account : str
        Where bare resource names resolve.

    Returns
    -------
    collections.Counter
        Operation name -> number of calls; ``sum(...values())`` is the total.
    """
    before = {t.name: t for t in old.tenants} if old is not None else {}
    after = {t.name: t for t in new.tenants}
    need: Counter[str] = Counter()
    need["DeleteTenant"] += len(before.keys() - after.keys())
    for name, t in after.items():
        o = before.get(name)
        mine = _resources(t, region, account)
        if o is None:
            need["CreateTenant"] += 1
            need["CreateTenantResourceAssociation"] += len(mine)
            need["UpdateReputationEntityPolicy"] += t.reputation_policy != "standard"
            need["UpdateReputationEntityCustomerManagedStatus"] += t.sending != "ENABLED"
            continue
        theirs = _resources(o, region, account)
        need["CreateTenantResourceAssociation"] += len(mine - theirs)
        need["DeleteTenantResourceAssociation"] += len(theirs - mine)
        need["TagResource"] += any(o.tags.get(k) != v for k, v in t.tags.items())
        need["UntagResource"] += bool(o.tags.keys() - t.tags.keys())
        need["PutTenantSuppressionAttributes"] += _suppression(o) != _suppression(t)
        need["UpdateReputationEntityPolicy"] += o.reputation_policy != t.reputation_policy
        need["UpdateReputationEntityCustomerManagedStatus"] += o.sending != t.sending
    return +need
