"""Changes to moto's SES backends made by :func:`seslocal.install`.

- ``SESV2Backend.tenants``: the :class:`~seslocal.tenants.TenantStore` of the backend's account/region.
- Deleting an email identity, configuration set or email template that is still associated with a
  tenant fails with ``BadRequestException`` naming the tenants (SES v1 and v2 APIs alike, since both
  delete through moto's SES "core" backend).
- SES v2 ``DeleteEmailIdentity`` / ``DeleteConfigurationSet`` of a missing resource raise
  ``NotFoundException`` (moto 5.2.5 silently succeeds, or fails with a 500, respectively).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ses.models import SESBackend
from moto.sesv2.models import SESV2Backend, sesv2_backends

from .errors import BadRequestException, NotFoundException
from .tenants import RESOURCE_LABEL, TenantStore, store_for

ORIGINALS: dict[str, Callable[..., Any]] = {}


def _holding_tenants(core: SESBackend, resource_type: str, name: str) -> list[str]:
    account = sesv2_backends.get(core.account_id)
    backend = account.get(core.region_name) if account is not None else None
    store = backend.__dict__.get("_seslocal_tenants") if backend is not None else None
    return store.tenants_of(resource_type, name) if store is not None else []


def _guard(resource_type: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: SESBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        holders = _holding_tenants(self, resource_type, name)
        if holders:
            raise BadRequestException(
                f"{RESOURCE_LABEL[resource_type]} {name} is associated with tenant(s) {', '.join(holders)}; "
                "delete the tenant resource association(s) first (DeleteTenantResourceAssociation)."
            )
        return original(self, name, *args, **kwargs)

    guarded.__name__ = original.__name__
    guarded.__doc__ = original.__doc__
    return guarded


def _v2_delete_email_identity(self: SESV2Backend, email_identity: str) -> None:
    if email_identity not in self.core_backend.email_identities:
        raise NotFoundException(f"Email identity {email_identity} does not exist.")
    ORIGINALS["v2.delete_email_identity"](self, email_identity)


def _v2_delete_configuration_set(self: SESV2Backend, configuration_set_name: str) -> None:
    if configuration_set_name not in self.core_backend.config_sets:
        raise NotFoundException(f"Configuration set {configuration_set_name} does not exist.")
    ORIGINALS["v2.delete_configuration_set"](self, configuration_set_name)


def _tenants(self: SESV2Backend) -> TenantStore:
    return store_for(self)


def patch_backends() -> None:
    """Apply the changes listed in the module docstring (idempotent)."""
    if ORIGINALS:
        return
    for attr, resource_type in (("delete_identity", "EMAIL_IDENTITY"),
                                ("delete_configuration_set", "CONFIGURATION_SET"),
                                ("delete_template", "EMAIL_TEMPLATE")):
        ORIGINALS[f"v1.{attr}"] = getattr(SESBackend, attr)
        setattr(SESBackend, attr, _guard(resource_type, ORIGINALS[f"v1.{attr}"]))
    ORIGINALS["v2.delete_email_identity"] = SESV2Backend.delete_email_identity
    ORIGINALS["v2.delete_configuration_set"] = SESV2Backend.delete_configuration_set
    SESV2Backend.delete_email_identity = _v2_delete_email_identity  # type: ignore[method-assign]
    SESV2Backend.delete_configuration_set = _v2_delete_configuration_set  # type: ignore[method-assign]
    SESV2Backend.tenants = property(_tenants)  # type: ignore[attr-defined]
