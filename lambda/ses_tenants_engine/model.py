"""Desired-state model: the normalized spec the Lambda receives.

The normalized spec is the JSON document that ``tenantctl`` / ``app.py`` produce from ``tenants.yaml``
and that travels to the custom resource as an S3 asset. It is versioned (``spec_version``); the engine
accepts every version it has ever been given, because a CloudFormation rollback hands the Lambda the
*old* spec.

Only the standard library is used here (this module is bundled into the Lambda asset).

Normalized spec, version 1::

    {
      "spec_version": 1,
      "deployment": "acme-mail",              # value of the ownership tag
      "settings": {
        "max_deletions": 5,                   # deletion guard: tenants one deploy may delete
        "on_stack_delete": "retain",          # retain | destroy
        "drift_reconcile": false              # read every tenant on Update, not only changed ones
      },
      "tenants": [
        {
          "name": "acme",                     # 1-64 of [A-Za-z0-9_-], case-sensitive
          "reputation_policy": "standard",    # standard | strict | none
          "sending": "ENABLED",               # ENABLED | DISABLED | REINSTATED (customer-managed)
          "suppression": {"scope": "TENANT", "reasons": ["BOUNCE", "COMPLAINT"]},  # or null = cleared
          "tags": {"team": "mail"},
          "resources": [
            {"type": "EMAIL_IDENTITY", "ref": "acme.example"},
            {"type": "CONFIGURATION_SET", "ref": "arn:aws:ses:us-east-1:111122223333:configuration-set/x"}
          ],
          "adopt": false,
          "sender_access": null               # consumed by the access stack only
        }
      ]
    }
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

SPEC_VERSION = 1
SUPPORTED_SPEC_VERSIONS = (1,)

TENANT_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REPUTATION_POLICIES = ("standard", "strict", "none")
SENDING_STATUSES = ("ENABLED", "DISABLED", "REINSTATED")
SUPPRESSION_SCOPES = ("ACCOUNT", "TENANT")
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")
ON_STACK_DELETE = ("retain", "destroy")

# API ResourceType -> ARN resource segment.
RESOURCE_TYPES = {
    "EMAIL_IDENTITY": "identity",
    "CONFIGURATION_SET": "configuration-set",
    "EMAIL_TEMPLATE": "template",
}
ARN_SEGMENT_TO_TYPE = {v: k for k, v in RESOURCE_TYPES.items()}

OWNERSHIP_TAG_KEY = "ses-tenants:deployment"
DEFAULT_DEPLOYMENT = "ses-tenants"
DEFAULT_MAX_DELETIONS = 5


class SpecError(ValueError):
    """A normalized spec that the engine cannot accept."""


@dataclass(frozen=True, order=True)
class Resource:
    """A resource associated with a tenant.

    Parameters
    ----------
    type : str
        One of ``EMAIL_IDENTITY``, ``CONFIGURATION_SET``, ``EMAIL_TEMPLATE``.
    ref : str
        The resource name, or its full ARN.
    """

    type: str
    ref: str

    @property
    def is_arn(self) -> bool:
        return self.ref.startswith("arn:")

    @property
    def name(self) -> str:
        """The resource's own name (the last ARN segment for an ARN)."""
        if self.is_arn:
            return self.ref.split(":", 5)[5].split("/", 1)[1]
        return self.ref

    def arn(self, partition: str, region: str, account: str) -> str:
        """Return the resource ARN, resolving a bare name in the given partition/region/account."""
        if self.is_arn:
            return self.ref
        return f"arn:{partition}:ses:{region}:{account}:{RESOURCE_TYPES[self.type]}/{self.ref}"

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "ref": self.ref}


@dataclass(frozen=True)
class Suppression:
    """Tenant suppression attributes: scope and reasons are set (or cleared) together."""

    scope: str
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class TenantSpec:
    """The desired state of one tenant."""

    name: str
    reputation_policy: str = "standard"
    sending: str = "ENABLED"
    suppression: Suppression | None = None
    tags: dict[str, str] = field(default_factory=dict)
    resources: tuple[Resource, ...] = ()
    adopt: bool = False
    sender_access: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reputation_policy": self.reputation_policy,
            "sending": self.sending,
            "suppression": self.suppression.to_json() if self.suppression else None,
            "tags": dict(sorted(self.tags.items())),
            "resources": [r.to_json() for r in self.resources],
            "adopt": self.adopt,
            "sender_access": self.sender_access,
        }

    def fingerprint(self) -> str:
        """Return a stable digest of everything the reconcile acts on (used by the incremental diff)."""
        data = self.to_json()
        data.pop("sender_access", None)
        data["resources"] = sorted(data["resources"], key=lambda r: (r["type"], r["ref"]))
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Settings:
    """Deployment settings."""

    max_deletions: int = DEFAULT_MAX_DELETIONS
    on_stack_delete: str = "retain"
    drift_reconcile: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "max_deletions": self.max_deletions,
            "on_stack_delete": self.on_stack_delete,
            "drift_reconcile": self.drift_reconcile,
        }


