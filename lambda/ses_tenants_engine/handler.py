"""CloudFormation custom-resource handler (CDK Provider framework: ``on_event`` + ``is_complete``).

Resource properties: ``SpecBucket``, ``SpecKey`` (the normalized spec, an S3 asset), ``SpecHash``, ``Mode``
(``reconcile`` | ``prune``) and ``Deployment`` (the ownership tag value).

* The physical id is ``ses-tenants:<deployment>:<mode>`` and never changes (on Update the incoming id is
  returned unchanged), so CloudFormation never "replaces" -- i.e. deletes -- the tenants.
* Create: full read (every owned tenant plus the desired ones), so a Create retried after a failed one
  finds and finishes what it started. Update: incremental (old spec from ``OldResourceProperties``), unless
  ``settings.drift_reconcile``. A rollback is an Update with the specs swapped: just another plan.
* ``reconcile`` never deletes a tenant; ``prune`` only deletes (after the deletion guard). Delete events retain
  tenants unless ``settings.on_stack_delete == 'destroy'`` on the prune resource.
* ``on_event`` works until its time budget (from ``context.get_remaining_time_in_millis()``) is used up and
  returns; ``is_complete`` re-plans from live state and continues until nothing is left. When ``on_event``
  finished everything (``Data.Pending == 0``) ``is_complete`` answers at once without any call.
* Continuation: ``on_event`` returns ``Data.Unfinished``, the spec positions of the tenants it left pending (as
  ranges, at most :data:`UNFINISHED_MAX` characters, widened when needed -- a wider set only costs reads). Every
  other desired tenant is *settled*: ``on_event`` read it in full and made it match, or wrote it. A full-scope
  ``is_complete`` checks settled tenants with bulk list calls only and reads every other tenant in full
  (:func:`.reconcile.read_live` with ``settled``); tenants an earlier ``is_complete`` settled in the same warm
  container are remembered in memory (lost on a cold start: they are then read again, never assumed).
* Deadline: CloudFormation gives up on a custom resource after its ``ServiceTimeout`` (a resource property,
  default and maximum 3600 s), but nothing stops the Provider's Step Functions waiter from calling
  ``is_complete`` afterwards. ``on_event`` therefore returns ``Data.Deadline`` (epoch seconds: its start +
  ServiceTimeout - min(120 s, ServiceTimeout / 10)). No write is sent after it (the SES client refuses it, retries
  included: :func:`.client.install_write_deadline`), no write *starts* within :data:`CALL_MARGIN` of it, and an
  ``is_complete`` after it fails at once, without any call, saying so.
* A Delete never fails for unusable properties or an unreadable spec: the tenants are retained.
* Failures raise :class:`ReconcileFailed` with a short message pointing to the log group (the Provider
  framework reports it as the CloudFormation reason); details go to the log. Responses carry counts only,
  so they stay far below CloudFormation's 4 KB limit whatever the number of tenants or errors.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .applier import DONE, QUOTA_SKIPPED, is_transient
from .client import ATTEMPT_SECONDS, AwsContext, ClientFactory
from .model import DEFAULT_DEPLOYMENT, Spec, SpecError
from .plan_types import TenantChange
from .reconcile import ReadFailed, Result, converge, scope_for

log = logging.getLogger("ses_tenants_engine")
log.setLevel(os.environ.get("SES_TENANTS_LOG_LEVEL", "INFO"))
if not logging.getLogger().handlers and not log.handlers:  # local runs; Lambda's root logger has a handler
    _h = logging.StreamHandler(sys.stdout)
    _h.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(_h)

MODES = ("reconcile", "prune")
MAX_REASON = 1000  # characters of a failure message (CloudFormation's whole response must stay < 4 KB)
SHOWN_PROBLEMS = 3
DEFAULT_SERVICE_TIMEOUT = 3600  # seconds: CloudFormation's wait for a custom resource (also its maximum)
SAFETY_MARGIN = 120.0  # seconds: the deadline is this much before CloudFormation gives up (at most 10 %)
CALL_MARGIN = float(ATTEMPT_SECONDS)  # seconds: no write starts closer than this to the deadline
UNFINISHED_MAX = 1000  # characters of Data.Unfinished
SETTLED_CACHE = 8  # requests whose settled tenants a warm container remembers
_settled_cache: OrderedDict[tuple[str, ...], frozenset[str]] = OrderedDict()


class ReconcileFailed(Exception):
    """The deploy cannot succeed; the message is short and points to the log group."""


@dataclass(frozen=True)
class Props:
    """The custom resource's properties."""

    bucket: str
    key: str
    spec_hash: str
    mode: str
    deployment: str

    @classmethod
    def parse(cls, props: dict[str, Any] | None) -> Props:
        """Validate ``ResourceProperties`` (raises :class:`ReconcileFailed` on a malformed resource)."""
        props = props or {}
        missing = [k for k in ("SpecBucket", "SpecKey", "Mode") if not props.get(k)]
        if missing:
            raise ReconcileFailed(f"custom resource is missing properties: {', '.join(missing)}")
        mode = str(props["Mode"])
        if mode not in MODES:
            raise ReconcileFailed(f"Mode must be one of {', '.join(MODES)}, not {mode!r}")
        return cls(
            bucket=str(props["SpecBucket"]),
            key=str(props["SpecKey"]),
            spec_hash=str(props.get("SpecHash", "")),
            mode=mode,
            deployment=str(props.get("Deployment") or ""),
        )


