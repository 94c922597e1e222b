"""Plan as GitHub-flavoured Markdown for a pull-request comment.

Layout: a hidden marker (``<!-- tenantctl-plan -->``, so a pipeline can find and update its one comment),
the summary table, deletions / pauses / blocking problems as ``[!CAUTION]`` alerts and the other flags as
``[!WARNING]`` alerts, then one folded ``<details>`` block per changed tenant (deletions first) holding a
``diff`` code block. GitHub rejects comments over 65,536 characters: tenant blocks are added until the
budget is used, and the rest is replaced by a count of the tenants and operations not shown.
"""

from __future__ import annotations

import html

from ses_tenants_engine.plan_types import TenantChange

from .report import LEGEND, SYMBOLS, PlanReport, attention, human_seconds

MARKER = "<!-- tenantctl-plan -->"
GITHUB_COMMENT_LIMIT = 65536
DEFAULT_MAX_CHARS = 65000  # leave room for a pipeline that appends a line of its own
OPEN_DETAILS_UP_TO = 10  # deletions are unfolded when there are at most this many


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def _fence_safe(text: str) -> str:
    return text.replace("```", "`\u200b``")


def _tenant_block(report: PlanReport, change: TenantChange, open_: bool) -> str:
    sym = SYMBOLS.get(change.action, "~")
    lines = report.lines(change)
    n = len(change.ops)
    body = "\n".join(_fence_safe(line.plain()) for line in lines)
    attr = " open" if open_ else ""
    where = report.locations.get(change.tenant)
    at = f" · <code>{html.escape(where)}</code>" if where else ""
    return (
        f"<details{attr}><summary><code>{sym} {change.tenant}</code> {change.action} "
        f"({n} operation{'s' if n != 1 else ''}){at}</summary>\n\n"
        f"```diff\n{body}\n```\n\n</details>\n"
    )


def render_markdown(report: PlanReport, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Render a plan report as a PR comment, at most ``max_chars`` characters.

    Parameters
    ----------
    report : PlanReport
        The plan and its flags.
    max_chars : int
        Upper bound of the output length, counted in UTF-8 bytes so that it holds however GitHub counts
        (its comment limit is 65,536 characters; a byte count is never smaller).

    Returns
    -------
    str
        Markdown, ending with a newline.
    """
    s = report.summary()
    parts: list[str] = [MARKER]
    if not report.has_changes and not report.plan.problems:
        parts.append("### ses-tenants plan: no changes\n")
        parts.append(
            f"{_code(report.desired.label)} matches {_code(report.against.label)} "
            f"({s['unchanged']} tenant{'s' if s['unchanged'] != 1 else ''} unchanged).\n"
        )
        parts.append(_footer(report))
        return "\n".join(parts)

    title = ", ".join(f"{s[k]} to {k}" for k in ("create", "update", "delete", "adopt") if s[k])
    if s["blocked"]:
        title = f"{title}, {s['blocked']} blocked" if title else f"{s['blocked']} blocked"
    parts.append(f"### ses-tenants plan: {title or 'problems'}\n")
    parts.append(f"{_code(report.desired.label)} against {_code(report.against.label)}\n")
    # The blocked column appears only when tenants are blocked (they are neither changed nor unchanged).
    blocked_head, blocked_rule, blocked_cell = ("", "", "")
    if s["blocked"]:
        blocked_head, blocked_rule, blocked_cell = (" blocked |", "---:|", f" **{s['blocked']}** |")
    parts.append(f"| create | update | delete | adopt | unchanged |{blocked_head} operations | est. SES calls |")
    parts.append(f"|---:|---:|---:|---:|---:|{blocked_rule}---:|---:|")
    delete_cell = f"**{s['delete']}**" if s["delete"] else "0"
    parts.append(
        f"| {s['create']} | {s['update']} | {delete_cell} | {s['adopt']} | {s['unchanged']} |{blocked_cell}"
        f" {s['operations']} | {s['estimated_calls']} |\n"
    )

    for note in attention(report, quote="`"):
        kind = "CAUTION" if note.level == "caution" else "WARNING"
        block = [f"> [!{kind}]", f"> **{note.title}**"]
        block += [f"> - {item}" for item in note.items]
        if note.detail:
            block.append(f"> {note.detail}" if not note.items else f">\n> {note.detail}")
        parts.append("\n".join(block) + "\n")

    head = "\n".join(parts) + "\n#### Changes by tenant\n\n"
    footer = _footer(report)
    changes = report.ordered_changes()
    deletions = len(report.flags.deletions)
    blocks: list[str] = []
    used = _size(head) + _size(footer)
    reserve = 400  # room for the truncation note
    shown = 0
    for change in changes:
        block = _tenant_block(report, change, open_=change.action == "delete" and deletions <= OPEN_DETAILS_UP_TO)
        size = _size(block)
        if used + size + reserve > max_chars:
            break
        blocks.append(block)
        used += size
        shown += 1
    rest = changes[shown:]
    if rest:
        ops = sum(len(c.ops) for c in rest)
        blocks.append(
            f"**… {len(rest)} more tenant{'s' if len(rest) != 1 else ''} with changes not shown "
            f"({ops} operations)** to keep this comment under GitHub's {GITHUB_COMMENT_LIMIT:,}-character "
            "limit. Run `tenantctl plan` locally or read the JSON plan (`--format json`) for all of them.\n"
        )
    return head + "\n".join(blocks) + "\n" + footer


def _footer(report: PlanReport) -> str:
    legend = " · ".join(f"`{sym}` {word}" for sym, word in LEGEND)
    d = report.flags.duration
    est = ""
    if d is not None and report.has_changes:
        est = (
            f" Estimated duration {human_seconds(max(d.reconcile_seconds, d.prune_seconds))} at an assumed "
            f"{d.assumed_tps:g} SES calls/s."
        )
    when = f" Generated {report.generated_at}." if report.generated_at else ""
    return f"<sub>Legend: {legend}.{est}{when} `tenantctl plan`</sub>\n"
