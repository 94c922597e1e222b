"""Run the custom-resource handler in its own process, as the Lambda would, and report its peak memory.

``python -m bench.lambda_proc JOB.json OUT.json``: JOB holds ``{"events": [...], "budget_seconds": 900}``;
each event goes to ``on_event`` and then ``is_complete`` until it reports completion (as the Provider
framework's waiter does). The endpoint comes from ``AWS_ENDPOINT_URL`` (set by the parent). OUT receives the
responses, the wall time and this process's peak resident set size (what Lambda's memory limit applies to),
after the imports and at the end.

The peak is read from ``VmHWM`` in ``/proc/self/status`` (the high-water mark of this address space), not
from ``getrusage().ru_maxrss``: on Linux ``ru_maxrss`` survives ``fork`` + ``exec``, so a child started from
a large parent reports the parent's size (measured here: a child of a 300 MB parent reports 311 MB with
``ru_maxrss`` and 11 MB with ``VmHWM``). ``ru_maxrss`` is the fallback off Linux.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

ACCOUNT, REGION = "123456789012", "us-east-1"


class LambdaContext:
    """The Lambda context attributes the handler reads."""

    def __init__(self, budget: float) -> None:
        self._end = time.monotonic() + budget
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:SesTenants-Tenants-OnEvent"
        self.function_name = "SesTenants-Tenants-OnEvent"
        self.log_group_name = "/aws/lambda/SesTenants-Tenants-OnEvent"
        self.log_stream_name = "bench"
        self.memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - time.monotonic()) * 1000))


def _maxrss_mb() -> float:
    """Peak resident set size of this process in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux/BSD: kilobytes


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    from ses_tenants_engine import handler

    budget = float(job.get("budget_seconds", 900))
    out: dict[str, Any] = {"baseline_maxrss_mb": _maxrss_mb(), "runs": []}
    for event in job["events"]:
        start = time.perf_counter()
        run: dict[str, Any] = {"request": event["RequestType"]}
        try:
            response = handler.on_event(event, LambdaContext(budget))
            run["on_event"] = response
            polls = []
            for _ in range(int(job.get("max_polls", 20))):
                status = handler.is_complete({**event, **response}, LambdaContext(budget))
                polls.append(status)
                if status.get("IsComplete"):
                    break
            run["polls"] = polls
            run["complete"] = bool(polls and polls[-1].get("IsComplete"))
        except Exception as exc:  # reported to the parent, which prints it
            run["error"] = f"{type(exc).__name__}: {exc}"
            run["complete"] = False
        run["seconds"] = time.perf_counter() - start
        out["runs"].append(run)
    out["maxrss_mb"] = _maxrss_mb()
    Path(argv[1]).write_text(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