def physical_id(deployment: str, mode: str) -> str:
    """Return the physical resource id: stable for a deployment and mode."""
    return f"ses-tenants:{deployment}:{mode}"


def aws_context(context: Any) -> AwsContext:
    """Partition, region and account of the running function (from its invoked ARN)."""
    arn = getattr(context, "invoked_function_arn", None)
    if arn:
        return AwsContext.from_function_arn(arn)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return AwsContext("aws", region, os.environ.get("AWS_ACCOUNT_ID", "000000000000"))


def make_factory(ctx: AwsContext, write_deadline: float | None = None) -> ClientFactory:
    """Clients for this invocation (endpoint from ``AWS_ENDPOINT_URL`` when set, as boto3 does).

    ``write_deadline`` (epoch seconds): the SES client sends no state-changing request from then on.
    """
    factory = ClientFactory.from_env(region=ctx.region).with_context(ctx)
    factory.write_deadline = write_deadline
    return factory


def retryable(exc: BaseException) -> bool:
    """Whether a failed invocation should be continued by the next ``is_complete`` poll instead of failing."""
    return isinstance(exc, ReadFailed) or is_transient(exc)


def deadline_from(context: Any, run_deadline: float | None = None) -> float | None:
    """``time.monotonic()`` after which no new tenant work (and no new write) starts.

    The earlier of the Lambda's budget (its remaining time minus min(60 s, 15 %)) and ``run_deadline`` (epoch
    seconds, see :func:`run_deadline`) minus :data:`CALL_MARGIN`.
    """
    deadlines = []
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is not None:
        remaining = max(0.0, getter() / 1000.0)
        deadlines.append(time.monotonic() + remaining - min(60.0, remaining * 0.15))
    if run_deadline is not None:
        deadlines.append(time.monotonic() + (run_deadline - time.time()) - CALL_MARGIN)
    return min(deadlines) if deadlines else None


def service_timeout(props: dict[str, Any] | None) -> int:
    """CloudFormation's ``ServiceTimeout`` of the resource in seconds (a property; default and maximum 3600)."""
    try:
        value = int(float((props or {}).get("ServiceTimeout")))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return DEFAULT_SERVICE_TIMEOUT
    return min(DEFAULT_SERVICE_TIMEOUT, value) if value > 0 else DEFAULT_SERVICE_TIMEOUT


def run_deadline(event: dict[str, Any], start: float) -> int:
    """Epoch seconds after which nothing is written for ``event`` (``on_event`` puts it in ``Data.Deadline``).

    ``start`` (epoch seconds, when ``on_event`` began) + ``ServiceTimeout`` - min(:data:`SAFETY_MARGIN`, 10 % of
    it): CloudFormation started its clock a little before ``on_event`` ran, and gives up at ServiceTimeout.
    """
    timeout = service_timeout(event.get("ResourceProperties"))
    return int(start + timeout - min(SAFETY_MARGIN, timeout / 10))


