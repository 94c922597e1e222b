"""Section 4: provisioning throughput against a rate-limited local endpoint.

The endpoint (seslocal over HTTP) admits at most R SES v2 calls per second (a token bucket whose capacity is
R, i.e. one second of burst, starting full); a call that finds the bucket empty gets HTTP 429
``TooManyRequestsException`` and never reaches the handler. The engine's own ``converge`` provisions N
tenants with its production client settings (botocore adaptive retries, the default concurrency). Achieved
rate = successful SES v2 calls counted **at the endpoint** / wall time of the converge; the ratio to R is
the result. A second run adds 10 % injected transient faults (500/503). Duplicate creates =
successful ``CreateTenant`` calls beyond one per tenant plus any ``CreateTenant`` rejected by the handler
(``AlreadyExistsException``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ses_tenants_engine.client import ClientFactory
from ses_tenants_engine.reconcile import converge

import seslocal
from bench import endpoint, specgen
from bench.report import Row, check, info
from seslocal.server import running

Log = Callable[[str], None]
RATE = 25.0
FAULT_RATE = 0.10


def provision(url: str, n: int, rate: float, fault_rate: float, seed: int = 7) -> dict[str, float]:
    """Provision ``n`` tenants from an empty account at ``rate`` calls/s (and ``fault_rate``); return figures."""
    endpoint.reset(url)
    endpoint.create_resources(url)
    spec = specgen.spec(n, deployment="bench-throughput")
    factory = ClientFactory(region=endpoint.REGION, endpoint_url=url)
    seslocal.configure(throttle_tps=rate, fault_rate=fault_rate, seed=seed)
    seslocal.reset_stats()
    start = time.perf_counter()
    result = converge(factory, spec, mode="all")
    seconds = time.perf_counter() - start
    stats = seslocal.stats()
    seslocal.configure()
    ops, total = stats["operations"], stats["total"]
    create = ops.get("CreateTenant", {})
    listed = endpoint.count_tenants(url)
    return {
        "seconds": seconds,
        "ok": total["ok"],
        "throttled": total["throttled"],
        "faults": total["faults"],
        "ratio": total["ok"] / seconds / rate,
        "duplicates": max(0, create.get("ok", 0) - n) + create.get("errors", 0),
        "complete": float(result.complete and listed == n),
        "rounds": result.rounds,
        "listed": listed,
    }


def run(quick: bool, log: Log) -> list[Row]:
    """Run section 4; return its rows."""
    n = 60 if quick else 300
    rows: list[Row] = []
    with endpoint.fake_credentials(), running() as url:
        for fault_rate, target in ((0.0, 0.8), (FAULT_RATE, 0.7)):
            label = f"{fault_rate:.0%} faults"
            log(f"throughput: {n} tenants at {RATE:g} calls/s, {label}")
            r = provision(url, n, RATE, fault_rate)
            rows.append(check("throughput", f"N={n}, limit {RATE:g}/s, {label}: achieved/limit", r["ratio"], target,
                              op=">=", note=f"{r['ok']:.0f} ok calls in {r['seconds']:.1f} s; {r['throttled']:.0f} "
                              f"throttled, {r['faults']:.0f} faults; rounds {r['rounds']}"))
            rows.append(check("throughput", f"N={n}, {label}: duplicate creates", r["duplicates"], 0, fmt="{:.0f}",
                              note=f"{r['listed']:.0f} tenants exist; converged: {'yes' if r['complete'] else 'NO'}"))
            if not r["complete"]:
                rows.append(Row("throughput", f"N={n}, {label}: converged", "no", "yes", "FAIL"))
        if not quick:
            log("throughput: short run, 20 tenants at 10 calls/s")
            r = provision(url, 20, 10.0, 0.0)
            rows.append(info("throughput", "short run: 20 tenants at 10/s: achieved/limit", f"{r['ratio']:.2f}",
                             f"{r['ok']:.0f} ok calls in {r['seconds']:.1f} s; a short run pays the adaptive "
                             "limiter's start-up cost (RESULTS.md)"))
    rows.append(info("throughput", "client settings", "adaptive retries, 10 attempts, concurrency 16",
                     "ses_tenants_engine.client defaults (as in the Lambda)"))
    return rows
