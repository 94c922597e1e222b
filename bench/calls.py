"""Section 3 (API calls per deploy) and section 5 (Lambda memory), against one populated endpoint.

The local endpoint (seslocal over HTTP, in this process) counts every SES v2 call it receives. The custom
resource handler runs in a separate process (:mod:`bench.lambda_proc`) with ``AWS_ENDPOINT_URL`` pointing
at it, exactly as the Provider framework drives it: ``on_event`` then ``is_complete`` until complete, for
the reconcile resource and then the prune resource (a deploy touches both). Three deploys of N tenants:

1. Create (a first deploy: full reconcile of N new tenants);
2. Update from that spec to a copy with one tenant changed (incremental: only that tenant is read);
3. Update with the same spec on both sides (a no-op; CloudFormation would not even send this event, since
   the properties are unchanged -- it is the worst case of a no-op deploy).

Each count is printed beside the minimum number of writes computed independently by
:func:`bench.minimum.minimum_writes`.

Memory: the peak resident set size of the handler's process (``VmHWM``; see :mod:`bench.lambda_proc` for
why not ``ru_maxrss``): everything the process held -- interpreter, boto3, the spec, live state, threads --
which is what Lambda's memory limit applies to. Not tracemalloc, which sees only Python allocations (not
the interpreter, C extensions or thread stacks) and slows the run several times. The endpoint runs in the
parent process, so its state is not counted.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ses_tenants_engine.model import Spec

import seslocal
from bench import endpoint, specgen
from bench.minimum import minimum_writes
from bench.report import ROOT, Row, check, info
from seslocal.server import running

Log = Callable[[str], None]
LIMIT_MB = 256
ALLOWED_READS = 3
READ = ("Get", "List")
SERVICE_TOKEN = f"arn:aws:lambda:{endpoint.REGION}:{endpoint.ACCOUNT}:function:SesTenants-Tenants-OnEvent"


def _props(key: str, mode: str, spec: Spec) -> dict[str, str]:
    return {
        "ServiceToken": SERVICE_TOKEN,
        "SpecBucket": endpoint.BUCKET,
        "SpecKey": key,
        "SpecHash": key.removesuffix(".json"),
        "Mode": mode,
        "Deployment": spec.deployment,
    }


def make_event(request: str, mode: str, key: str, spec: Spec, old_key: str | None = None,
               old_spec: Spec | None = None) -> dict[str, Any]:
    """A CloudFormation custom-resource event as the Provider framework passes it to ``onEvent``."""
    logical = "SesTenantsReconcile" if mode == "reconcile" else "SesTenantsPrune"
    ev: dict[str, Any] = {
        "RequestType": request,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/bench",
        "StackId": f"arn:aws:cloudformation:{endpoint.REGION}:{endpoint.ACCOUNT}:stack/SesTenants-Tenants/bench",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical,
        "ResourceType": "Custom::SesTenants" if mode == "reconcile" else "Custom::SesTenantsPrune",
        "ResourceProperties": _props(key, mode, spec),
    }
    if request != "Create":
        ev["PhysicalResourceId"] = f"ses-tenants:{spec.deployment}:{mode}"
        assert old_key is not None and old_spec is not None
        ev["OldResourceProperties"] = _props(old_key, mode, old_spec)
    return ev


def upload(url: str, spec: Spec, name: str) -> str:
    """Upload a spec asset to the endpoint's S3 (as ``cdk deploy`` does); return its key."""
    s3 = endpoint.client(url, "s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=endpoint.BUCKET)
    key = f"{name}.json"
    s3.put_object(Bucket=endpoint.BUCKET, Key=key, Body=spec.dumps().encode())
    return key


def run_handler(url: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the events through the handler in a fresh process; return its report (see :mod:`bench.lambda_proc`)."""
    with tempfile.TemporaryDirectory(prefix="bench-lambda-") as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job.write_text(json.dumps({"events": events, "budget_seconds": 900}))
        env = {**os.environ, **endpoint.FAKE_ENV, "AWS_ENDPOINT_URL": url, "SES_TENANTS_LOG_LEVEL": "WARNING"}
        env.pop("AWS_PROFILE", None)
        proc = subprocess.run([sys.executable, "-m", "bench.lambda_proc", str(job), str(out)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"handler process failed ({proc.returncode}): {proc.stderr[-2000:]}")
        report = json.loads(out.read_text())
    for run in report["runs"]:
        if not run.get("complete"):
            raise RuntimeError(f"handler {run['request']} did not complete: {run.get('error') or run}")
    return report


def deploy(url: str, events: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reset the counters, run one deploy's events; return (endpoint stats, handler report)."""
    seslocal.reset_stats()
    report = run_handler(url, events)
    return seslocal.stats(), report


def _describe(ops: dict[str, dict[str, int]]) -> str:
    w, r = endpoint.writes(ops), endpoint.reads(ops)
    return f"{w + r:,} ({w:,} writes + {r:,} reads)"


def run(quick: bool, log: Log) -> list[Row]:
    """Run sections 3 and 5; return their rows."""
    n = 1000 if quick else 10_000
    base = specgen.spec(n)
    changed = specgen.one_change(base)
    rows: list[Row] = []
    with endpoint.fake_credentials(), running() as url:
        seslocal.configure()
        endpoint.create_resources(url)
        base_key, changed_key = upload(url, base, "base"), upload(url, changed, "changed")

        log(f"calls: Create of {n:,} tenants through the handler (separate process)")
        events = [make_event("Create", m, base_key, base) for m in ("reconcile", "prune")]
        stats, report = deploy(url, events)
        ops = stats["operations"]
        need = sum(minimum_writes(None, base).values())
        listed = endpoint.count_tenants(url)
        w = endpoint.writes(ops)
        rows.append(info("calls", f"initial create, N={n:,}: calls / minimum writes",
                         f"{_describe(ops)} / {need:,} = {(w + endpoint.reads(ops)) / need:.3f}x",
                         f"writes/minimum {w / need:.3f}; reads: "
                         + ", ".join(f"{k} {v['calls']}" for k, v in sorted(ops.items()) if k.startswith(READ))
                         + f"; {listed:,} tenants exist; {report['runs'][0]['seconds']:.0f} s"))
        peak, before = report["maxrss_mb"], report["baseline_maxrss_mb"]
        rows.append(check("memory", f"peak RSS, Create reconcile of N={n:,} (handler process)", peak, LIMIT_MB,
                          fmt="{:.0f} MB", note=f"VmHWM of the handler process; {before:.0f} MB after imports"))
        if listed != n:
            rows.append(Row("calls", "tenants after the Create", f"{listed:,}", f"== {n:,}", "FAIL"))

        log(f"calls: Update changing one tenant of {n:,} (incremental)")
        events = [make_event("Update", m, changed_key, changed, base_key, base) for m in ("reconcile", "prune")]
        stats, _ = deploy(url, events)
        ops = stats["operations"]
        need = sum(minimum_writes(base, changed).values())
        total = endpoint.writes(ops) + endpoint.reads(ops)
        rows.append(check("calls", f"one-tenant change in N={n:,}: calls vs minimum", total, need + ALLOWED_READS,
                          fmt="{:.0f}", shown=f"{_describe(ops)} vs {need} = {total / need:.2f}x",
                          note=f"target: minimum {need} writes + {ALLOWED_READS} reads; "
                          + ", ".join(f"{k} {v['calls']}" for k, v in sorted(ops.items()))))

        log(f"calls: Update with the same spec of {n:,} (no-op)")
        events = [make_event("Update", m, changed_key, changed, changed_key, changed) for m in ("reconcile", "prune")]
        stats, _ = deploy(url, events)
        ops = stats["operations"]
        need = sum(minimum_writes(changed, changed).values())
        rows.append(check("calls", f"no-op deploy, N={n:,}: writes vs minimum", endpoint.writes(ops), 0,
                          fmt="{:.0f}", shown=f"{endpoint.writes(ops)} vs {need} (calls: {_describe(ops)})",
                          note="Update event with the same spec on both sides (CloudFormation sends none)"))
    return rows
