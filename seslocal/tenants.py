"""Tenant state of one account and region, kept on moto's SES v2 backend.

:class:`TenantStore` holds the tenants, their resource associations (both directions), reputation
policy, customer-managed and SES-managed status and suppression attributes. It enforces the
documented SES semantics and raises the SES v2 errors of :mod:`seslocal.errors`. Resources are
checked against what moto itself holds (the SES v1 "core" backend that moto's SES v2 backend
shares): email identities, configuration sets and email templates.

The store is created lazily as an attribute of the ``SESV2Backend`` instance
(:func:`store_for`), so moto's reset (which rebuilds every backend) and its per account/region
backends give reset and isolation for free.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any, TypeVar

from . import faults
from .errors import (
    AlreadyExistsException,
    BadRequestException,
    LimitExceededException,
    MessageRejected,
    NotFoundException,
    SendingPausedException,
)

TENANT_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SENDING_STATUSES = ("ENABLED", "REINSTATED", "DISABLED")
REPUTATION_IMPACTS = ("LOW", "HIGH")
REPUTATION_POLICIES = ("standard", "strict", "none")
SUPPRESSION_SCOPES = ("ACCOUNT", "TENANT")
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")
DEFAULT_PAGE_SIZE = 100
MAX_TAGS = 50

# ARN resource segment -> SES v2 ResourceType of an associable resource.
ASSOCIABLE = {"identity": "EMAIL_IDENTITY", "configuration-set": "CONFIGURATION_SET", "template": "EMAIL_TEMPLATE"}
RESOURCE_LABEL = {"EMAIL_IDENTITY": "Email identity", "CONFIGURATION_SET": "Configuration set",
                  "EMAIL_TEMPLATE": "Email template"}
_ARN_RE = re.compile(r"^arn:(?P<partition>aws[a-z-]*):ses:(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.+)$")
_POLICY_RE = re.compile(r"^arn:(?P<partition>aws[a-z-]*):ses:(?P<region>[^:]+):aws:reputation-policy/(?P<name>.+)$")

T = TypeVar("T")

# One lock for every store: moto's threaded server may run handlers concurrently.
LOCK = threading.RLock()


def _now() -> datetime:
    return datetime.now(UTC)


def epoch(ts: datetime) -> float:
    """Serialize a timestamp the way rest-json does (epoch seconds)."""
    return round(ts.timestamp(), 3)


@dataclass
class StatusRecord:
    """A customer-managed or SES-managed sending status record."""

    status: str = "ENABLED"
    cause: str | None = None
    updated: datetime = field(default_factory=_now)

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Status": self.status, "LastUpdatedTimestamp": epoch(self.updated)}
        if self.cause:
            out["Cause"] = self.cause
        return out


def aggregate_status(customer: str, ses: str) -> str:
    """Aggregate sending status: DISABLED if either is DISABLED, else REINSTATED if either is, else ENABLED."""
    if "DISABLED" in (customer, ses):
        return "DISABLED"
    if "REINSTATED" in (customer, ses):
        return "REINSTATED"
    return "ENABLED"


@dataclass
class Tenant:
    """One SES tenant."""

    name: str
    tenant_id: str
    arn: str
    created: datetime
    policy_arn: str
    customer: StatusRecord = field(default_factory=StatusRecord)
    ses: StatusRecord = field(default_factory=StatusRecord)
    impact: str = "LOW"
    suppression: dict[str, Any] | None = None
    # resource ARN -> association time, in association order
    resources: dict[str, datetime] = field(default_factory=dict)
    # tenant-level suppression list: email address -> (reason, last update)
    suppressed: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    @property
    def sending_status(self) -> str:
        return aggregate_status(self.customer.status, self.ses.status)

    def info(self) -> dict[str, Any]:
        return {
            "TenantName": self.name,
            "TenantId": self.tenant_id,
            "TenantArn": self.arn,
            "CreatedTimestamp": epoch(self.created),
            "SendingStatus": self.sending_status,
        }

    def detail(self, tags: list[dict[str, str]]) -> dict[str, Any]:
        out = self.info()
        out["Tags"] = tags
        if self.suppression is not None:
            out["SuppressionAttributes"] = dict(self.suppression)
        return out

    def reputation_entity(self) -> dict[str, Any]:
        return {
            "ReputationEntityReference": self.arn,
            "ReputationEntityType": "RESOURCE",
            "ReputationManagementPolicy": self.policy_arn,
            "CustomerManagedStatus": self.customer.to_api(),
            "AwsSesManagedStatus": self.ses.to_api(),
            "SendingStatusAggregate": self.sending_status,
            "ReputationImpact": self.impact,
        }


# --------------------------------------------------------------------------- paging


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode()


def decode_token(token: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(data["after"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequestException(f"Invalid NextToken: {token!r}") from exc


def page_size_of(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except (TypeError, ValueError) as exc:
        raise BadRequestException(f"Invalid PageSize {value!r}: must be an integer >= 1.") from exc
    if size < 1:
        raise BadRequestException(f"Invalid PageSize {size}: must be an integer >= 1.")
    return size


def paginate(items: Iterable[T], key: Callable[[T], str], next_token: str | None,
             page_size: Any) -> tuple[list[T], str | None]:
    """Page ``items`` in ``key`` order; the token names the last key returned (stable under writes)."""
    size = page_size_of(page_size)
    ordered = sorted(items, key=key)
    keys = [key(item) for item in ordered]
    start = bisect.bisect_right(keys, decode_token(next_token)) if next_token else 0
    page = ordered[start:start + size]
    more = start + size < len(ordered)
    return page, (encode_token(keys[start + size - 1]) if more else None)


# --------------------------------------------------------------------------- validation


def validate_tenant_name(name: Any) -> str:
    if not isinstance(name, str) or not TENANT_NAME_RE.match(name):
        raise BadRequestException(
            f"Invalid tenant name {name!r}: a tenant name must be 1-64 characters long and contain only "
            "letters, numbers, hyphens (-) and underscores (_)."
        )
    return name


def validate_tags(tags: Any) -> list[dict[str, str]]:
    if tags is None:
        return []
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise BadRequestException(f"Tags must be a list of at most {MAX_TAGS} tags.")
    for tag in tags:
        if not isinstance(tag, dict) or not tag.get("Key") or "Value" not in tag:
            raise BadRequestException(f"Invalid tag {tag!r}: every tag needs a non-empty Key and a Value.")
        if len(tag["Key"]) > 128 or len(tag["Value"]) > 256:
            raise BadRequestException(f"Invalid tag {tag['Key']!r}: keys are at most 128, values 256 characters.")
    return [{"Key": t["Key"], "Value": t["Value"]} for t in tags]


def validate_suppression(scope: Any, reasons: Any) -> dict[str, Any] | None:
    """Scope and reasons are set together (both given) or cleared together (both absent)."""
    has_scope = scope not in (None, "")
    has_reasons = bool(reasons)
    if not has_scope and not has_reasons:
        return None
    if has_scope != has_reasons:
        raise BadRequestException(
            "SuppressionScope and SuppressedReasons must be specified together (to set tenant suppression) "
            "or both omitted (to clear it)."
        )
    if scope not in SUPPRESSION_SCOPES:
        raise BadRequestException(
            f"Invalid SuppressionScope {scope!r}: must be one of {', '.join(SUPPRESSION_SCOPES)}."
        )
    if not isinstance(reasons, list) or any(r not in SUPPRESSION_REASONS for r in reasons):
        raise BadRequestException(
            f"Invalid SuppressedReasons {reasons!r}: each reason must be one of {', '.join(SUPPRESSION_REASONS)}."
        )
    return {"SuppressedReasons": list(dict.fromkeys(reasons)), "SuppressionScope": scope}


def validate_status(status: Any, field_name: str = "SendingStatus") -> str:
    if status not in SENDING_STATUSES:
        raise BadRequestException(f"Invalid {field_name} {status!r}: must be one of {', '.join(SENDING_STATUSES)}.")
    return str(status)


def check_filter(filters: Any, allowed: Iterable[str]) -> dict[str, str]:
    if not filters:
        return {}
    allowed = tuple(allowed)
    if not isinstance(filters, dict) or any(k not in allowed for k in filters):
        raise BadRequestException(f"Invalid Filter {filters!r}: supported filter keys are {', '.join(allowed)}.")
    return {str(k): str(v) for k, v in filters.items()}


# --------------------------------------------------------------------------- the store


class TenantStore:
    """Tenants of one account and region (see the module docstring)."""

    def __init__(self, account_id: str, region: str, partition: str, core: Any) -> None:
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.core = core  # moto.ses.models.SESBackend of the same account/region
        self.tenants: dict[str, Tenant] = {}
        # resource ARN -> {tenant name -> association time}
        self.resource_tenants: dict[str, dict[str, datetime]] = {}
        # account-level suppression list: email address -> (reason, last update)
        self.suppressed: dict[str, tuple[str, datetime]] = {}

    # ---- helpers ----------------------------------------------------------------------------------------
    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:ses:{self.region}:{self.account_id}:{resource}"

    def policy_arn(self, name: str) -> str:
        return f"arn:{self.partition}:ses:{self.region}:aws:reputation-policy/{name}"

    def get(self, name: Any) -> Tenant:
        tenant = self.tenants.get(name) if isinstance(name, str) else None
        if tenant is None:
            raise NotFoundException(f"Tenant {name} does not exist.")
        return tenant

    def by_arn(self, arn: str) -> Tenant | None:
        match = re.match(r"^arn:[^:]+:ses:[^:]*:[^:]*:tenant/([^/]+)/", arn or "")
        tenant = self.tenants.get(match.group(1)) if match else None
        return tenant if tenant is not None and tenant.arn == arn else None

    def entity(self, entity_type: Any, reference: Any) -> Tenant:
        if entity_type != "RESOURCE":
            raise BadRequestException(f"Invalid ReputationEntityType {entity_type!r}: only RESOURCE is supported.")
        tenant = self.by_arn(str(reference))
        if tenant is None:
            raise NotFoundException(f"Reputation entity {reference} does not exist.")
        return tenant

    def tags_of(self, arn: str) -> list[dict[str, str]]:
        return list(self.core.tagger.list_tags_for_resource(arn).get("Tags", []))

    # ---- tenants ----------------------------------------------------------------------------------------
    def create_tenant(self, name: Any, tags: Any = None, suppression: Mapping[str, Any] | None = None) -> Tenant:
        validate_tenant_name(name)
        tag_list = validate_tags(tags)
        attrs = validate_suppression((suppression or {}).get("SuppressionScope"),
                                     (suppression or {}).get("SuppressedReasons"))
        if name in self.tenants:
            raise AlreadyExistsException(f"Tenant {name} already exists.")
        quota = faults.tenant_quota()
        if len(self.tenants) >= quota:
            raise LimitExceededException(
                f"Cannot create tenant {name}: the account has reached its quota of {quota} tenants in {self.region}."
            )
        tenant_id = "tn-" + uuid.uuid4().hex
        now = _now()
        tenant = Tenant(
            name=name, tenant_id=tenant_id, arn=self.arn(f"tenant/{name}/{tenant_id}"), created=now,
            policy_arn=self.policy_arn("standard"), customer=StatusRecord(updated=now), ses=StatusRecord(updated=now),
            suppression=attrs,
        )
        self.tenants[name] = tenant
        if tag_list:
            self.core.tagger.tag_resource(tenant.arn, tag_list)
        return tenant

    def delete_tenant(self, name: Any) -> None:
        tenant = self.get(name)
        for resource_arn in list(tenant.resources):
            owners = self.resource_tenants.get(resource_arn, {})
            owners.pop(tenant.name, None)
            if not owners:
                self.resource_tenants.pop(resource_arn, None)
        self.core.tagger.delete_all_tags_for_resource(tenant.arn)
        del self.tenants[tenant.name]

    def list_tenants(self, filters: Any, next_token: str | None, page_size: Any) -> tuple[list[Tenant], str | None]:
        flt = check_filter(filters, ("TENANT_NAME_CONTAINS", "SENDING_STATUS"))
        items = [
            t for t in self.tenants.values()
            if flt.get("TENANT_NAME_CONTAINS", "") in t.name
            and flt.get("SENDING_STATUS", t.sending_status) == t.sending_status
        ]
        return paginate(items, lambda t: t.name, next_token, page_size)

    def put_suppression(self, name: Any, scope: Any, reasons: Any) -> None:
        tenant = self.get(name)
        tenant.suppression = validate_suppression(scope, reasons)

    # ---- suppressed destinations (account level, or a tenant's own list) --------------------------------------
    def suppression_list(self, tenant_name: Any) -> dict[str, tuple[str, datetime]]:
        return self.get(tenant_name).suppressed if tenant_name not in (None, "") else self.suppressed

    def put_suppressed(self, tenant_name: Any, address: Any, reason: Any) -> None:
        if reason not in SUPPRESSION_REASONS:
            raise BadRequestException(f"Invalid Reason {reason!r}: must be one of {', '.join(SUPPRESSION_REASONS)}.")
        if not isinstance(address, str) or "@" not in address:
            raise BadRequestException(f"Invalid EmailAddress {address!r}.")
        self.suppression_list(tenant_name)[address.lower()] = (reason, _now())

    def get_suppressed(self, tenant_name: Any, address: Any) -> dict[str, Any]:
        entry = self.suppression_list(tenant_name).get(str(address).lower())
        if entry is None:
            where = f"the suppression list of tenant {tenant_name}" if tenant_name else "the account suppression list"
            raise NotFoundException(f"Email address {address} does not exist on {where}.")
        out: dict[str, Any] = {"EmailAddress": str(address).lower(), "Reason": entry[0],
                               "LastUpdateTime": epoch(entry[1])}
        if tenant_name:
            out["TenantName"] = tenant_name
        return out

    def delete_suppressed(self, tenant_name: Any, address: Any) -> None:
        self.get_suppressed(tenant_name, address)
        del self.suppression_list(tenant_name)[str(address).lower()]

    def list_suppressed(self, tenant_name: Any, reasons: list[str], start: datetime | None, end: datetime | None,
                        next_token: str | None, page_size: Any) -> tuple[list[dict[str, Any]], str | None]:
        items = [
            {"EmailAddress": address, "Reason": reason, "LastUpdateTime": epoch(when)}
            for address, (reason, when) in self.suppression_list(tenant_name).items()
            if (not reasons or reason in reasons) and (start is None or when >= start) and (end is None or when <= end)
        ]
        return paginate(items, lambda r: r["EmailAddress"], next_token, page_size)

    # ---- associations -----------------------------------------------------------------------------------
    def parse_resource(self, arn: Any) -> tuple[str, str]:
        """Return (ResourceType, resource name) of an associable resource ARN of this account/region."""
        match = _ARN_RE.match(arn) if isinstance(arn, str) else None
        if not match:
            raise BadRequestException(
                f"Invalid ResourceArn {arn!r}: expected arn:<partition>:ses:<region>:<account>:identity/<name>, "
                "configuration-set/<name> or template/<name>."
            )
        kind, _, name = match.group("resource").partition("/")
        if kind == "dedicated-ip-pool":
            raise BadRequestException(
                f"Resource {arn} is a dedicated IP pool, which cannot be associated with a tenant. Only email "
                "identities, configuration sets and email templates can be associated; a dedicated IP pool "
                "reaches a tenant through the sending pool of a configuration set associated with it."
            )
        if kind not in ASSOCIABLE or not name:
            raise BadRequestException(
                f"Resource {arn} cannot be associated with a tenant: only email identities (identity/...), "
                "configuration sets (configuration-set/...) and email templates (template/...) can."
            )
        if (match.group("account"), match.group("region")) != (self.account_id, self.region):
            raise BadRequestException(
                f"Resource {arn} is not in account {self.account_id} and region {self.region} of this request."
            )
        return ASSOCIABLE[kind], name

    def resource_exists(self, resource_type: str, name: str) -> bool:
        if resource_type == "EMAIL_IDENTITY":
            return name in self.core.email_identities
        if resource_type == "CONFIGURATION_SET":
            return name in self.core.config_sets
        return name in self.core.templates

    def associate(self, tenant_name: Any, resource_arn: Any) -> None:
        tenant = self.get(tenant_name)
        resource_type, name = self.parse_resource(resource_arn)
        if not self.resource_exists(resource_type, name):
            raise NotFoundException(f"{RESOURCE_LABEL[resource_type]} {name} does not exist ({resource_arn}).")
        if resource_arn in tenant.resources:
            raise AlreadyExistsException(f"Resource {resource_arn} is already associated with tenant {tenant.name}.")
        now = _now()
        tenant.resources[resource_arn] = now
        self.resource_tenants.setdefault(resource_arn, {})[tenant.name] = now

    def disassociate(self, tenant_name: Any, resource_arn: Any) -> None:
        tenant = self.get(tenant_name)
        if resource_arn not in tenant.resources:
            raise NotFoundException(f"Resource {resource_arn} is not associated with tenant {tenant.name}.")
        del tenant.resources[resource_arn]
        owners = self.resource_tenants.get(resource_arn, {})
        owners.pop(tenant.name, None)
        if not owners:
            self.resource_tenants.pop(resource_arn, None)

    def list_tenant_resources(self, tenant_name: Any, filters: Any, next_token: str | None,
                              page_size: Any) -> tuple[list[dict[str, str]], str | None]:
        tenant = self.get(tenant_name)
        flt = check_filter(filters, ("RESOURCE_TYPE",))
        wanted = flt.get("RESOURCE_TYPE")
        if wanted is not None and wanted not in ASSOCIABLE.values():
            raise BadRequestException(
                f"Invalid RESOURCE_TYPE filter {wanted!r}: must be one of {', '.join(ASSOCIABLE.values())}."
            )
        items = []
        for arn in tenant.resources:
            resource_type = ASSOCIABLE[_ARN_RE.match(arn).group("resource").partition("/")[0]]  # type: ignore[union-attr]
            if wanted in (None, resource_type):
                items.append({"ResourceType": resource_type, "ResourceArn": arn})
        return paginate(items, lambda r: r["ResourceArn"], next_token, page_size)

    def list_resource_tenants(self, resource_arn: Any, next_token: str | None,
                              page_size: Any) -> tuple[list[dict[str, Any]], str | None]:
        if not isinstance(resource_arn, str) or not resource_arn:
            raise BadRequestException("ResourceArn is required.")
        owners = self.resource_tenants.get(resource_arn, {})
        items = [
            {"TenantName": name, "TenantId": self.tenants[name].tenant_id, "ResourceArn": resource_arn,
             "AssociatedTimestamp": epoch(when)}
            for name, when in owners.items()
        ]
        return paginate(items, lambda r: r["TenantName"], next_token, page_size)

    def tenants_of(self, resource_type: str, name: str) -> list[str]:
        """Names of the tenants a resource (given by type and name) is associated with."""
        segment = {v: k for k, v in ASSOCIABLE.items()}[resource_type]
        return sorted(self.resource_tenants.get(self.arn(f"{segment}/{name}"), {}))

    # ---- reputation ---------------------------------------------------------------------------------------
    def list_entities(self, filters: Any, next_token: str | None, page_size: Any) -> tuple[list[Tenant], str | None]:
        flt = check_filter(filters, ("ENTITY_TYPE", "REPUTATION_IMPACT", "SENDING_STATUS", "ENTITY_REFERENCE_PREFIX"))
        items = [
            t for t in self.tenants.values()
            if flt.get("ENTITY_TYPE", "RESOURCE") == "RESOURCE"
            and flt.get("REPUTATION_IMPACT", t.impact) == t.impact
            and flt.get("SENDING_STATUS", t.sending_status) == t.sending_status
            and t.arn.startswith(flt.get("ENTITY_REFERENCE_PREFIX", ""))
        ]
        return paginate(items, lambda t: t.arn, next_token, page_size)

    def update_policy(self, entity_type: Any, reference: Any, policy: Any) -> None:
        tenant = self.entity(entity_type, reference)
        match = _POLICY_RE.match(policy) if isinstance(policy, str) else None
        if not match or match.group("name") not in REPUTATION_POLICIES:
            raise BadRequestException(
                f"Invalid ReputationEntityPolicy {policy!r}: must be an SES-managed policy ARN "
                f"{self.policy_arn('<standard|strict|none>')}."
            )
        if match.group("region") != self.region or match.group("partition") != self.partition:
            raise BadRequestException(f"Reputation policy {policy} is not in region {self.region}.")
        tenant.policy_arn = policy

    def update_customer_status(self, entity_type: Any, reference: Any, status: Any) -> None:
        tenant = self.entity(entity_type, reference)
        tenant.customer = StatusRecord(status=validate_status(status))

    def set_ses_status(self, name: str, status: str, cause: str | None = None, impact: str | None = None) -> Tenant:
        tenant = self.get(name)
        tenant.ses = StatusRecord(status=validate_status(status, "status"), cause=cause)
        if impact is not None:
            if impact not in REPUTATION_IMPACTS:
                raise BadRequestException(f"Invalid impact {impact!r}: must be one of {', '.join(REPUTATION_IMPACTS)}.")
            tenant.impact = impact
        return tenant

    # ---- sending ------------------------------------------------------------------------------------------
    def check_send(self, tenant_name: Any, from_address: str | None, from_identity_arn: str | None,
                   configuration_set: str | None, template: Mapping[str, Any] | None) -> None:
        """Enforce what SES enforces for a send with ``TenantName`` (raises on the first violation)."""
        tenant = self.get(tenant_name)
        if tenant.sending_status == "DISABLED":
            raise SendingPausedException(
                f"Sending is paused for tenant {tenant.name}: its sending status is DISABLED (customer-managed "
                f"status {tenant.customer.status}, SES-managed status {tenant.ses.status})."
            )
        identity = self._check_identity(tenant, from_address, from_identity_arn)
        if not configuration_set and identity is not None:
            configuration_set = getattr(self.core.email_identities.get(identity), "configuration_set_name", None)
        if configuration_set:
            cs_arn = self.arn(f"configuration-set/{configuration_set}")
            if cs_arn not in tenant.resources:
                raise MessageRejected(
                    f"Configuration set {configuration_set} is not associated with tenant {tenant.name} "
                    f"({cs_arn}). Associate it with CreateTenantResourceAssociation."
                )
        if template and (template.get("TemplateName") or template.get("TemplateArn")):
            tpl_arn = template.get("TemplateArn") or self.arn(f"template/{template['TemplateName']}")
            if tpl_arn not in tenant.resources:
                label = template.get("TemplateName") or tpl_arn
                raise MessageRejected(
                    f"Email template {label} is not associated with tenant {tenant.name} ({tpl_arn}). "
                    "Associate it with CreateTenantResourceAssociation."
                )

    def _check_identity(self, tenant: Tenant, from_address: str | None, from_identity_arn: str | None) -> str | None:
        if from_identity_arn:
            if from_identity_arn not in tenant.resources:
                raise MessageRejected(
                    f"Email identity {from_identity_arn} is not associated with tenant {tenant.name}. "
                    "Associate it with CreateTenantResourceAssociation."
                )
            return from_identity_arn.rsplit("identity/", 1)[-1]
        address = parseaddr(from_address or "")[1]
        local, _, domain = address.rpartition("@")
        candidates = [address] if local else []
        labels = domain.lower().split(".") if domain else []
        candidates += [".".join(labels[i:]) for i in range(len(labels) - 1)]
        existing = [c for c in candidates if c in self.core.email_identities]
        for name in existing:
            if self.arn(f"identity/{name}") in tenant.resources:
                return name
        named = existing[0] if existing else (domain or address or "<none>")
        raise MessageRejected(
            f"Email identity {named} (sender {address or from_address}) is not associated with tenant "
            f"{tenant.name} ({self.arn(f'identity/{named}')}). Associate it with CreateTenantResourceAssociation."
        )


def store_for(backend: Any) -> TenantStore:
    """Return the :class:`TenantStore` of a moto ``SESV2Backend`` (created on first use)."""
    store = backend.__dict__.get("_seslocal_tenants")
    if store is None:
        with LOCK:
            store = backend.__dict__.get("_seslocal_tenants")
            if store is None:
                store = TenantStore(backend.account_id, backend.region_name, backend.partition, backend.core_backend)
                backend.__dict__["_seslocal_tenants"] = store
    return store
