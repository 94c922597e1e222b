"""``tenantctl local``: run the local SES v2 endpoint (moto + the tenant API) in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from tenantctl.cli import CliError


def _bounded(convert: Callable[[str], float], low: float, high: float | None,
             low_inclusive: bool = True) -> Callable[[str], Any]:
    """Return an argparse type converting with ``convert`` and checking the range."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not a valid number: {text!r}") from exc
        too_low = value < low if low_inclusive else value <= low
        if too_low or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f"> {low:g}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {text}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``local`` subcommand."""
    parser = subparsers.add_parser(
        "local",
        help="run the local SES v2 endpoint (tenant API, S3) for offline runs",
        description=(
            "Run a local Amazon SES v2 endpoint with the tenant API (moto, extended by seslocal) until Ctrl-C. "
            "The same port also serves moto's S3 and the /_seslocal/... control paths (stats, faults, pausing "
            "a tenant)."
        ),
    )
    parser.add_argument("--port", type=_bounded(int, 0, 65535), default=4566,
                        help="port to listen on (default 4566; 0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--throttle", type=_bounded(float, 0, None, low_inclusive=False), default=None, metavar="TPS",
                        help="throttle SES v2 calls to TPS per second (token bucket; excess calls get HTTP 429 "
                             "TooManyRequestsException)")
    parser.add_argument("--fault-rate", type=_bounded(float, 0, 1), default=0.0, metavar="P",
                        help="fail this fraction of SES v2 calls with a transient 500/503 (0-1)")
    parser.add_argument("--seed", type=int, default=None, help="random seed for --fault-rate")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.set_defaults(func=run)


def usage_text(url: str, throttle: float | None, fault_rate: float) -> str:
    """Return the banner printed when the endpoint is up."""
    faults = []
    if throttle:
        faults.append(f"throttle {throttle:g} TPS (429 TooManyRequestsException)")
    if fault_rate:
        faults.append(f"transient 5xx on {fault_rate:.0%} of calls")
    return "\n".join([
        f"Local SES v2 endpoint (with tenants) listening on {url}",
        f"  fault injection: {', '.join(faults) if faults else 'off'}",
        "Point boto3 / the AWS CLI / tenantctl at it:",
        f"  export AWS_ENDPOINT_URL={url}",
        "  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1",
        f"  (or: boto3.client('sesv2', endpoint_url='{url}'), tenantctl ... --endpoint-url {url})",
        "  S3 on the same endpoint: use path-style addressing (botocore Config(s3={'addressing_style': 'path'})).",
        f"Control: GET {url}/_seslocal/stats, POST {url}/_seslocal/stats/reset, "
        f"POST {url}/_seslocal/tenants/<name>/ses-managed-status",
        "Press Ctrl-C to stop.",
    ])


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> dict[int, Any]:
    """Make Ctrl-C (SIGINT) and SIGTERM stop the server cleanly, even where the parent ignored SIGINT.

    Returns the previous handlers (to restore).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; exit 0."""
    from seslocal.server import serve

    def ready(url: str) -> None:
        print(usage_text(url, args.throttle, args.fault_rate), flush=True)

    previous = _stop_on_signals()
    try:
        # werkzeug's serve_forever returns (rather than raising) on KeyboardInterrupt.
        serve(host=args.host, port=args.port, throttle_tps=args.throttle, fault_rate=args.fault_rate,
              seed=args.seed, log_requests=not args.quiet, on_ready=ready)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("local endpoint stopped", file=sys.stderr)
    return 0
