"""boto3 clients for the engine: explicit adaptive retries, pool sized to the concurrency, call counting.

The endpoint is left to boto3 itself (``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_SESV2`` or an explicit
``endpoint_url``), so the same code talks to SES and to the local endpoint.

Throttling is botocore's job (adaptive retry mode, set explicitly because the default is still ``legacy``).
One exception: botocore classifies ``LimitExceededException`` as throttling, but from ``CreateTenant`` it means
the account's tenant quota is reached, which no retry can fix. :func:`install_quota_guard` vetoes those retries
so the error surfaces at once and the applier turns it into a clear quota error.

The retry quota. botocore's standard/adaptive modes also keep a per-client *retry quota* (a token bucket of
500: a retry costs 14, or 5 after throttling; a call that succeeds first time gives 1 back). It is a circuit
breaker for fleets of clients hammering a failing service. For this single writer it misfires: under sustained
throttling plus a few percent of 5xx the bucket runs dry within a few hundred calls, and from then on every
transient error escapes after one attempt ("Retry needed but retry quota reached"), so a large apply degrades
into re-reading and re-planning tenant after tenant. The engine's clients therefore run botocore's own standard
retry handler without the quota (:func:`disable_retry_quota`): retries stay bounded per call by
``max_attempts`` with botocore's backoff, the adaptive rate limiter still paces every send, and the deadline
bounds the run. botocore offers no setting for this; the handler is swapped through the client's event
system (``unregister``/``register`` of botocore's ``retry-config-<service>`` handler id), building the
replacement from :mod:`botocore.retries.standard`'s classes. ``ClientFactory(retry_quota=True)`` (or
``SES_TENANTS_RETRY_QUOTA=on``) keeps botocore's quota; the engine then relies on its re-plan rounds.

The write deadline. ``ClientFactory(write_deadline=<epoch seconds>)`` installs :func:`install_write_deadline` on
the SES client: from that moment no state-changing request is sent -- not even a botocore retry of a call that
started earlier -- and the call raises :class:`DeadlinePassed` instead (the applier leaves the tenant pending).
The Lambda sets it to the moment CloudFormation gives up on the custom resource (minus a safety margin).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.retries import standard

DEFAULT_CONCURRENCY = 16
DEFAULT_MAX_ATTEMPTS = 10
NO_RETRY_ON_CREATE = ("LimitExceededException",)
CONNECT_TIMEOUT = 10  # seconds
READ_TIMEOUT = 30  # seconds
#: The longest one HTTP attempt can take (connect + read timeouts): the margin before a deadline under which no
#: new write starts.
ATTEMPT_SECONDS = CONNECT_TIMEOUT + READ_TIMEOUT


class DeadlinePassed(Exception):
    """A state-changing SES request was not sent: the write deadline had passed."""


def is_read(operation: str) -> bool:
    """Whether an SES operation only reads (``Get*`` / ``List*``)."""
    return operation.startswith(("Get", "List"))


def install_write_deadline(client: Any, deadline: float) -> None:
    """Refuse every state-changing request of ``client`` from ``deadline`` (epoch seconds) on.

    Checked on ``before-send``, i.e. before each HTTP attempt, retries included: first (before any other handler,
    e.g. an in-process stub that would answer the request) and again last (after botocore's adaptive rate
    limiter, which may wait). The call then raises :class:`DeadlinePassed`, which botocore does not retry.
    Reads are never refused.
    """

    def guard(event_name: str = "", **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if not is_read(operation) and time.time() >= deadline:
            raise DeadlinePassed(f"{operation} not sent: the deadline passed")

    client.meta.events.register_first("before-send", guard)
    client.meta.events.register_last("before-send", guard)


@dataclass(frozen=True)
class AwsContext:
    """Where the engine works: resolves bare resource names and reputation-policy ARNs.

    Parameters
    ----------
    partition, region, account : str
        The AWS partition (``aws``, ``aws-cn``, ...), region and account id.
    """

    partition: str
    region: str
    account: str

    @classmethod
    def from_function_arn(cls, arn: str) -> AwsContext:
        """Parse ``arn:<partition>:lambda:<region>:<account>:function:<name>``."""
        parts = arn.split(":")
        if len(parts) < 6 or parts[0] != "arn":
            raise ValueError(f"not an ARN: {arn!r}")
        return cls(partition=parts[1], region=parts[3], account=parts[4])


class CallCounter:
    """Thread-safe count of API calls (``calls``: one per client call) and HTTP attempts (with retries)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        events = client.meta.events
        service = client.meta.service_model.service_id.hyphenize()
        events.register(f"before-call.{service}", self._on_call)
        events.register(f"before-send.{service}", self._on_send)

    def _on_call(self, model: Any = None, **_: Any) -> None:
        with self._lock:
            self.calls[model.name if model is not None else "?"] += 1

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        with self._lock:
            self.attempts[event_name.rsplit(".", 1)[-1] or "?"] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.calls)

    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def writes(self) -> int:
        """Count calls that change state (everything but Get*/List*)."""
        with self._lock:
            return sum(n for k, n in self.calls.items() if not is_read(k))

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.attempts.clear()


def _veto_quota_retry(response: Any = None, caught_exception: Any = None, **_: Any) -> bool | None:
    """``needs-retry.sesv2.CreateTenant`` handler: never retry a quota error.

    Runs before botocore's generic retry handler (more specific event); returning ``False`` makes the
    endpoint stop retrying (``None`` lets the generic handler decide).
    """
    if response is None:
        return None
    parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else None
    code = (parsed or {}).get("Error", {}).get("Code") if isinstance(parsed, dict) else None
    if code in NO_RETRY_ON_CREATE:
        return False
    return None