def deadline_of(data: dict[str, Any]) -> float | None:
    """``Data.Deadline`` as epoch seconds (None when absent or unusable: an event from an older handler)."""
    try:
        value = float(data["Deadline"])
    except (KeyError, TypeError, ValueError):
        return None
    return value if value > 0 else None


def encode_positions(positions: Iterable[int], limit: int = UNFINISHED_MAX) -> str:
    """Spec positions as ranges (``"3,17,20-999"``), widened until the text fits in ``limit`` characters.

    Widening only ever adds positions (merges neighbouring ranges across their gap), so the decoded set always
    contains every given position.
    """
    ranges: list[list[int]] = []
    for p in sorted(set(positions)):
        if ranges and p == ranges[-1][1] + 1:
            ranges[-1][1] = p
        else:
            ranges.append([p, p])

    def text() -> str:
        return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)

    gap = 1
    while len(text()) > limit and len(ranges) > 1:
        merged = [ranges[0]]
        for a, b in ranges[1:]:
            if a - merged[-1][1] <= gap:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        ranges, gap = merged, gap * 2
    return text()


def decode_positions(text: Any) -> set[int] | None:
    """Inverse of :func:`encode_positions`; None when ``text`` is not such a string."""
    if not isinstance(text, str):
        return None
    out: set[int] = set()
    try:
        for part in filter(None, text.split(",")):
            a, _, b = part.partition("-")
            lo, hi = int(a), int(b or a)
            if lo < 0 or hi < lo:
                return None
            out.update(range(lo, hi + 1))
    except ValueError:
        return None
    return out


def where_logs(context: Any) -> str:
    """Point to the log group (and stream) holding the details."""
    group = getattr(context, "log_group_name", None) or os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME") or "the Lambda"
    stream = getattr(context, "log_stream_name", None)
    return f"Details in CloudWatch Logs group {group}" + (f" (stream {stream})" if stream else "")