@dataclass(frozen=True)
class Spec:
    """The whole desired state."""

    tenants: tuple[TenantSpec, ...] = ()
    settings: Settings = field(default_factory=Settings)
    deployment: str = DEFAULT_DEPLOYMENT

    def by_name(self) -> dict[str, TenantSpec]:
        return {t.name: t for t in self.tenants}

    def to_json(self) -> dict[str, Any]:
        return {
            "spec_version": SPEC_VERSION,
            "deployment": self.deployment,
            "settings": self.settings.to_json(),
            "tenants": [t.to_json() for t in self.tenants],
        }

    def dumps(self) -> str:
        """Compact, deterministic JSON (the asset content; same spec -> same bytes -> same hash)."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Any) -> Spec:
        """Parse a normalized spec of any supported version.

        Raises
        ------
        SpecError
            If the document is not a spec this engine understands.
        """
        if not isinstance(data, dict):
            raise SpecError("normalized spec must be a JSON object")
        version = data.get("spec_version")
        if version not in SUPPORTED_SPEC_VERSIONS:
            raise SpecError(
                f"unsupported spec_version {version!r}; this engine reads {list(SUPPORTED_SPEC_VERSIONS)}"
            )
        return _from_json_v1(data)

    @classmethod
    def loads(cls, text: str | bytes) -> Spec:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SpecError(f"normalized spec is not valid JSON: {exc}") from exc
        return cls.from_json(data)


def _from_json_v1(data: dict[str, Any]) -> Spec:
    try:
        s = data.get("settings") or {}
        settings = Settings(
            max_deletions=int(s.get("max_deletions", DEFAULT_MAX_DELETIONS)),
            on_stack_delete=str(s.get("on_stack_delete", "retain")),
            drift_reconcile=bool(s.get("drift_reconcile", False)),
        )
        tenants = []
        for t in data.get("tenants") or []:
            sup = t.get("suppression")
            tenants.append(
                TenantSpec(
                    name=str(t["name"]),
                    reputation_policy=str(t.get("reputation_policy", "standard")),
                    sending=str(t.get("sending", "ENABLED")),
                    suppression=Suppression(str(sup["scope"]), tuple(sup["reasons"])) if sup else None,
                    tags={str(k): str(v) for k, v in (t.get("tags") or {}).items()},
                    resources=tuple(Resource(str(r["type"]), str(r["ref"])) for r in t.get("resources") or []),
                    adopt=bool(t.get("adopt", False)),
                    sender_access=t.get("sender_access"),
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SpecError(f"malformed normalized spec: {exc!r}") from exc
    spec = Spec(tenants=tuple(tenants), settings=settings, deployment=str(data.get("deployment") or DEFAULT_DEPLOYMENT))
    _check(spec)
    return spec


def _check(spec: Spec) -> None:
    """Defensive re-check of invariants (the loader validates with user-facing messages first)."""
    seen: set[str] = set()
    for t in spec.tenants:
        if not TENANT_NAME_RE.match(t.name):
            raise SpecError(f"invalid tenant name {t.name!r}")
        if t.name in seen:
            raise SpecError(f"duplicate tenant name {t.name!r}")
        seen.add(t.name)
        if t.reputation_policy not in REPUTATION_POLICIES:
            raise SpecError(f"{t.name}: invalid reputation_policy {t.reputation_policy!r}")
        if t.sending not in SENDING_STATUSES:
            raise SpecError(f"{t.name}: invalid sending {t.sending!r}")
        if t.suppression and (
            t.suppression.scope not in SUPPRESSION_SCOPES
            or not t.suppression.reasons
            or any(r not in SUPPRESSION_REASONS for r in t.suppression.reasons)
        ):
            raise SpecError(f"{t.name}: invalid suppression {t.suppression!r}")
        for r in t.resources:
            if r.type not in RESOURCE_TYPES:
                raise SpecError(f"{t.name}: invalid resource type {r.type!r}")
    if spec.settings.on_stack_delete not in ON_STACK_DELETE:
        raise SpecError(f"invalid on_stack_delete {spec.settings.on_stack_delete!r}")
    if spec.settings.max_deletions < 0:
        raise SpecError("max_deletions must be >= 0")


def policy_arn(partition: str, region: str, policy: str) -> str:
    """Return the SES-managed reputation policy ARN (account field is the literal ``aws``)."""
    return f"arn:{partition}:ses:{region}:aws:reputation-policy/{policy}"


def policy_from_arn(arn: str | None) -> str | None:
    """``.../reputation-policy/strict`` -> ``strict``."""
    if not arn:
        return None
    return arn.rsplit("/", 1)[-1]
