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
  returns; ``is_complete`` re-plans from live state and continues until nothing is left (its full-scope read
  is the bulk continuation read of :func:`.reconcile.read_live`). When ``on_event`` finished everything
  (``Data.Pending == 0``) ``is_complete`` answers at once without any call.
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
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .applier import DONE, QUOTA_SKIPPED, is_transient
from .client import AwsContext, ClientFactory
from .model import DEFAULT_DEPLOYMENT, Spec, SpecError
from .plan_types import TenantChange
from .reconcile import ReadFailed, Result, converge

log = logging.getLogger("ses_tenants_engine")
log.setLevel(os.environ.get("SES_TENANTS_LOG_LEVEL", "INFO"))
if not logging.getLogger().handlers and not log.handlers:  # local runs; Lambda's root logger has a handler
    _h = logging.StreamHandler(sys.stdout)
    _h.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(_h)

MODES = ("reconcile", "prune")
MAX_REASON = 1000  # characters of a failure message (CloudFormation's whole response must stay < 4 KB)
SHOWN_PROBLEMS = 3


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


def make_factory(ctx: AwsContext) -> ClientFactory:
    """Clients for this invocation (endpoint from ``AWS_ENDPOINT_URL`` when set, as boto3 does)."""
    return ClientFactory.from_env(region=ctx.region).with_context(ctx)


def retryable(exc: BaseException) -> bool:
    """Whether a failed invocation should be continued by the next ``is_complete`` poll instead of failing."""
    return isinstance(exc, ReadFailed) or is_transient(exc)


def deadline_from(context: Any) -> float | None:
    """``time.monotonic()`` after which no new tenant work starts (keeps a safety margin of the budget)."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return None
    remaining = max(0.0, getter() / 1000.0)
    margin = min(60.0, remaining * 0.15)
    return time.monotonic() + remaining - margin


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


def _work(event: dict[str, Any], context: Any, phase: str) -> tuple[Props | None, Result | None, str]:
    """Run the reconcile the event asks for; returns (props, result or None if nothing to do, note)."""
    request = event.get("RequestType")
    if request == "Delete":
        return _delete(event, context)
    props = Props.parse(event.get("ResourceProperties"))
    ctx = aws_context(context)
    factory = make_factory(ctx)
    deadline = deadline_from(context)

    if request not in ("Create", "Update"):
        raise ReconcileFailed(f"unknown RequestType {request!r}")
    spec = load_spec(_s3(factory), props)
    if not props.deployment:
        props = dataclasses.replace(props, deployment=spec.deployment)
    old_spec = None
    note = "full reconcile"
    if request == "Update":
        old_spec, note = _old_spec(event, props, factory)
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
    # isComplete continues what onEvent's full read checked: its full-scope read uses bulk list calls.
    light = phase == "isComplete"
    result = converge(
        factory,
        spec,
        mode=props.mode,
        old_spec=old_spec,
        deadline=deadline,
        progress=_progress,
        light=light,
    )
    return props, result, note


def _delete(event: dict[str, Any], context: Any) -> tuple[Props | None, Result | None, str]:
    """Stack deletion: retain unless the prune resource's spec says ``on_stack_delete: destroy``.

    A Delete never fails for lack of information: unusable properties or an unreadable spec mean retain
    (the safe default), logged as a warning.
    """
    try:
        props = Props.parse(event.get("ResourceProperties"))
    except ReconcileFailed as exc:
        log.warning("stack delete with unusable properties (%s): tenants retained", exc)
        return None, None, "stack delete: tenants retained"
    if props.mode != "prune":
        return props, None, "stack delete: tenants retained (the reconcile resource never deletes)"
    ctx = aws_context(context)
    factory = make_factory(ctx)
    try:
        spec = load_spec(_s3(factory), props)
    except ReconcileFailed as exc:
        log.warning("stack delete, spec unreadable (%s): tenants retained", exc)
        return props, None, "stack delete: tenants retained (spec unreadable)"
    if spec.settings.on_stack_delete != "destroy":
        return props, None, "stack delete: tenants retained (settings.on_stack_delete is 'retain')"
    # Destroy: the desired state is "no tenants"; every owned tenant is deleted (deletion guard applies).
    desired = dataclasses.replace(spec, tenants=())
    result = converge(factory, desired, mode="prune", deadline=deadline_from(context), progress=_progress)
    return props, result, "stack delete: destroying owned tenants"


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
        ``PhysicalResourceId`` and ``Data`` (counts only).

    Raises
    ------
    ReconcileFailed
        With a short message for CloudFormation.
    """
    try:
        props, result, note = _work(event, context, "onEvent")
    except ReconcileFailed as exc:
        log.error("onEvent failed: %s", exc)
        raise ReconcileFailed(f"{exc}. {where_logs(context)}"[:MAX_REASON]) from None
    except Exception as exc:
        if not retryable(exc):
            raise _unexpected("onEvent", exc, context) from None
        # Throttled/unavailable beyond botocore's retries and the engine's read attempts, before any write:
        # isComplete picks it up.
        log.warning("onEvent: transient error, isComplete will continue: %s", exc)
        props = Props.parse(event.get("ResourceProperties"))
        data: dict[str, Any] = {"Pending": 1, "Errors": 0}
    else:
        _summary("onEvent", result, note)
        if result is not None and not result.ok:
            raise _failure(result, props.mode if props else "delete", context)
        data = _data(result)
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


def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle ``isComplete`` (Provider framework): re-plan from live state and continue until nothing is left.

    If ``onEvent`` finished everything (its ``Data`` says nothing pending), this returns at once without any
    call. Otherwise it re-runs the same reconcile (the plan is the checkpoint) within its own time budget.

    Returns
    -------
    dict
        ``{"IsComplete": bool}`` (with ``Data`` counts when complete).
    """
    data = event.get("Data") or {}
    if data.get("Pending") == 0 and data.get("Errors") == 0:
        return {"IsComplete": True}
    try:
        props, result, note = _work(event, context, "isComplete")
    except ReconcileFailed as exc:
        log.error("isComplete failed: %s", exc)
        raise ReconcileFailed(f"{exc}. {where_logs(context)}"[:MAX_REASON]) from None
    except Exception as exc:
        if not retryable(exc):
            raise _unexpected("isComplete", exc, context) from None
        log.warning("isComplete: transient error, trying again at the next poll: %s", exc)
        return {"IsComplete": False}
    _summary("isComplete", result, note)
    if result is None:
        return {"IsComplete": True}
    if not result.ok:
        raise _failure(result, props.mode if props else "delete", context)
    if result.complete:
        return {"IsComplete": True, "Data": {"Pending": 0, "Errors": 0}}
    return {"IsComplete": False}
