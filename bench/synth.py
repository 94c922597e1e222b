"""Section 1: template size and synth time vs N; the native ``AWS::SES::Tenant`` baseline and its limits.

Ours: in-process synth of the real app builder (``stacks.app.build_app``: three stacks, cdk-nag applied,
the engine asset bundled locally), the templates' bytes as written to the cloud assembly (what ``cdk deploy``
uploads). Native: one ``aws_ses.CfnTenant`` per tenant carrying what CloudFormation can express (name, tags,
associations as ARNs, reputation policy, suppression; there is no sending status). CDK itself refuses a
template over 500 resources (rule ``CloudFormation-Validate::F0007``); that rule is acknowledged in the
native stack so its size can be measured beyond the limit. CDK 2.275's built-in schema check also rejects
``ReputationEntity`` and ``SuppressionAttributes`` on ``AWS::SES::Tenant`` (``F3002``) although the L1 class
and cfn-lint 1.58's schema have them; that stale check is acknowledged too.

Limits (CloudFormation User Guide, "CloudFormation quotas"): 500 resources per template; a template body
uploaded through S3 (as ``cdk deploy`` does above 50 KB) of 1 MB, which CDK checks as 1,000,000 bytes
(annotation ``@aws-cdk/core:Stack.templateSize``). The N at which the native approach crosses each limit is
extrapolated linearly from the measured points and then verified by synthesizing at N-1 and N.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ses_tenants_engine.model import Spec, policy_arn

from bench import specgen
from bench.report import Row, check, info

MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000
REGION, ACCOUNT = "us-east-1", "123456789012"
Log = Callable[[str], None]


@contextlib.contextmanager
def _quiet() -> object:
    """Hold back CDK's own stderr chatter ("Bundling asset ...") during a synth; replay it on failure."""
    saved, buf = sys.stderr, io.StringIO()
    sys.stderr = buf
    try:
        yield
    except BaseException:
        sys.stderr = saved
        sys.stderr.write(buf.getvalue())
        raise
    finally:
        sys.stderr = saved


def synth_ours(spec: Spec) -> tuple[float, dict[str, int], int]:
    """Synthesize the real app for ``spec``.

    Returns
    -------
    tuple
        (seconds, template bytes by stack name, spec asset bytes).
    """
    import aws_cdk as cdk

    from stacks.app import build_app, cdk_json_context
    from stacks.config import AppConfig

    with tempfile.TemporaryDirectory(prefix="bench-synth-") as out, _quiet():
        start = time.perf_counter()
        app = cdk.App(outdir=out, context=cdk_json_context())
        stacks = build_app(app, spec, AppConfig())
        assembly = app.synth()
        seconds = time.perf_counter() - start
        sizes = {s.stack_name: os.path.getsize(os.path.join(out, s.template_file)) for s in assembly.stacks}
        asset = len(spec.dumps().encode())
        assert stacks.tenants.provisioner.spec_asset.asset_hash  # the spec really is an asset
    return seconds, sizes, asset


def synth_native(spec: Spec) -> tuple[float, int, int]:
    """Synthesize one stack holding one ``CfnTenant`` per tenant.

    Returns
    -------
    tuple
        (seconds, template bytes, resource count).
    """
    import aws_cdk as cdk
    from aws_cdk import aws_ses

    from stacks.app import cdk_json_context

    with tempfile.TemporaryDirectory(prefix="bench-native-") as out, _quiet():
        start = time.perf_counter()
        # CDK refuses more than 500 resources twice: the stack's own limit (context key below, 0 = off) and
        # the CloudFormation-Validate rule F0007 (acknowledged below). Both are lifted to measure beyond it.
        app = cdk.App(outdir=out, context={**cdk_json_context(), "@aws-cdk/core:stackResourceLimit": 0})
        stack = cdk.Stack(app, "NativeTenants", env=cdk.Environment(account=ACCOUNT, region=REGION))
        cdk.Validations.of(stack).acknowledge(
            cdk.Acknowledgment(id="CloudFormation-Validate::F0007", reason="bench: measure beyond the limit"),
            # CDK 2.275's built-in schema for AWS::SES::Tenant predates ReputationEntity and
            # SuppressionAttributes, which the L1 class and cfn-lint 1.58's provider schema have.
            cdk.Acknowledgment(id="CloudFormation-Validate::F3002", reason="bench: stale built-in schema"),
        )
        for i, t in enumerate(spec.tenants):
            sup = t.suppression
            aws_ses.CfnTenant(
                stack,
                f"Tenant{i:06d}",
                tenant_name=t.name,
                tags=[cdk.CfnTag(key=k, value=v) for k, v in sorted(t.tags.items())],
                resource_associations=[
                    aws_ses.CfnTenant.ResourceAssociationProperty(resource_arn=r.arn("aws", REGION, ACCOUNT))
                    for r in t.resources
                ],
                reputation_entity=aws_ses.CfnTenant.ReputationEntityProperty(
                    policy=aws_ses.CfnTenant.ReputationPolicyProperty(
                        reputation_entity_policy=policy_arn("aws", REGION, t.reputation_policy)
                    )
                )
                if t.reputation_policy != "standard"
                else None,
                suppression_attributes=aws_ses.CfnTenant.TenantSuppressionAttributesProperty(
                    suppression_scope=sup.scope, suppressed_reasons=list(sup.reasons)
                )
                if sup
                else None,
            )
        assembly = app.synth()
        seconds = time.perf_counter() - start
        path = Path(out) / assembly.get_stack_by_name("NativeTenants").template_file
        size = path.stat().st_size
        resources = len(json.loads(path.read_text())["Resources"])
    return seconds, size, resources