def install_quota_guard(client: Any) -> None:
    """Make ``LimitExceededException`` from ``CreateTenant`` non-retryable on ``client``."""
    client.meta.events.register_first("needs-retry.sesv2.CreateTenant", _veto_quota_retry)


class UnlimitedRetryQuota:
    """Stands in for botocore's ``RetryQuotaChecker``: every retry the retry policy allows may happen."""

    def acquire_retry_quota(self, context: Any) -> bool:
        return True

    def release_retry_quota(self, context: Any, http_response: Any, **_: Any) -> None:
        return None


def _standard_retry_handler(service_event_name: str, max_attempts: int) -> Any:
    """Return the handler ``standard.register_retry_handler`` builds, with an :class:`UnlimitedRetryQuota`."""
    adapter = standard.RetryEventAdapter()
    detector = standard.ThrottlingErrorDetector(adapter)
    try:
        backoff = standard.ExponentialBackoff(service_name=service_event_name, throttling_detector=detector)
    except TypeError:  # botocore before the throttling-aware backoff
        backoff = standard.ExponentialBackoff()
    policy = standard.RetryPolicy(
        retry_checker=standard.StandardRetryConditions(max_attempts=max_attempts), retry_backoff=backoff
    )
    try:
        return standard.RetryHandler(
            retry_policy=policy,
            retry_event_adapter=adapter,
            retry_quota=UnlimitedRetryQuota(),
            service_name=service_event_name,
        )
    except TypeError:  # botocore before long-polling awareness
        return standard.RetryHandler(policy, adapter, UnlimitedRetryQuota())


def disable_retry_quota(client: Any) -> bool:
    """Replace ``client``'s standard retry handler by the same policy without the retry quota.

    Parameters
    ----------
    client
        A boto3 client created with ``retries={"mode": "standard" | "adaptive"}``.

    Returns
    -------
    bool
        True when the handler was replaced; False for other retry modes (nothing changed).
    """
    retries = client.meta.config.retries or {}
    if retries.get("mode") not in ("standard", "adaptive"):
        return False
    service = client.meta.service_model.service_id.hyphenize()
    max_attempts = retries.get("total_max_attempts") or standard.DEFAULT_MAX_ATTEMPTS
    unique_id = f"retry-config-{service}"
    handler = _standard_retry_handler(service, max_attempts)
    client.meta.events.unregister(f"needs-retry.{service}", unique_id=unique_id)
    client.meta.events.register(f"needs-retry.{service}", handler.needs_retry, unique_id=unique_id)
    return True


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value not in ("0", "off", "false", "no")


@dataclass
class ClientFactory:
    """Creates (once) and hands out the engine's boto3 clients.

    Parameters
    ----------
    region : str, optional
        Region; default from the environment.
    endpoint_url : str, optional
        Explicit endpoint; by default boto3 reads ``AWS_ENDPOINT_URL`` itself.
    concurrency : int
        Tenants worked on in parallel; also the HTTP pool size.
    max_attempts : int
        botocore retry attempts per call (adaptive mode; ``retries.max_attempts``).
    session : boto3.Session, optional
        Session to build clients from.
    retry_quota : bool
        Keep botocore's client-side retry quota (default False: see the module docstring).
    write_deadline : float, optional
        Epoch seconds from which the SES client sends no state-changing request (:func:`install_write_deadline`).
    """

    region: str | None = None
    endpoint_url: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    session: Any = None
    retry_quota: bool = False
    write_deadline: float | None = None
    counter: CallCounter = field(default_factory=CallCounter)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _context: AwsContext | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, region: str | None = None, endpoint_url: str | None = None) -> ClientFactory:
        """Build a factory from ``SES_TENANTS_CONCURRENCY`` / ``_MAX_ATTEMPTS`` / ``_RETRY_QUOTA`` (``on``/``off``)."""
        return cls(
            region=region,
            endpoint_url=endpoint_url,
            concurrency=int(os.environ.get("SES_TENANTS_CONCURRENCY", DEFAULT_CONCURRENCY)),
            max_attempts=int(os.environ.get("SES_TENANTS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)),
            retry_quota=_env_flag("SES_TENANTS_RETRY_QUOTA", False),
        )

    def config(self) -> Config:
        """Return the botocore config every client uses."""
        return Config(
            retries={"mode": "adaptive", "max_attempts": self.max_attempts},
            max_pool_connections=max(10, self.concurrency + 2),
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )

    def _client(self, service: str) -> Any:
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                session = self.session or boto3.session.Session()
                kwargs: dict[str, Any] = {"config": self.config()}
                if self.region:
                    kwargs["region_name"] = self.region
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                client = session.client(service, **kwargs)
                if not self.retry_quota:
                    disable_retry_quota(client)
                if service == "sesv2":
                    install_quota_guard(client)
                    if self.write_deadline is not None:
                        install_write_deadline(client, self.write_deadline)
                self.counter.attach(client)
                self._clients[service] = client
            return client

    def sesv2(self) -> Any:
        """Return the SES v2 client."""
        return self._client("sesv2")

    def s3(self) -> Any:
        """Return the S3 client (spec assets)."""
        return self._client("s3")

    def context(self) -> AwsContext:
        """Partition/region/account of the SES client (``sts:GetCallerIdentity`` once, for local runs)."""
        if self._context is None:
            ses = self.sesv2()
            region = ses.meta.region_name
            partition = ses.meta.partition or "aws"
            account = self._client("sts").get_caller_identity()["Account"]
            self._context = AwsContext(partition=partition, region=region, account=account)
        return self._context

    def with_context(self, ctx: AwsContext) -> ClientFactory:
        """Set a known context (the Lambda knows it from its own ARN) and return self."""
        self._context = ctx
        return self
