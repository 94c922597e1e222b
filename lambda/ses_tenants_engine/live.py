"""Read the live state of tenants from SES v2 (reads only; every list call goes through a paginator).

Cost of one tenant read: ``GetTenant`` (tags, status, suppression) + ``GetReputationEntity`` (policy,
customer-managed / SES-managed / aggregate status, impact) + ``ListTenantResources`` (one call per page).
A tenant that is not owned by the deployment (and not being adopted) is read with ``GetTenant`` only: the
planner will refuse it anyway.

:func:`is_transient` tells errors worth trying again later (throttling, 5xx, network) from permanent ones; the
applier and the re-read rounds of :mod:`.reconcile` use it. :func:`read_tenants` can collect a tenant whose read
failed transiently instead of raising, so one unlucky call does not discard a whole parallel read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from .model import OWNERSHIP_TAG_KEY, Suppression, policy_from_arn

ACCESS_DENIED = ("AccessDenied", "AccessDeniedException")
TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
        "ConcurrentModificationException",
        "ConflictException",
    }
)
NETWORK_ERRORS = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, ConnectTimeoutError)


def error_code(exc: BaseException) -> str | None:
    """Return the AWS error code of a ``ClientError`` (``None`` for anything else)."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is worth trying again later: throttling, a 5xx, a conflict or a network error."""
    if isinstance(exc, NETWORK_ERRORS):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error_code(exc) in TRANSIENT_CODES or status >= 500
    return False


def describe_error(exc: BaseException) -> str:
    """``Code: message`` of an AWS error, ``Type: text`` of anything else (one line)."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        op = getattr(exc, "operation_name", None)
        text = f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip()
        return f"{op} failed: {text}" if op else text
    return f"{type(exc).__name__}: {exc}"


@dataclass
class LiveTenant:
    """What SES holds for one tenant.

    ``detailed`` is False when only ``GetTenant`` was called (policy, statuses and resources unknown).
    ``resources`` maps resource ARN -> resource type.
    """

    name: str
    arn: str
    tenant_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    sending_status: str | None = None
    suppression: Suppression | None = None
    policy: str | None = None
    customer_status: str | None = None
    ses_status: str | None = None
    ses_cause: str | None = None
    aggregate_status: str | None = None
    impact: str | None = None
    resources: dict[str, str] = field(default_factory=dict)
    detailed: bool = False

    @property
    def owner(self) -> str | None:
        """The ownership tag's value (the deployment that manages this tenant), if any."""
        return self.tags.get(OWNERSHIP_TAG_KEY)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arn": self.arn,
            "tenant_id": self.tenant_id,
            "tags": dict(sorted(self.tags.items())),
            "sending_status": self.sending_status,
            "suppression": self.suppression.to_json() if self.suppression else None,
            "reputation_policy": self.policy,
            "customer_managed_status": self.customer_status,
            "ses_managed_status": self.ses_status,
            "aggregate_status": self.aggregate_status,
            "reputation_impact": self.impact,
            "resources": [{"type": t, "arn": a} for a, t in sorted(self.resources.items())],
        }


def suppression_of(attrs: dict[str, Any] | None) -> Suppression | None:
    """``SuppressionAttributes`` of ``GetTenant`` -> :class:`Suppression`, or None when not set.

    SES documents the scope as defaulting to ``ACCOUNT``, so a tenant without tenant-level suppression may come
    back as ``{SuppressionScope: ACCOUNT, SuppressedReasons: []}``: with no reason this is "not set" (the spec
    always names reasons when it sets suppression), so an unchanged tenant never costs a write.
    """
    if not attrs:
        return None
    scope = attrs.get("SuppressionScope")
    reasons = tuple(sorted(attrs.get("SuppressedReasons") or ()))
    if not reasons and (not scope or scope == "ACCOUNT"):
        return None
    return Suppression(scope=scope or "", reasons=reasons)


def get_tenant(ses: Any, name: str) -> LiveTenant | None:
    """``GetTenant``: the tenant's identity, tags, sending status and suppression (``None`` if absent)."""
    try:
        t = ses.get_tenant(TenantName=name)["Tenant"]
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return None
        raise
    return LiveTenant(
        name=t.get("TenantName", name),
        arn=t["TenantArn"],
        tenant_id=t.get("TenantId", ""),
        tags={x["Key"]: x["Value"] for x in t.get("Tags") or ()},
        sending_status=t.get("SendingStatus"),
        suppression=suppression_of(t.get("SuppressionAttributes")),
    )


def apply_reputation(tenant: LiveTenant, entity: dict[str, Any]) -> None:
    """Copy a ``ReputationEntity`` structure into ``tenant``."""
    tenant.policy = policy_from_arn(entity.get("ReputationManagementPolicy"))
    tenant.customer_status = (entity.get("CustomerManagedStatus") or {}).get("Status")
    tenant.ses_status = (entity.get("AwsSesManagedStatus") or {}).get("Status")
    tenant.ses_cause = (entity.get("AwsSesManagedStatus") or {}).get("Cause")
    tenant.aggregate_status = entity.get("SendingStatusAggregate")
    tenant.impact = entity.get("ReputationImpact")


