"""Renderers of a plan: terminal text, Markdown (PR comment) and versioned JSON.

All three take a :class:`~tenantctl.render.report.PlanReport` built by
:func:`~tenantctl.render.report.build_report`; :func:`render` picks one by name.
"""

from __future__ import annotations

from .jsonfmt import render_json, report_to_json
from .markdown import MARKER, render_markdown
from .report import (
    DEFAULT_ASSUMED_TPS,
    FORMAT_VERSION,
    Flags,
    PlanReport,
    Source,
    analyze,
    build_report,
    describe_op,
)
from .text import render_text

FORMATS = ("text", "markdown", "json")


def render(report: PlanReport, fmt: str, *, color: bool = False) -> str:
    """Render ``report`` as ``text``, ``markdown`` or ``json``.

    Parameters
    ----------
    report : PlanReport
        The plan report.
    fmt : str
        One of :data:`FORMATS`.
    color : bool
        ANSI colour (text only).

    Returns
    -------
    str
    """
    if fmt == "text":
        return render_text(report, color=color)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


__all__ = [
    "DEFAULT_ASSUMED_TPS",
    "FORMATS",
    "FORMAT_VERSION",
    "MARKER",
    "Flags",
    "PlanReport",
    "Source",
    "analyze",
    "build_report",
    "describe_op",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "report_to_json",
]
