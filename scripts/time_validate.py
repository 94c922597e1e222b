"""Time `tenantctl validate` against PyYAML's C safe loader on a generated N-tenant file.

Not a unit test: a side-by-side measurement for issue 3's target (validate <= 2x the C loader's pure load).

    .venv/bin/python scripts/time_validate.py [--tenants 10000] [--repeat 5] [--keep FILE]

Both sides read the same text from memory; "validate" is the complete `load_spec_text` (parse with positions,
every field and cross-tenant rule, the normalized Spec), "C load" is `yaml.load(text, Loader=yaml.CSafeLoader)`.
Prints the median of each and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

from tenantctl.loader import load_spec_text


def generate(n: int) -> str:
    """Return a realistic spec: defaults, tags, identities (domain, address, ARN), sets, templates, suppression."""
    out = [
        "# yaml-language-server: $schema=./tenants.schema.json",
        "version: 1",
        "deployment: bench-mail",
        "settings: {max_deletions: 5, on_stack_delete: retain, drift_reconcile: false}",
        "defaults:",
        "  reputation_policy: standard",
        "  tags: {managed-by: platform-team, cost-center: '0420'}",
        "tenants:",
    ]
    arn = "arn:aws:ses:us-east-1:111122223333"
    for i in range(n):
        name = f"customer-{i:06d}"
        out += [
            f"  - name: {name}",
            f"    reputation_policy: {'strict' if i % 7 == 0 else 'standard'}",
            f"    sending: {'disabled' if i % 50 == 0 else 'enabled'}",
            f"    tags: {{customer: {name}, plan: {'enterprise' if i % 3 == 0 else 'growth'}, region: us}}",
            "    resources:",
            f"      identities: [mail.{name}.example, billing@{name}.example, '{arn}:identity/{name}.example']",
            f"      configuration_sets: [{name}-transactional, {name}-marketing]",
            f"      templates: [{name}-welcome, {name}-reset]",
        ]
        if i % 5 == 0:
            out.append("    suppression: {scope: tenant, reasons: [bounce, complaint]}")
    return "\n".join(out) + "\n"


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="also write the generated file here")
    args = parser.parse_args(argv)
    text = generate(args.tenants)
    if args.keep:
        args.keep.write_text(text, encoding="utf-8")
    result = load_spec_text(text, "generated.yaml")  # warm-up and sanity check
    assert len(result.spec.tenants) == args.tenants and not result.warnings
    c_load = _median_seconds(lambda: yaml.load(text, Loader=yaml.CSafeLoader), args.repeat)
    validate = _median_seconds(lambda: load_spec_text(text, "generated.yaml"), args.repeat)
    print(f"tenants: {args.tenants}  file: {len(text) / 1e6:.1f} MB  repeat: {args.repeat} (median)")
    print(f"yaml.load(CSafeLoader): {c_load:.3f} s")
    print(f"tenantctl validate:     {validate:.3f} s")
    print(f"ratio validate / C load: {validate / c_load:.2f} (target <= 2.00)")
    return 0 if validate <= 2 * c_load else 1


if __name__ == "__main__":
    sys.exit(main())