def read_details(ses: Any, tenant: LiveTenant, *, reputation: bool = True) -> LiveTenant:
    """Add reputation (``GetReputationEntity``) and associations (``ListTenantResources``) to ``tenant``."""
    if reputation:
        try:
            entity = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=tenant.arn)[
                "ReputationEntity"
            ]
        except ClientError as exc:
            if error_code(exc) != "NotFoundException":
                raise
            entity = {}
        apply_reputation(tenant, entity)
    resources: dict[str, str] = {}
    for page in ses.get_paginator("list_tenant_resources").paginate(TenantName=tenant.name):
        for r in page.get("TenantResources") or ():
            resources[r["ResourceArn"]] = r.get("ResourceType", "")
    tenant.resources = resources
    tenant.detailed = True
    return tenant


def list_tenants(ses: Any) -> dict[str, dict[str, Any]]:
    """Every tenant of the account/region (``ListTenants`` paginator): name -> TenantInfo."""
    out: dict[str, dict[str, Any]] = {}
    for page in ses.get_paginator("list_tenants").paginate():
        for t in page.get("Tenants") or ():
            out[t["TenantName"]] = t
    return out


def list_reputation_entities(ses: Any) -> dict[str, dict[str, Any]]:
    """Every reputation entity (``ListReputationEntities`` paginator): reference (tenant ARN) -> entity."""
    out: dict[str, dict[str, Any]] = {}
    paginator = ses.get_paginator("list_reputation_entities")
    for page in paginator.paginate(Filter={"ENTITY_TYPE": "RESOURCE"}):
        for e in page.get("ReputationEntities") or ():
            ref = e.get("ReputationEntityReference")
            if ref:
                out[ref] = e
    return out


def list_resource_tenants(ses: Any, resource_arn: str) -> list[str]:
    """Tenant names associated with one resource (``ListResourceTenants`` paginator)."""
    names: list[str] = []
    try:
        for page in ses.get_paginator("list_resource_tenants").paginate(ResourceArn=resource_arn):
            names.extend(t["TenantName"] for t in page.get("ResourceTenants") or ())
    except ClientError as exc:
        # Unknown resource, or one this client cannot address (another account/region): nobody holds it here.
        # Not allowed: callers then read the tenants one by one.
        if error_code(exc) not in ("NotFoundException", "BadRequestException", *ACCESS_DENIED):
            raise
    return names


def resource_holders(ses: Any, resource_arns: Iterable[str], *, concurrency: int = 16) -> dict[str, set[str]]:
    """Resource ARN -> names of the tenants associated with it (one ``ListResourceTenants`` paging per ARN)."""
    arns = sorted(set(resource_arns))
    if not arns:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(arns)))) as pool:
        found = list(pool.map(lambda a: list_resource_tenants(ses, a), arns))
    return {arn: set(names) for arn, names in zip(arns, found, strict=True)}


def read_tenants(
    ses: Any,
    names: Iterable[str],
    *,
    wants_details: Callable[[LiveTenant], bool],
    concurrency: int = 16,
    reputation: dict[str, dict[str, Any]] | None = None,
    failed: dict[str, str] | None = None,
) -> dict[str, LiveTenant | None]:
    """Read several tenants in parallel.

    Parameters
    ----------
    ses
        SES v2 client.
    names : iterable of str
        Tenants to read; each gets ``GetTenant`` (absent -> ``None``).
    wants_details : callable
        Called with the ``GetTenant`` result; when True, reputation and associations are read too.
    concurrency : int
        Parallel readers.
    reputation : dict, optional
        Pre-fetched ``ListReputationEntities`` result (tenant ARN -> entity); saves one
        ``GetReputationEntity`` per tenant found in it.
    failed : dict, optional
        When given, a tenant whose read fails with a transient error (:func:`is_transient`) is left out of
        the result and recorded here (name -> error) instead of raising; permanent errors still raise.

    Returns
    -------
    dict
        name -> :class:`LiveTenant` or ``None``.
    """

    def one(name: str) -> tuple[str, LiveTenant | None, str | None]:
        try:
            tenant = get_tenant(ses, name)
            if tenant is not None and wants_details(tenant):
                entity = reputation.get(tenant.arn) if reputation is not None else None
                if entity is not None:
                    apply_reputation(tenant, entity)
                read_details(ses, tenant, reputation=entity is None)
        except Exception as exc:
            if failed is None or not is_transient(exc):
                raise
            return name, None, describe_error(exc)
        return name, tenant, None

    names = list(dict.fromkeys(names))
    if not names:
        return {}
    if len(names) == 1 or concurrency <= 1:
        found = [one(n) for n in names]
    else:
        with ThreadPoolExecutor(max_workers=min(concurrency, len(names))) as pool:
            found = list(pool.map(one, names))
    out: dict[str, LiveTenant | None] = {}
    for name, tenant, error in found:
        if error is not None and failed is not None:
            failed[name] = error
        else:
            out[name] = tenant
    return out
