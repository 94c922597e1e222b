"""seslocal — a local Amazon SES v2 endpoint with the tenant API: moto 5.2.5, extended.

Importing this package changes nothing; :func:`install` patches moto (idempotent) so that

- in-process, under ``moto.mock_aws()``, a real boto3 ``sesv2`` client can call the thirteen tenant
  operations (CreateTenant ... PutTenantSuppressionAttributes), TagResource/UntagResource/
  ListTagsForResource on tenant ARNs, the email-template operations and SendBulkEmail, and
  SendEmail/SendBulkEmail with ``TenantName`` are enforced as SES enforces them;
- moto's HTTP server routes the same calls (one extra URL rule; install before the server's first
  SES v2 request — :mod:`seslocal.server` does);
- every SES v2 call is counted (:func:`stats`) and can be throttled or failed on purpose
  (:func:`configure`).

State lives on moto's SES v2 backend (per account and region), so ``mock_aws()`` / moto's reset
clear it. See :mod:`seslocal.server` for the HTTP endpoint and its ``/_seslocal/...`` control paths.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from .faults import configure, current_config, reset_stats, stats

__all__ = [
    "TENANT_URL_PATH",
    "TenantNotFound",
    "configure",
    "current_config",
    "install",
    "reset_stats",
    "set_ses_managed_status",
    "stats",
]

# The moto URL rule that makes moto's HTTP server route every SES v2 path (tenant calls included).
# `.+` (not `[^/]+`): the server percent-decodes the path, so an ARN label's %2F arrives as "/".
TENANT_URL_PATH = "{0}/v2/(?P<seslocal_path>.+)$"

_install_lock = threading.Lock()
_installed = False


class TenantNotFound(LookupError):
    """Raised by :func:`set_ses_managed_status` for a tenant that does not exist."""


def install() -> None:
    """Extend moto's SES v2 with the tenant API (idempotent, thread-safe; call before ``mock_aws()``).

    Adds the handler methods to ``moto.sesv2.responses.SESV2Response``, the tenant store and
    delete guards to moto's SES backends, and :data:`TENANT_URL_PATH` to ``moto.sesv2.urls.url_paths``.
    """
    global _installed
    with _install_lock:
        if _installed:
            return
        from moto.sesv2 import urls
        from moto.sesv2.responses import SESV2Response

        from .backend import patch_backends
        from .responses import graft

        patch_backends()
        graft()
        urls.url_paths.setdefault(TENANT_URL_PATH, SESV2Response.dispatch)
        _installed = True


def _default_account() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def _default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def set_ses_managed_status(
    tenant_name: str,
    status: str = "DISABLED",
    *,
    cause: str | None = None,
    impact: str | None = None,
    account_id: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """Simulate SES changing a tenant's SES-managed sending status (e.g. pausing it).

    Parameters
    ----------
    tenant_name : str
        The tenant.
    status : str
        ``DISABLED`` (pause), ``ENABLED`` or ``REINSTATED``.
    cause : str or None
        The status record's ``Cause``; default for DISABLED: "Sending paused by Amazon SES (simulated by
        seslocal).", otherwise none.
    impact : str or None
        Optionally also set the entity's ``ReputationImpact`` (``LOW`` | ``HIGH``).
    account_id, region : str or None
        Default: moto's account (``MOTO_ACCOUNT_ID`` or 123456789012) and ``AWS_REGION`` /
        ``AWS_DEFAULT_REGION`` / us-east-1.

    Returns
    -------
    dict
        The tenant's reputation entity, as GetReputationEntity returns it.

    Raises
    ------
    TenantNotFound
        If the tenant does not exist in that account and region.
    ValueError
        For an invalid status or impact.
    """
    install()
    from moto.sesv2.models import sesv2_backends

    from .errors import BadRequestException, NotFoundException
    from .tenants import LOCK, store_for

    if cause is None and status == "DISABLED":
        cause = "Sending paused by Amazon SES (simulated by seslocal)."
    backend = sesv2_backends[account_id or _default_account()][region or _default_region()]
    with LOCK:
        try:
            tenant = store_for(backend).set_ses_status(tenant_name, status, cause=cause, impact=impact)
        except NotFoundException as exc:
            raise TenantNotFound(exc.message) from exc
        except BadRequestException as exc:
            raise ValueError(exc.message) from exc
        return tenant.reputation_entity()
