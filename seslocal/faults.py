"""Fault injection (token-bucket throttling, transient 5xx) and per-operation call counters.

Both are process-wide: the in-process ``mock_aws()`` mode and the HTTP server started by
:mod:`seslocal.server` (a thread in the same process) share one configuration and one set of
counters. Everything here is thread-safe.

Only SES v2 operations pass through this module (the hook sits in moto's SES v2 response class);
S3 and other services served by the same endpoint are neither throttled nor counted.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# The SES v2 error for a throttled call: HTTP 429, as SES returns it.
THROTTLE_ERROR = (429, "TooManyRequestsException", "Too many requests have been made to the operation.")
# Transient server-side faults injected at ``fault_rate``: botocore retries both (standard/adaptive modes).
FAULT_ERRORS = (
    (500, "InternalFailure", "The request processing has failed because of an unknown error (injected by seslocal)."),
    (503, "ServiceUnavailable", "The service is unavailable. Please try again later (injected by seslocal)."),
)
DEFAULT_TENANT_QUOTA = 10_000

ErrorResponse = tuple[int, dict[str, str], str]


@dataclass
class FaultConfig:
    """The active fault-injection settings (see :func:`configure`)."""

    throttle_tps: float | None = None
    fault_rate: float = 0.0
    seed: int | None = None
    operations: frozenset[str] | None = None
    tenant_quota: int = DEFAULT_TENANT_QUOTA

    def as_dict(self) -> dict[str, Any]:
        return {
            "throttle_tps": self.throttle_tps,
            "fault_rate": self.fault_rate,
            "seed": self.seed,
            "operations": sorted(self.operations) if self.operations is not None else None,
            "tenant_quota": self.tenant_quota,
        }


@dataclass
class _OpCounters:
    calls: int = 0
    ok: int = 0
    errors: int = 0
    throttled: int = 0
    faults: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "calls": self.calls,
            "ok": self.ok,
            "errors": self.errors,
            "throttled": self.throttled,
            "faults": self.faults,
            "rejected": self.errors + self.throttled + self.faults,
        }


@dataclass
class _State:
    config: FaultConfig = field(default_factory=FaultConfig)
    rng: random.Random = field(default_factory=random.Random)
    tokens: float = 0.0
    last_refill: float = 0.0
    counters: dict[str, _OpCounters] = field(default_factory=dict)


_lock = threading.Lock()
_state = _State()


def configure(
    throttle_tps: float | None = None,
    fault_rate: float = 0.0,
    seed: int | None = None,
    operations: Iterable[str] | None = None,
    tenant_quota: int = DEFAULT_TENANT_QUOTA,
) -> None:
    """Set (or, called without arguments, reset) the fault injection of the local endpoint.

    Parameters
    ----------
    throttle_tps : float or None
        Token-bucket rate limit in calls per second (bucket capacity ``max(1, throttle_tps)``, starting
        full). A call that finds the bucket empty gets ``TooManyRequestsException`` (HTTP 429) and
        does not reach the handler. ``None`` disables throttling.
    fault_rate : float
        Probability in [0, 1] that an admitted call fails with a transient 5xx instead
        (``InternalFailure`` 500 or ``ServiceUnavailable`` 503, chosen at random).
    seed : int or None
        Seed of the random generator behind ``fault_rate`` (reproducible runs).
    operations : iterable of str or None
        SES v2 operation names (``"CreateTenant"``, ...) subject to throttling and faults; ``None`` = all.
    tenant_quota : int
        Tenants per account and region; CreateTenant beyond it raises ``LimitExceededException``.

    Raises
    ------
    ValueError
        On a negative/zero rate, a fault rate outside [0, 1] or a quota below 0.
    """
    if throttle_tps is not None and not throttle_tps > 0:
        raise ValueError(f"throttle_tps must be > 0 or None, got {throttle_tps!r}")
    if not 0.0 <= float(fault_rate) <= 1.0:
        raise ValueError(f"fault_rate must be within [0, 1], got {fault_rate!r}")
    if int(tenant_quota) < 0:
        raise ValueError(f"tenant_quota must be >= 0, got {tenant_quota!r}")
    config = FaultConfig(
        throttle_tps=float(throttle_tps) if throttle_tps is not None else None,
        fault_rate=float(fault_rate),
        seed=seed,
        operations=frozenset(operations) if operations is not None else None,
        tenant_quota=int(tenant_quota),
    )
    with _lock:
        _state.config = config
        _state.rng = random.Random(seed)
        _state.tokens = _capacity(config)
        _state.last_refill = time.monotonic()


def current_config() -> dict[str, Any]:
    """Return the active fault-injection settings as a JSON-ready dict."""
    with _lock:
        return _state.config.as_dict()


def tenant_quota() -> int:
    """Return the configured tenant quota per account and region."""
    with _lock:
        return _state.config.tenant_quota


def _capacity(config: FaultConfig) -> float:
    return max(1.0, config.throttle_tps) if config.throttle_tps else 0.0


def _error(status: int, code: str, message: str) -> ErrorResponse:
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
    return status, headers, json.dumps({"__type": code, "message": message})


def admit(operation: str) -> ErrorResponse | None:
    """Decide whether a call may proceed; count it.

    Returns ``None`` when the call is admitted (the caller must then report its outcome with
    :func:`record_result`), otherwise the complete error response to send instead.
    """
    with _lock:
        counters = _state.counters.setdefault(operation, _OpCounters())
        counters.calls += 1
        config = _state.config
        if config.operations is not None and operation not in config.operations:
            return None
        if config.throttle_tps:
            now = time.monotonic()
            capacity = _capacity(config)
            _state.tokens = min(capacity, _state.tokens + (now - _state.last_refill) * config.throttle_tps)
            _state.last_refill = now
            if _state.tokens < 1.0:
                counters.throttled += 1
                return _error(*THROTTLE_ERROR)
            _state.tokens -= 1.0
        if config.fault_rate and _state.rng.random() < config.fault_rate:
            counters.faults += 1
            return _error(*_state.rng.choice(FAULT_ERRORS))
    return None


def record_result(operation: str, status: int) -> None:
    """Count the outcome of an admitted call (``status`` < 400 is a success)."""
    with _lock:
        counters = _state.counters.setdefault(operation, _OpCounters())
        if status < 400:
            counters.ok += 1
        else:
            counters.errors += 1


def stats() -> dict[str, Any]:
    """Return the call counters.

    Returns
    -------
    dict
        ``{"operations": {op: counters}, "total": counters}`` where ``counters`` is
        ``{"calls", "ok", "errors", "throttled", "faults", "rejected"}``: ``calls`` counts every
        request that reached the endpoint, ``ok`` the successful ones, ``errors`` those the handler
        rejected (4xx such as NotFoundException), ``throttled``/``faults`` the injected failures and
        ``rejected`` = errors + throttled + faults.
    """
    with _lock:
        operations = {name: c.as_dict() for name, c in sorted(_state.counters.items())}
    total = {key: sum(op[key] for op in operations.values()) for key in _OpCounters().as_dict()}
    return {"operations": operations, "total": total}


def reset_stats() -> None:
    """Zero every call counter."""
    with _lock:
        _state.counters.clear()