def load_spec(s3: Any, props: Props) -> Spec:
    """Read the normalized spec asset from S3 (``GetObject``); the ownership tag is ``Deployment``."""
    try:
        body = s3.get_object(Bucket=props.bucket, Key=props.key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise ReconcileFailed(f"cannot read the spec s3://{props.bucket}/{props.key}: {exc}") from exc
    try:
        spec = Spec.loads(body)
    except SpecError as exc:
        raise ReconcileFailed(f"spec s3://{props.bucket}/{props.key} is not usable: {exc}") from exc
    if props.deployment and props.deployment != spec.deployment:
        spec = dataclasses.replace(spec, deployment=props.deployment)
    return spec


def _s3(factory: ClientFactory) -> Any:
    """S3 client; path-style addressing when an endpoint override is set (local endpoints)."""
    if os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3"):
        import boto3

        return boto3.session.Session().client(
            "s3", region_name=factory.region, config=factory.config().merge(Config(s3={"addressing_style": "path"}))
        )
    return factory.s3()


def _progress(change: TenantChange, outcome: str, message: str | None) -> None:
    kinds = ",".join(op.kind for op in change.ops)
    if outcome == DONE:
        log.info("tenant %s: %s done [%s]", change.tenant, change.action, kinds)
    else:
        log.warning("tenant %s: %s %s: %s", change.tenant, change.action, outcome, message)


def _failure(result: Result, mode: str, context: Any) -> ReconcileFailed:
    """Build a short failure for CloudFormation; the full list goes to the log."""
    messages = [p.message for p in result.problems]
    if result.failure:
        messages.insert(0, result.failure)
    errors = sorted(result.applied.errors.items())
    if result.applied.quota_error:
        messages.insert(0, result.applied.quota_error)
        # Tenants skipped because of the quota are counted, not repeated.
        skipped = [(t, m) for t, m in errors if m == QUOTA_SKIPPED]
        for t, m in skipped:
            log.error("tenant %s: %s", t, m)
        if skipped:
            messages.append(f"{len(skipped)} tenant(s) not created because of the quota")
        errors = [(t, m) for t, m in errors if m != QUOTA_SKIPPED]
    messages += [f"tenant {t}: {m}" for t, m in errors]
    for m in messages:
        log.error("%s", m)
    shown = [m if len(m) <= 300 else m[:297] + "..." for m in messages[:SHOWN_PROBLEMS]]
    more = f" (+{len(messages) - len(shown)} more)" if len(messages) > len(shown) else ""
    head = "nothing was changed: " if result.problems and not result.applied.ops else ""
    text = f"ses-tenants {mode} failed, {head}{'; '.join(shown)}{more}. {where_logs(context)}"
    if len(text) > MAX_REASON:
        tail = f"... {where_logs(context)}"
        text = text[: MAX_REASON - len(tail)] + tail
    return ReconcileFailed(text)


def _data(result: Result | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = result.counts() if result is not None else {"Pending": 0, "Errors": 0}
    data.update(extra)
    return data


@dataclass
class Run:
    """What one invocation did."""

    props: Props | None
    result: Result | None
    note: str
    spec: Spec | None = None
    full: bool = False  # the run's read covered every tenant (Create, drift, fallback): Unfinished applies


def _cache_key(event: dict[str, Any], props: Props) -> tuple[str, ...]:
    return tuple(
        str(x)
        for x in (
            event.get("StackId"),
            event.get("LogicalResourceId"),
            event.get("RequestId"),
            props.mode,
            props.spec_hash or props.key,
        )
    )


def _settled(event: dict[str, Any], props: Props, spec: Spec) -> frozenset[str]:
    """Desired tenants known settled for this request: onEvent's (from ``Data.Unfinished``) and this container's."""
    unfinished = decode_positions((event.get("Data") or {}).get("Unfinished"))
    names: set[str] = set()
    if unfinished is not None:
        names = {t.name for i, t in enumerate(spec.tenants) if i not in unfinished}
    names |= _settled_cache.get(_cache_key(event, props), frozenset())
    return frozenset(names)


def _remember(event: dict[str, Any], props: Props, spec: Spec, result: Result) -> None:
    if not result.ok:
        return
    key = _cache_key(event, props)
    _settled_cache[key] = frozenset(t.name for t in spec.tenants if t.name not in result.unfinished)
    _settled_cache.move_to_end(key)
    while len(_settled_cache) > SETTLED_CACHE:
        _settled_cache.popitem(last=False)


def _work(event: dict[str, Any], context: Any, phase: str, deadline: float | None) -> Run:
    """Run the reconcile the event asks for (``deadline``: epoch seconds, see :func:`run_deadline`)."""
    request = event.get("RequestType")
    if request == "Delete":
        return _delete(event, context, deadline)
    props = Props.parse(event.get("ResourceProperties"))
    ctx = aws_context(context)
    factory = make_factory(ctx, deadline)

    if request not in ("Create", "Update"):
        raise ReconcileFailed(f"unknown RequestType {request!r}")
    spec = load_spec(_s3(factory), props)
    if not props.deployment:
        props = dataclasses.replace(props, deployment=spec.deployment)
    old_spec = None
    note = "full reconcile"
    if request == "Update":
        old_spec, note = _old_spec(event, props, factory)
    full = scope_for(spec, old_spec).full
    log.info(
        "%s %s (%s): mode=%s deployment=%s tenants=%d spec=%s",
        phase,
        request,
        note,
        props.mode,
        spec.deployment,
        len(spec.tenants),
        props.spec_hash or props.key,
    )
    # isComplete continues onEvent's run: settled tenants are checked in bulk, everything else is read in full.
    settled = _settled(event, props, spec) if phase == "isComplete" and full else None
    if settled is not None:
        log.info("%s: continuation read, %d of %d tenant(s) settled", phase, len(settled), len(spec.tenants))
    result = converge(
        factory,
        spec,
        mode=props.mode,
        old_spec=old_spec,
        deadline=deadline_from(context, deadline),
        progress=_progress,
        settled=settled,
    )
    if phase == "isComplete" and full:
        _remember(event, props, spec, result)
    return Run(props, result, note, spec, full)


def _delete(event: dict[str, Any], context: Any, deadline: float | None) -> Run:
    """Stack deletion: retain unless the prune resource's spec says ``on_stack_delete: destroy``.

    A Delete never fails for lack of information: unusable properties or an unreadable spec mean retain
    (the safe default), logged as a warning.
    """
    try:
        props = Props.parse(event.get("ResourceProperties"))
    except ReconcileFailed as exc:
        log.warning("stack delete with unusable properties (%s): tenants retained", exc)
        return Run(None, None, "stack delete: tenants retained")
    if props.mode != "prune":
        return Run(props, None, "stack delete: tenants retained (the reconcile resource never deletes)")
    ctx = aws_context(context)
    factory = make_factory(ctx, deadline)
    try:
        spec = load_spec(_s3(factory), props)
    except ReconcileFailed as exc:
        log.warning("stack delete, spec unreadable (%s): tenants retained", exc)
        return Run(props, None, "stack delete: tenants retained (spec unreadable)")
    if spec.settings.on_stack_delete != "destroy":
        return Run(props, None, "stack delete: tenants retained (settings.on_stack_delete is 'retain')")
    # Destroy: the desired state is "no tenants"; every owned tenant is deleted (deletion guard applies).
    desired = dataclasses.replace(spec, tenants=())
    result = converge(
        factory, desired, mode="prune", deadline=deadline_from(context, deadline), progress=_progress
    )
    return Run(props, result, "stack delete: destroying owned tenants")


def _old_spec(event: dict[str, Any], props: Props, factory: ClientFactory) -> tuple[Spec | None, str]:
    try:
        old_props = Props.parse(event.get("OldResourceProperties"))
    except ReconcileFailed:
        return None, "full reconcile (no usable OldResourceProperties)"
    if old_props.deployment != props.deployment:
        return None, "full reconcile (deployment changed)"
    try:
        return load_spec(_s3(factory), old_props), "incremental"
    except ReconcileFailed as exc:
        log.warning("old spec unreadable, falling back to a full reconcile: %s", exc)
        return None, "full reconcile (old spec unreadable)"


def _summary(phase: str, result: Result | None, note: str) -> None:
    if result is None:
        log.info("%s: %s", phase, note)
        return
    log.info(
        "%s: %s; plan %s; counts %s; rounds %d; calls %s",
        phase,
        note,
        json.dumps(result.plan.summary(), sort_keys=True),
        json.dumps(result.counts(), sort_keys=True),
        result.rounds,
        json.dumps(result.calls, sort_keys=True),
    )
    for tenant, why in sorted(result.applied.pending.items()):
        log.info("pending tenant %s: %s", tenant, why)


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle ``onEvent`` (Provider framework): do as much as the time budget allows.

    Parameters
    ----------
    event : dict
        The CloudFormation custom-resource event.
    context
        The Lambda context (``invoked_function_arn``, ``get_remaining_time_in_millis``, ``log_group_name``).

    Returns
    -------
    dict
        ``PhysicalResourceId`` and ``Data``: counts, ``Deadline`` (epoch seconds, see :func:`run_deadline`) and,
        when work is left for ``is_complete``, ``Unfinished`` (spec positions, see :func:`encode_positions`).

    Raises
    ------
    ReconcileFailed
        With a short message for CloudFormation.
    """
    deadline = run_deadline(event, time.time())
    try:
        run = _work(event, context, "onEvent", deadline)
    except ReconcileFailed as exc:
        log.error("onEvent failed: %s", exc)
        raise ReconcileFailed(f"{exc}. {where_logs(context)}"[:MAX_REASON]) from None
    except Exception as exc:
        if not retryable(exc):
            raise _unexpected("onEvent", exc, context) from None
        # Throttled/unavailable beyond botocore's retries and the engine's read attempts, before any write:
        # isComplete picks it up (no Unfinished: it reads every tenant in full).
        log.warning("onEvent: transient error, isComplete will continue: %s", exc)
        props = Props.parse(event.get("ResourceProperties"))
        data: dict[str, Any] = {"Pending": 1, "Errors": 0}
    else:
        props, result = run.props, run.result
        _summary("onEvent", result, run.note)
        if result is not None and not result.ok:
            raise _failure(result, props.mode if props else "delete", context)
        data = _data(result)
        if result is not None and result.pending and run.full and run.spec is not None:
            unfinished = result.unfinished
            data["Unfinished"] = encode_positions(i for i, t in enumerate(run.spec.tenants) if t.name in unfinished)
    data["Deadline"] = deadline
    pid = event.get("PhysicalResourceId") if event.get("RequestType") != "Create" else None
    if not pid:
        assert props is not None  # Create: the properties parsed
        pid = physical_id(props.deployment or DEFAULT_DEPLOYMENT, props.mode)
    return {"PhysicalResourceId": pid, "Data": data}


def _unexpected(phase: str, exc: BaseException, context: Any) -> ReconcileFailed:
    log.exception("%s: unexpected error", phase)
    text = f"{type(exc).__name__}: {exc}"
    if len(text) > 400:
        text = text[:397] + "..."
    return ReconcileFailed(f"ses-tenants {phase} failed: {text}. {where_logs(context)}"[:MAX_REASON])


def deadline_message(pending: Any) -> str:
    """Return the failure reason of an ``is_complete`` called after the deadline."""
    left = f"up to {pending} tenant(s) still pending" if isinstance(pending, int) else "tenants may still be pending"
    return (
        "deadline passed: CloudFormation has given up on this resource; nothing more was written; "
        f"{left} — the next deploy continues"
    )


def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle ``isComplete`` (Provider framework): re-plan from live state and continue until nothing is left.

    If ``onEvent`` finished everything (its ``Data`` says nothing pending), this returns at once without any
    call. After ``Data.Deadline`` it fails at once, without any call (CloudFormation has given up; the Provider's
    waiter would otherwise keep calling); within :data:`CALL_MARGIN` of it, it waits without a call. Otherwise it
    re-runs the same reconcile (the plan is the checkpoint) within its own time budget and the deadline.

    Returns
    -------
    dict
        ``{"IsComplete": bool}`` (with ``Data`` counts when complete).

    Raises
    ------
    ReconcileFailed
        On a failure, and after the deadline.
    """
    data = event.get("Data") or {}
    if data.get("Pending") == 0 and data.get("Errors") == 0:
        return {"IsComplete": True}
    deadline = deadline_of(data)
    if deadline is not None:
        left = deadline - time.time()
        if left <= 0:
            message = deadline_message(data.get("Pending"))
            log.error("isComplete: %s (deadline %s)", message, time.strftime("%H:%M:%S", time.gmtime(deadline)))
            raise ReconcileFailed(f"ses-tenants {message}. {where_logs(context)}"[:MAX_REASON])
        if left < CALL_MARGIN:
            log.warning("isComplete: %.0f s left before the deadline, too little to start a write; waiting", left)
            return {"IsComplete": False}
    try:
        run = _work(event, context, "isComplete", deadline)
    except ReconcileFailed as exc:
        log.error("isComplete failed: %s", exc)
        raise ReconcileFailed(f"{exc}. {where_logs(context)}"[:MAX_REASON]) from None
    except Exception as exc:
        if not retryable(exc):
            raise _unexpected("isComplete", exc, context) from None
        log.warning("isComplete: transient error, trying again at the next poll: %s", exc)
        return {"IsComplete": False}
    props, result = run.props, run.result
    _summary("isComplete", result, run.note)
    if result is None:
        return {"IsComplete": True}
    if not result.ok:
        raise _failure(result, props.mode if props else "delete", context)
    if result.complete:
        return {"IsComplete": True, "Data": {"Pending": 0, "Errors": 0, "Unfinished": ""}}
    return {"IsComplete": False}
