"""Result rows, the final table and the machine description."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

PASS, FAIL, INFO = "PASS", "FAIL", "info"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """One line of the final table.

    ``value`` is what was measured (already formatted), ``target`` the target text ("" for information),
    ``status`` PASS / FAIL / info, ``note`` how it was measured (short).
    """

    section: str
    metric: str
    value: str
    target: str = ""
    status: str = INFO
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check(section: str, metric: str, value: float, limit: float, *, fmt: str = "{:.2f}", op: str = "<=",
          note: str = "", shown: str | None = None) -> Row:
    """Build a target row: PASS when ``value <op> limit`` (op is ``<=`` or ``>=``)."""
    ok = value <= limit if op == "<=" else value >= limit
    text = shown if shown is not None else fmt.format(value)
    return Row(section, metric, text, f"{op} {fmt.format(limit)}", PASS if ok else FAIL, note)


def info(section: str, metric: str, value: str, note: str = "") -> Row:
    """Build an information row (no target)."""
    return Row(section, metric, value, "", INFO, note)


def table(rows: list[Row]) -> str:
    """Render rows as an aligned plain-text table (also valid inside a Markdown code block)."""
    head = ("section", "measurement", "value", "target", "result")
    cells = [head] + [(r.section, r.metric, r.value, r.target, r.status) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for i, c in enumerate(cells):
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _run(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, cwd=ROOT)
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "unavailable"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """Describe the machine and toolchain the run happened on."""
    import botocore
    import yaml

    node = ROOT / "node_modules" / ".bin" / "cdk"
    return {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "load average at start": " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a",
        "memory": _memory(),
        "cpu": _cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "node": _run(["node", "--version"]),
        "cdk cli": _run([str(node), "--version"]) if node.exists() else "not installed",
        "aws-cdk-lib": _dist_version("aws-cdk-lib"),
        "botocore": botocore.__version__,
        "pyyaml": f"{yaml.__version__} (C loader: {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'})",
    }