def _fit(points: list[tuple[int, int]]) -> tuple[float, float]:
    """Least-squares line through (n, value) points: (intercept, slope)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope


def first_over(limit: float, intercept: float, slope: float) -> int:
    """Smallest N with ``intercept + slope * N > limit``."""
    n = max(1, math.floor((limit - intercept) / slope) + 1)
    while intercept + slope * (n - 1) > limit and n > 1:
        n -= 1
    return n


def locate(
    measure: Callable[[int], int], limit: int, estimate: int, slope: float, budget: int = 6
) -> tuple[int | None, dict[int, int]]:
    """Find the first N whose measured value exceeds ``limit``, starting from a linear estimate.

    Returns (that N, or None if not pinned down within ``budget`` synths; the measured values by N).
    """
    seen: dict[int, int] = {}

    def m(n: int) -> int:
        if n not in seen:
            seen[n] = measure(n)
        return seen[n]

    n = estimate
    while len(seen) < budget:
        if m(n) <= limit:
            n += max(1, math.ceil((limit - m(n)) / slope))
        elif len(seen) < budget and m(n - 1) <= limit:
            return n, seen
        else:
            n = max(1, n - 1 - math.floor((m(n - 1) - limit) / slope))
    return None, seen


def run(quick: bool, log: Log) -> list[Row]:
    """Run section 1; return its rows."""
    sizes_n = (10, 100, 1000) if quick else (10, 1000, 10_000)
    native_n = (10, 100, 1000) if quick else (10, 1000, 10_000)
    repeat = 3
    small, large = sizes_n[0], sizes_n[-1]
    specs = {n: specgen.spec(n) for n in sorted({*sizes_n, *native_n})}

    log("synth: warm-up (jsii kernel, asset bundling)")
    synth_ours(specs[small])
    times: dict[int, list[float]] = {n: [] for n in sizes_n}
    sizes: dict[int, dict[str, int]] = {}
    assets: dict[int, int] = {}
    for r in range(repeat):
        for n in sizes_n:  # interleaved: every repeat synthesizes every N
            seconds, by_stack, asset = synth_ours(specs[n])
            times[n].append(seconds)
            sizes[n], assets[n] = by_stack, asset
            log(f"synth: ours N={n} run {r + 1}/{repeat}: {seconds:.2f} s, {sum(by_stack.values()):,} bytes")
    med = {n: statistics.median(v) for n, v in times.items()}
    total = {n: sum(s.values()) for n, s in sizes.items()}
    tenants_stack = {n: next(v for k, v in s.items() if k.endswith("-Tenants")) for n, s in sizes.items()}

    native: dict[int, tuple[float, int, int]] = {}
    for n in native_n:
        native[n] = synth_native(specs.get(n) or specgen.spec(n))
        log(f"synth: native N={n}: {native[n][0]:.2f} s, {native[n][1]:,} bytes, {native[n][2]} resources")

    tag = f"{large:,}/{small}"
    rows = [
        check("synth", f"template bytes, 3 stacks, N={tag}", total[large] / total[small], 1.05,
              note=f"{total[small]:,} -> {total[large]:,} bytes (Tenants stack {tenants_stack[large]:,})"),
        check("synth", f"synth time (median of {repeat}), N={tag}", med[large] / med[small], 2.0,
              note=f"{med[small]:.2f} s -> {med[large]:.2f} s, in-process, cdk-nag on"),
        info("synth", f"spec asset bytes, N={tag}", f"{assets[small]:,} -> {assets[large]:,}",
             "the spec travels as an S3 asset, not in the template"),
    ]
    for n in native_n:
        s, b, res = native[n]
        rows.append(info("synth", f"native CfnTenant N={n:,}: resources / bytes", f"{res:,} / {b:,}",
                         f"ours: 3 stacks, {total.get(n, total[large]):,} bytes" if n in total else f"synth {s:.1f} s"))
    b_int, b_slope = _fit([(n, native[n][1]) for n in native_n])
    r_int, r_slope = _fit([(n, native[n][2]) for n in native_n])
    res_est = first_over(MAX_RESOURCES, r_int, r_slope)
    bytes_est = first_over(MAX_TEMPLATE_BYTES, b_int, b_slope)

    def measure_res(n: int) -> int:
        log(f"synth: native N={n} (verifying the 500-resource crossing)")
        return synth_native(specgen.spec(n))[2]

    def measure_bytes(n: int) -> int:
        log(f"synth: native N={n} (verifying the 1 MB crossing)")
        return synth_native(specgen.spec(n))[1]

    res_n, _ = locate(measure_res, MAX_RESOURCES, res_est, r_slope, budget=4)
    rows.append(info("synth", "native: first N over 500 resources",
                     f"{res_n:,}" if res_n else f"~{res_est:,} (unverified)",
                     f"{r_slope:.2f} resources/tenant; estimate {res_est:,}; verified by synth at N-1 and N"
                     if res_n else "verification did not converge"))
    if quick:
        rows.append(info("synth", "native: first N over 1 MB template", f"~{bytes_est:,} (estimate)",
                         f"{b_slope:.0f} bytes/tenant (not verified in --quick)"))
    else:
        bytes_n, _ = locate(measure_bytes, MAX_TEMPLATE_BYTES, bytes_est, b_slope)
        rows.append(info("synth", "native: first N over 1 MB template",
                         f"{bytes_n:,}" if bytes_n else f"~{bytes_est:,} (unverified)",
                         f"{b_slope:.0f} bytes/tenant; estimate {bytes_est:,}; verified by synth at N-1 and N"
                         if bytes_n else "verification did not converge"))
    return rows
