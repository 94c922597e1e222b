"""The local SES v2 endpoint over HTTP: moto's server app with the tenant rule and control paths.

One port serves every moto service (SES v2 with tenants, S3, STS, ...) plus the ``/_seslocal/...``
control paths (see :mod:`seslocal.control`). Point a client at it with
``endpoint_url=<url>`` or ``AWS_ENDPOINT_URL=<url>`` and any fake credentials. For S3 use
path-style addressing (``botocore.config.Config(s3={"addressing_style": "path"})`` or
``AWS_S3_ADDRESSING_STYLE=path`` in the AWS config): virtual-hosted style needs
``<bucket>.<host>`` to resolve, which it does not for 127.0.0.1.

>>> from seslocal.server import running
>>> with running() as url:                       # doctest: +SKIP
...     boto3.client("sesv2", endpoint_url=url).create_tenant(TenantName="acme")
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import faults, install
from .control import ControlMiddleware

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566


def make_app() -> ControlMiddleware:
    """Build the WSGI app: control paths in front of moto's dispatcher (installs the extension first)."""
    install()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return ControlMiddleware(DomainDispatcherApplication(create_backend_app))


def _listen(host: str, port: int) -> socket.socket:
    """Bind and listen ourselves: werkzeug turns a bind error into ``sys.exit(1)``, we want the OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _make_server(host: str, port: int, log_requests: bool) -> Any:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    class QuietHandler(MotoRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    handler = MotoRequestHandler if log_requests else QuietHandler
    sock = _listen(host, port)
    try:
        return make_server(host, port, make_app(), threaded=True, request_handler=handler, fd=sock.fileno())
    finally:
        sock.close()  # the server holds its own duplicate of the descriptor


def url_of(server: Any) -> str:
    """Return the endpoint URL of a started server (IPv6 hosts bracketed)."""
    host, port = server.server_address[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    throttle_tps: float | None = None,
    fault_rate: float = 0.0,
    seed: int | None = None,
    *,
    log_requests: bool = True,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the endpoint in the foreground until interrupted (KeyboardInterrupt propagates).

    Parameters
    ----------
    host, port : str, int
        Listen address (``port=0`` picks a free port).
    throttle_tps, fault_rate, seed
        Passed to :func:`seslocal.configure`.
    log_requests : bool
        Log each request to stderr (werkzeug's access log).
    on_ready : callable or None
        Called with the endpoint URL once the socket is listening.

    Raises
    ------
    OSError
        If the address cannot be bound (e.g. the port is in use).
    """
    faults.configure(throttle_tps=throttle_tps, fault_rate=fault_rate, seed=seed)
    server = _make_server(host, port, log_requests)
    try:
        if on_ready is not None:
            on_ready(url_of(server))
        server.serve_forever()
    finally:
        server.server_close()


@contextmanager
def running(
    port: int = 0,
    host: str = DEFAULT_HOST,
    throttle_tps: float | None = None,
    fault_rate: float = 0.0,
    seed: int | None = None,
    *,
    log_requests: bool = False,
) -> Iterator[str]:
    """Run the endpoint in a background thread for the ``with`` block; yield its URL.

    Parameters
    ----------
    port : int
        ``0`` (default) picks a free loopback port.
    host : str
        Listen address.
    throttle_tps, fault_rate, seed
        When throttling or faults are requested they are applied with :func:`seslocal.configure`
        for the block and the previous configuration is restored afterwards; otherwise the current
        (process-wide) configuration is left as it is.
    log_requests : bool
        Log each request to stderr.

    Yields
    ------
    str
        The endpoint URL, e.g. ``http://127.0.0.1:53211``.
    """
    previous = faults.current_config() if (throttle_tps is not None or fault_rate) else None
    if previous is not None:
        faults.configure(throttle_tps=throttle_tps, fault_rate=fault_rate, seed=seed)
    server = _make_server(host, port, log_requests)
    thread = threading.Thread(target=server.serve_forever, name=f"seslocal:{server.port}", daemon=True)
    thread.start()
    try:
        yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        if previous is not None:
            faults.configure(**previous)
