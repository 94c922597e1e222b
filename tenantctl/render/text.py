"""Plan as terminal text: summary first, flags, then each tenant's operations (Terraform-like legend).

Colour (ANSI) only when asked for; the command asks only on a TTY and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import textwrap

from .report import LEGEND, SYMBOLS, PlanReport, attention, human_seconds, summary_sentence

GREEN, RED, YELLOW, CYAN, BOLD, DIM, RESET = "32", "31", "33", "36", "1", "2", "0"
WIDTH = 100
SYMBOL_COLOURS = {"+": GREEN, "-": RED, "~": YELLOW, "&": CYAN}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\033[{';'.join(codes)}m{text}\033[0m"


def render_text(report: PlanReport, *, color: bool = False) -> str:
    """Render a plan report for a terminal.

    Parameters
    ----------
    report : PlanReport
        The plan and its flags.
    color : bool
        Emit ANSI colours.

    Returns
    -------
    str
        The text, ending with a newline.
    """
    paint = _Paint(color)
    out: list[str] = []
    head = f"Plan for {report.desired.label} against {report.against.label}"
    out.append(paint(head, BOLD))
    out.append("")
    if not report.has_changes and not report.plan.problems:
        unchanged = report.plan.unchanged
        out.append(
            paint("No changes.", BOLD, GREEN)
            + f" {report.desired.label} matches {report.against.label} ({unchanged} tenant"
            + ("s" if unchanged != 1 else "")
            + " unchanged)."
        )
        return "\n".join(out) + "\n"

    s = report.summary()
    out.append(paint("Summary: ", BOLD) + summary_sentence(report) + f"; {s['operations']} operations")
    d = report.flags.duration
    if d is not None:
        out.append(
            f"Estimate: about {d.calls} SES calls, {human_seconds(max(d.reconcile_seconds, d.prune_seconds))} "
            f"at an assumed {d.assumed_tps:g} calls/s (CloudFormation allows {human_seconds(d.window_seconds)})"
        )
    legend = "  ".join(paint(sym, SYMBOL_COLOURS[sym]) + " " + word for sym, word in LEGEND)
    out.append(paint("Legend: ", DIM) + legend)

    notes = attention(report)
    if notes:
        out.append("")
        out.append(paint("Attention:", BOLD))
        for note in notes:
            colour = RED if note.level == "caution" else YELLOW
            out.append("  " + paint("! " + note.title, BOLD, colour))
            for item in note.items:
                out.append(_wrap(item, "      ", "        "))
            if note.detail:
                out.append(_wrap(note.detail, "    ", "    "))

    out.append("")
    for change in report.ordered_changes():
        sym = SYMBOLS.get(change.action, "~")
        colour = SYMBOL_COLOURS.get(sym, YELLOW)
        where = report.locations.get(change.tenant)
        suffix = f"  ({change.action})" + (f"  {where}" if where else "")
        out.append(paint(f"{sym} {change.tenant}", BOLD, colour) + paint(suffix, DIM))
        for line in report.lines(change):
            text = line.plain()
            out.append("    " + paint(line.symbol, SYMBOL_COLOURS.get(line.symbol, YELLOW)) + text[1:])
        out.append("")
    out.append(paint("Plan: ", BOLD) + summary_sentence(report) + ".")
    return "\n".join(out) + "\n"


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False, break_long_words=False
    )
