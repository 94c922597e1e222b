"""Plan as versioned JSON for machines.

``format_version`` 1::

    {
      "format_version": 1,
      "generated_at": "2026-12-03T17:00:00Z",
      "desired": {"kind": "file", "label": "tenants.yaml"},
      "against": {"kind": "git", "label": "origin/main:tenants.yaml"},
      "deployment": "acme-mail",
      "has_changes": true,
      "summary": {"create": 1, "update": 2, "delete": 1, "adopt": 0, "unchanged": 5, "blocked": 0,
                  "operations": 9, "estimated_calls": 17},
      "changes": [
        {"tenant": "acme", "action": "update", "location": "tenants.yaml:12",
         "operations": [{"op": "set_policy", "params": {...}, "old": "standard", "new": "strict",
                         "text": "~ policy standard → strict"}]}
      ],
      "flags": {
        "deletions": {"count": 1, "tenants": ["old-co"], "max_deletions": 5, "blocked_by_guard": false},
        "pauses": [{"tenant": "beta", "from": "ENABLED", "to": "DISABLED"}],
        "resumes": [],
        "moves": [{"resource": {"type": "EMAIL_IDENTITY", "arn": "...", "label": "identity x"},
                   "from": ["a"], "to": ["b"]}],
        "adoptions": [],
        "duration": {"estimated_calls": 17, "reconcile_calls": 16, "prune_calls": 1, "assumed_tps": 2.0,
                     "estimated_seconds": 8.0, "window_seconds": 3600, "exceeds_window": false}
      },
      "problems": [{"tenant": "x", "code": "unowned", "message": "..."}]
    }

``summary.blocked`` (added within version 1) counts desired tenants the deploy refuses to touch (a same-named
tenant another deployment or nobody owns, without ``adopt``); they are not in ``unchanged``, and each has an
entry in ``problems``. An adoption's ``adopt_tenant`` operation carries ``params.old_tags`` (the previous value
of each tag it sets, ``null`` for a tag the tenant did not have).

Additions within version 1 only add keys; a renamed or removed key bumps ``format_version``.
"""

from __future__ import annotations

import json
from typing import Any

from .report import FORMAT_VERSION, PlanReport


def report_to_json(report: PlanReport) -> dict[str, Any]:
    """Build the JSON document (as Python data) of a plan report."""
    changes = []
    for change in report.ordered_changes():
        ops = []
        for op in change.ops:
            item = {"op": op.kind, "params": op.params, "old": op.old, "new": op.new}
            item["text"] = "; ".join(
                line.plain(width=0).replace("  ", " ")
                for line in report.lines(type(change)(change.tenant, change.action, [op]))
            )
            ops.append(item)
        changes.append(
            {
                "tenant": change.tenant,
                "action": change.action,
                "location": report.locations.get(change.tenant),
                "operations": ops,
            }
        )
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": report.generated_at,
        "desired": report.desired.to_json(),
        "against": report.against.to_json(),
        "deployment": report.deployment,
        "has_changes": report.has_changes,
        "summary": report.summary(),
        "changes": changes,
        "flags": report.flags.to_json(),
        "problems": [p.to_json() for p in report.plan.problems],
    }


def render_json(report: PlanReport) -> str:
    """Render a plan report as indented, key-sorted-within-objects JSON (ends with a newline)."""
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False, default=str) + "\n"
