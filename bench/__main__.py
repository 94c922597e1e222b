"""``python -m bench [--quick] [--strict] [--only SECTION ...] [--json PATH]``.

Runs the sections in one process, prints progress to stderr and, at the end, the machine description and
one table with every ratio and its PASS/FAIL. Exit status 0 even when a target FAILs (benchmarks report,
they do not gate) unless ``--strict``; 1 when a section could not run at all.

Sections: ``synth``, ``plan``, ``calls`` (API calls per deploy + Lambda memory), ``throughput``.
``--quick`` uses smaller N (synth 10/100/1,000, plan and calls 1,000, throughput 60 tenants) and fewer repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

SECTIONS = ("synth", "plan", "calls", "throughput")


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller N and fewer repeats (CI)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target FAILs")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)})")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows and machine as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

    import importlib

    from bench.report import FAIL, Row, machine, table

    desc = machine()  # at the start: the date and load average the run began with
    rows: list[Row] = []
    broken = False
    start = time.perf_counter()
    for name in args.only or SECTIONS:
        module = importlib.import_module(f"bench.{'planning' if name == 'plan' else name}")
        t0 = time.perf_counter()
        try:
            rows += module.run(args.quick, _log)
        except Exception as exc:  # one broken section must not hide the others' results
            traceback.print_exc()
            rows.append(Row(name, "section", f"error: {type(exc).__name__}: {exc}"[:120], "runs", FAIL))
            broken = True
        _log(f"{name}: {time.perf_counter() - t0:.0f} s")
    elapsed = time.perf_counter() - start

    mode = "quick" if args.quick else "full"
    print(f"ses-tenants bench ({mode}), {elapsed:.0f} s")
    print("machine: " + "; ".join(f"{k} {v}" for k, v in desc.items()))
    print()
    print(table(rows))
    print()
    for r in rows:
        if r.note:
            print(f"- {r.section} / {r.metric}: {r.note}")
    failed = [r for r in rows if r.status == FAIL]
    print(f"\n{len(rows) - len(failed)} rows ok, {len(failed)} FAIL")
    if args.json:
        args.json.write_text(json.dumps({"mode": mode, "seconds": round(elapsed, 1), "machine": desc,
                                         "rows": [r.as_dict() for r in rows]}, indent=2))
    if broken:
        return 1
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
