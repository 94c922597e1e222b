"""The ``/_seslocal/...`` control paths of the HTTP endpoint (a WSGI middleware in front of moto).

=======  ==========================================  ==================================================
method   path                                        effect / response (JSON)
=======  ==========================================  ==================================================
GET      /_seslocal/health                           ``{"status": "ok"}``
GET      /_seslocal/stats                            :func:`seslocal.stats`
POST     /_seslocal/stats/reset  (or DELETE .../stats)  zero the counters; returns the (empty) stats
GET      /_seslocal/config                           :func:`seslocal.current_config`
POST     /_seslocal/config                           body = :func:`seslocal.configure` keyword arguments
                                                     (``throttle_tps``, ``fault_rate``, ``seed``,
                                                     ``operations``, ``tenant_quota``); omitted keys take
                                                     their defaults. Returns the new config.
POST     /_seslocal/reset                            reset all moto state (like ``/moto-api/reset``), the
                                                     counters and the fault configuration
POST     /_seslocal/tenants/<name>/ses-managed-status  body ``{"status": "DISABLED", "cause": ...,
                                                     "impact": ..., "account_id": ..., "region": ...}``
                                                     (all optional; status defaults to DISABLED).
                                                     Returns the tenant's reputation entity; 404 if the
                                                     tenant does not exist, 400 on a bad value.
=======  ==========================================  ==================================================

Every other path goes to moto.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from . import faults

PREFIX = "/_seslocal"
CONFIG_KEYS = ("throttle_tps", "fault_rate", "seed", "operations", "tenant_quota")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, default=str), status=status, mimetype="application/json")


def _body(request: Request) -> dict[str, Any]:
    if not request.get_data():
        return {}
    data = json.loads(request.get_data())
    if not isinstance(data, dict):
        raise ValueError("the request body must be a JSON object")
    return data


def handle(request: Request) -> Response:
    """Serve one control request."""
    import seslocal

    path = request.path[len(PREFIX):].rstrip("/") or "/"
    method = request.method
    try:
        if path == "/health" and method == "GET":
            return _json({"status": "ok", "service": "seslocal"})
        if path == "/stats" and method == "GET":
            return _json(faults.stats())
        if (path == "/stats/reset" and method == "POST") or (path == "/stats" and method == "DELETE"):
            faults.reset_stats()
            return _json(faults.stats())
        if path == "/config" and method == "GET":
            return _json(faults.current_config())
        if path == "/config" and method in ("POST", "PUT"):
            body = _body(request)
            unknown = sorted(set(body) - set(CONFIG_KEYS))
            if unknown:
                return _json({"error": f"unknown config keys: {', '.join(unknown)}"}, 400)
            faults.configure(**body)
            return _json(faults.current_config())
        if path == "/reset" and method == "POST":
            from moto.moto_api._internal.models import moto_api_backend

            moto_api_backend.reset()
            faults.configure()
            faults.reset_stats()
            return _json({"status": "reset"})
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "tenants" and parts[2] == "ses-managed-status" and method == "POST":
            body = _body(request)
            entity = seslocal.set_ses_managed_status(
                parts[1], body.get("status", "DISABLED"),
                cause=body.get("cause"),
                impact=body.get("impact"), account_id=body.get("account_id"), region=body.get("region"),
            )
            return _json(entity)
    except seslocal.TenantNotFound as exc:
        return _json({"error": str(exc)}, 404)
    except (ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    return _json({"error": f"no control endpoint {method} {request.path}"}, 404)


class ControlMiddleware:
    """WSGI middleware: ``/_seslocal/...`` is served here, everything else by ``app`` (moto)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return handle(Request(environ))(environ, start_response)
        return self.app(environ, start_response)
