"""Section 2: ``tenantctl plan`` and ``tenantctl validate`` against PyYAML's C safe loader.

Both sides read the same files from disk in the same process; the runs are interleaved (C load of the
files, then the command, repeated) so machine noise hits both alike, and the medians are compared.

* plan: ``tenantctl plan B --against A --format json`` (B = A with one tenant's policy changed) versus
  ``yaml.load(..., Loader=yaml.CSafeLoader)`` of A and B. The plan's JSON is checked: one update.
* validate (issue 3's target): ``tenantctl validate A`` versus the C loader's load of A.

The CLI runs in-process (``tenantctl.cli.main``), so interpreter start-up and imports are not timed on
either side.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench import specgen
from bench.report import Row, check, info

Log = Callable[[str], None]


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def c_load(*paths: Path) -> None:
    """Load each file with PyYAML's C safe loader."""
    for p in paths:
        yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def tenantctl(*argv: str) -> int:
    """Run ``tenantctl`` in-process with its output discarded; return the exit code."""
    from tenantctl.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(argv))


def run(quick: bool, log: Log) -> list[Row]:
    """Run section 2; return its rows."""
    n = 1000 if quick else 10_000
    repeat = 3
    if not getattr(yaml, "__with_libyaml__", False):
        return [Row("plan", "PyYAML C loader", "missing", "available", "FAIL", "install libyaml")]
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        a, b, out = Path(tmp) / "tenants.yaml", Path(tmp) / "tenants.changed.yaml", Path(tmp) / "plan.json"
        text = specgen.yaml_text(n)
        a.write_text(text, encoding="utf-8")
        b.write_text(specgen.changed_yaml_text(text, n), encoding="utf-8")
        plan_args = (str(b), "--against", str(a), "--format", "json", "-o", str(out), "-q")

        small = Path(tmp) / "small.yaml"  # warm-up: imports and first-call costs, not timed
        small.write_text(specgen.yaml_text(10), encoding="utf-8")
        assert tenantctl("validate", str(small)) == 0
        assert tenantctl("plan", str(small), "--against", str(small), "--format", "json", "-o", str(out), "-q") == 0

        t: dict[str, list[float]] = {"c2": [], "plan": [], "c1": [], "validate": []}
        codes = set()
        for r in range(repeat):  # interleaved: A B A B
            t["c2"].append(_timed(lambda: c_load(a, b)))
            t["plan"].append(_timed(lambda: codes.add(tenantctl("plan", *plan_args))))
            t["c1"].append(_timed(lambda: c_load(a)))
            t["validate"].append(_timed(lambda: codes.add(tenantctl("validate", str(a)))))
            log(f"plan: N={n} run {r + 1}/{repeat}: C load x2 {t['c2'][-1]:.2f} s, plan {t['plan'][-1]:.2f} s, "
                f"C load {t['c1'][-1]:.2f} s, validate {t['validate'][-1]:.2f} s")
        summary = json.loads(out.read_text())["summary"]
    if codes != {0} or summary.get("update") != 1 or summary.get("create") or summary.get("delete"):
        return [Row("plan", f"plan/validate N={n:,}", f"exit codes {sorted(codes)}, summary {summary}",
                    "exit 0, 1 update", "FAIL")]
    med = {k: statistics.median(v) for k, v in t.items()}
    size = len(text.encode()) / 1e6
    return [
        check("plan", f"plan N={n:,} vs 1 change / C load of both", med["plan"] / med["c2"], 3.0,
              note=f"{med['plan']:.2f} s vs {med['c2']:.2f} s (median of {repeat}, {size:.1f} MB per file)"),
        check("plan", f"validate N={n:,} / C load", med["validate"] / med["c1"], 2.0,
              note=f"{med['validate']:.2f} s vs {med['c1']:.2f} s (median of {repeat}); issue 3's target"),
        info("plan", "plan summary", f"{summary['update']} update, {summary['unchanged']:,} unchanged",
             "tenantctl plan --format json"),
    ]
