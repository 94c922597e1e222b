"""Plans of several environments in one document (``tenantctl plan --all-envs``): text, Markdown, JSON.

Each environment's plan is rendered by the single-plan renderers (:mod:`tenantctl.render`); this module adds a
summary table with one row per environment on top and groups the rest by environment. The Markdown form is a
single pull-request comment: it starts with the same hidden marker as a single plan and stays under GitHub's
65,536-character limit overall (each environment gets an equal share of what the summary leaves, and a share
an environment does not use passes on to the next; a plan that does not fit lists its remaining tenants as a
count, as a single plan does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .jsonfmt import report_to_json
from .markdown import DEFAULT_MAX_CHARS, MARKER, render_markdown
from .report import FORMAT_VERSION, PlanReport
from .text import render_text

COLUMNS = ("create", "update", "delete", "adopt", "unchanged")


@dataclass
class EnvironmentPlan:
    """One environment's plan, or the error that kept it from being planned.

    Attributes
    ----------
    name, account, region : str
        The environment.
    spec : str
        Its spec file or directory (as configured).
    report : PlanReport or None
        The plan (None when ``error`` is set).
    error : str or None
        One line: why this environment could not be planned (invalid spec, unknown ref, ...).
    """

    name: str
    account: str
    region: str
    spec: str
    report: PlanReport | None = None
    error: str | None = None

    @property
    def result(self) -> str:
        """``error``, ``blocked`` (the deploy would refuse the plan), ``changes`` or ``no changes``."""
        if self.error is not None or self.report is None:
            return "error"
        if self.report.plan.problems:
            return "blocked"
        return "changes" if self.report.has_changes else "no changes"

    def counts(self) -> dict[str, int | None]:
        s = self.report.summary() if self.report is not None else {}
        return {k: s.get(k) for k in COLUMNS}


def _cell(value: int | None) -> str:
    return "–" if value is None else str(value)


def summary_rows(plans: list[EnvironmentPlan]) -> list[list[str]]:
    """Return the summary table: a header row, then one row per environment."""
    rows = [["environment", "account", "region", "spec", *COLUMNS, "result"]]
    for p in plans:
        rows.append([p.name, p.account, p.region, p.spec, *(_cell(v) for v in p.counts().values()), p.result])
    return rows


def _title(plans: list[EnvironmentPlan]) -> str:
    n = len(plans)
    parts = [f"{n} environment{'s' if n != 1 else ''}"]
    for result in ("changes", "blocked", "error"):
        k = sum(1 for p in plans if p.result == result)
        if k:
            parts.append(f"{k} {'with changes' if result == 'changes' else result}")
    if all(p.result == "no changes" for p in plans):
        parts.append("no changes")
    return ", ".join(parts)


def render_grouped_text(plans: list[EnvironmentPlan], *, color: bool = False) -> str:
    """Render every environment's plan for a terminal, after a summary table (ends with a newline)."""
    rows = summary_rows(plans)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = [f"ses-tenants plan: {_title(plans)}", ""]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for p in plans:
        out += ["", f"== environment {p.name} (account {p.account}, region {p.region}) " + "=" * 20, ""]
        if p.report is None:
            out.append(f"error: {p.error}")
        else:
            out.append(render_text(p.report, color=color).rstrip("\n"))
    return "\n".join(out) + "\n"


def render_grouped_markdown(plans: list[EnvironmentPlan], *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Render every environment's plan as one pull-request comment of at most ``max_chars`` UTF-8 bytes.

    Parameters
    ----------
    plans : list of EnvironmentPlan
        In configuration order.
    max_chars : int
        Upper bound of the whole comment (default leaves room under GitHub's 65,536 characters).

    Returns
    -------
    str
    """
    rows = summary_rows(plans)
    table = ["| " + " | ".join(rows[0]) + " |", "|---|---|---|---|" + "---:|" * len(COLUMNS) + "---|"]
    for p, row in zip(plans, rows[1:], strict=True):
        cells = [f"[`{p.name}`](#env-{p.name})", *row[1:3], f"`{row[3]}`", *row[4:-1]]
        result = {"blocked": "**blocked**", "error": "**error**", "changes": "changes"}.get(p.result, p.result)
        table.append("| " + " | ".join([*cells, result]) + " |")
    head = "\n".join([MARKER, f"### ses-tenants plan: {_title(plans)}", "", *table, ""]) + "\n"
    used = len(head.encode("utf-8"))
    sections: list[str] = []
    for i, p in enumerate(plans):
        title = f'<a id="env-{p.name}"></a>\n\n### Environment `{p.name}` · {p.account} · {p.region}\n\n'
        budget = (max_chars - used) // (len(plans) - i)
        if p.report is None:
            body = f"> [!CAUTION]\n> **could not plan this environment**\n> {p.error}\n"
        else:
            inner = max(budget - len(title.encode("utf-8")), 1000)
            body = render_markdown(p.report, max_chars=inner)
            body = body.removeprefix(MARKER + "\n").replace("### ses-tenants plan:", "#### plan:", 1)
        section = title + body + "\n"
        if len(section.encode("utf-8")) > budget:  # a pathological summary: keep the comment postable
            cut = section.encode("utf-8")[: max(budget - 200, 0)].decode("utf-8", errors="ignore")
            section = cut + "\n\n**… truncated** to stay under GitHub's comment limit (see the JSON plan).\n"
        sections.append(section)
        used += len(section.encode("utf-8"))
    return head + "".join(sections)


def grouped_to_json(plans: list[EnvironmentPlan]) -> dict[str, Any]:
    """Return the JSON document (as Python data) of several environments' plans."""
    total = {k: 0 for k in (*COLUMNS, "blocked")}
    for p in plans:
        s = p.report.summary() if p.report is not None else {}
        for k in total:
            total[k] += s.get(k) or 0
    return {
        "format_version": FORMAT_VERSION,
        "summary": total,
        "has_changes": any(p.report is not None and p.report.has_changes for p in plans),
        "environments": [
            {
                "name": p.name,
                "account": p.account,
                "region": p.region,
                "spec": p.spec,
                "result": p.result,
                "error": p.error,
                "plan": report_to_json(p.report) if p.report is not None else None,
            }
            for p in plans
        ],
    }


def render_grouped(plans: list[EnvironmentPlan], fmt: str, *, color: bool = False) -> str:
    """Render several environments' plans as ``text``, ``markdown`` or ``json``."""
    if fmt == "text":
        return render_grouped_text(plans, color=color)
    if fmt == "markdown":
        return render_grouped_markdown(plans)
    if fmt == "json":
        return json.dumps(grouped_to_json(plans), indent=2, ensure_ascii=False, default=str) + "\n"
    raise ValueError(f"unknown format {fmt!r}")
