"""Draw the tenant-health dashboard's widget grid to a PNG, from a synthesized dashboard body.

Usage
-----
    python scripts/render_dashboard.py [--template cdk.out/<Stack>.template.json] [--out docs/dashboard.png]

Without ``--template`` the script synthesizes a stack holding the ``TenantHealth`` construct (with imported
log group, topic, provisioner functions and DLQ) and renders that stack's dashboard body. With ``--template``
it renders the one ``AWS::CloudWatch::Dashboard`` of an existing synthesized template. The picture shows the
layout (CloudWatch's 24-column grid), each widget's title and kind, and what it queries; it is a layout
preview, not live data. The PNG carries ``widget_count`` and ``source`` text chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap

# jsii prints a large Node end-of-life banner on import of aws_cdk unless silenced (see the Makefile).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

COL_PX = 56  # one of CloudWatch's 24 grid columns
ROW_PX = 34  # one grid row unit
PAD = 24
GAP = 6
HEADER_PX = 56

# The event-time arithmetic over lastUpdatedTimestamp.0 .. .5 is long; the picture shows it collapsed.
_EVENT_TS = re.compile(r"detail\.data\.record\.lastUpdatedTimestamp\.0 \*.*?lastUpdatedTimestamp\.5")

COLORS = {
    "background": (242, 243, 243),
    "widget": (255, 255, 255),
    "border": (200, 204, 206),
    "title": (22, 25, 31),
    "text": (84, 91, 100),
    "metric": (1, 136, 209),
    "log": (125, 60, 152),
    "text_widget": (120, 120, 120),
    "alarm": (214, 39, 40),
    "warning": (255, 127, 14),
    "pause": (214, 39, 40),
}


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render` wrote."""

    path: Path
    widget_count: int
    width: int
    height: int
    size_bytes: int


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled default font at a given size (needs FreeType, present in the wheels): the same on
    # every machine, no system fonts required.
    return ImageFont.load_default(size=size)


def _widget_lines(widget: dict[str, Any]) -> tuple[str, list[str]]:
    """Return the badge and the descriptive lines of one widget."""
    kind = widget.get("type", "?")
    props = widget.get("properties", {})
    if kind == "text":
        md = props.get("markdown", "")
        lines = [ln.strip("# ").strip() for ln in md.splitlines() if ln.strip() and not ln.startswith("|---")]
        return "TEXT", lines
    if kind == "log":
        query = _EVENT_TS.sub("event_time(lastUpdatedTimestamp[Y,M,D,h,m,s])", props.get("query", ""))
        parts = [p.strip() for p in query.split("|")]
        return "LOGS INSIGHTS", parts
    if kind == "alarm":
        alarms = props.get("alarms", [])
        return "ALARM STATUS", [f"{len(alarms)} notifying alarms; the count does not depend on the number of tenants"]
    if kind == "metric":
        lines: list[str] = []
        for row in props.get("metrics", []):
            last = row[-1] if row else {}
            if isinstance(last, dict) and "expression" in last:
                lines.append(last["expression"])
            else:
                names = [str(x) for x in row if not isinstance(x, dict)]
                label = last.get("label") if isinstance(last, dict) else None
                stat = (last.get("stat") if isinstance(last, dict) else None) or props.get("stat", "")
                desc = " ".join(names[:2]) + (f" [{names[3]}]" if len(names) > 3 else "")
                lines.append(f"{label or desc} ({stat})" if stat else (label or desc))
        is_mi = any(ln.startswith("SELECT") for ln in lines)
        return ("METRICS INSIGHTS" if is_mi else "METRICS"), lines
    return kind.upper(), []


def _wrap(lines: list[str], width_chars: int) -> list[str]:
    out: list[str] = []
    for ln in lines:
        out.extend(textwrap.wrap(ln, width=max(10, width_chars)) or [""])
    return out


def render(body: dict[str, Any], out: Path, source: str = "synthesized dashboard body") -> RenderResult:
    """Draw the widget grid of a CloudWatch dashboard body to a PNG.

    Parameters
    ----------
    body
        The parsed dashboard body (``{"widgets": [...]}``), tokens already replaced by placeholders.
    out
        PNG path to write (parent folders are created).
    source
        Free text stored in the PNG's ``source`` chunk.

    Returns
    -------
    RenderResult
        Path, widget count, pixel size and file size.
    """
    widgets = body.get("widgets", [])
    if not widgets:
        raise ValueError("the dashboard body has no widgets")
    rows = max(w["y"] + w["height"] for w in widgets)
    width = PAD * 2 + 24 * COL_PX
    height = PAD * 2 + HEADER_PX + rows * ROW_PX
    img = Image.new("RGB", (width, height), COLORS["background"])
    draw = ImageDraw.Draw(img)
    title_font, badge_font, body_font, small_font = _font(17), _font(11), _font(12), _font(11)
    draw.text(
        (PAD, PAD),
        "CloudWatch dashboard: SES tenant health (layout from the synthesized dashboard body)",
        fill=COLORS["title"],
        font=_font(20),
    )
    draw.text(
        (PAD, PAD + 28),
        f"{len(widgets)} widgets on CloudWatch's 24-column grid - default range {body.get('start', 'n/a')}",
        fill=COLORS["text"],
        font=small_font,
    )
    top = PAD + HEADER_PX
    for w in widgets:
        x0 = PAD + w["x"] * COL_PX + GAP // 2
        y0 = top + w["y"] * ROW_PX + GAP // 2
        x1 = PAD + (w["x"] + w["width"]) * COL_PX - GAP // 2
        y1 = top + (w["y"] + w["height"]) * ROW_PX - GAP // 2
        draw.rectangle((x0, y0, x1, y1), fill=COLORS["widget"], outline=COLORS["border"])
        badge, lines = _widget_lines(w)
        color = {
            "TEXT": COLORS["text_widget"],
            "LOGS INSIGHTS": COLORS["log"],
            "ALARM STATUS": COLORS["alarm"],
        }.get(badge, COLORS["metric"])
        draw.rectangle((x0, y0, x0 + 5, y1), fill=color)
        props = w.get("properties", {})
        title = props.get("title") or (lines[0] if badge == "TEXT" and lines else "")
        draw.text((x0 + 14, y0 + 8), title[:90], fill=COLORS["title"], font=title_font)
        badge_w = int(draw.textlength(badge, font=badge_font)) + 12
        draw.rectangle((x1 - badge_w - 8, y0 + 8, x1 - 8, y0 + 24), fill=color)
        draw.text((x1 - badge_w - 2, y0 + 10), badge, fill=(255, 255, 255), font=badge_font)

        text_top = y0 + 36
        annotations = props.get("annotations", {}).get("horizontal", [])
        if annotations:
            # A threshold legend: where the alarms and SES's pauses sit on this widget's axis.
            ann_y = y1 - 14 - 14 * ((len(annotations) + 1) // 2)
            for i, ann in enumerate(annotations):
                ax = x0 + 14 + (i % 2) * ((x1 - x0) // 2)
                ay = ann_y + 14 * (i // 2)
                ann_color = COLORS["pause"] if "pause" in ann.get("label", "") else COLORS["warning"]
                draw.line((ax, ay + 6, ax + 22, ay + 6), fill=ann_color, width=3)
                value = float(ann.get("value", 0))
                shown = f"{value:.2%}" if value <= 1 else f"{value:.4g}"
                draw.text((ax + 28, ay), f"{ann.get('label')}: {shown}", fill=COLORS["text"], font=small_font)
            bottom_limit = ann_y - 4
        else:
            bottom_limit = y1 - 6
        chars = int((x1 - x0 - 28) / 6.6)
        body_lines = _wrap(lines[1:] if badge == "TEXT" else lines, chars)
        max_lines = max(0, (bottom_limit - text_top) // 15)
        if len(body_lines) > max_lines > 0:
            body_lines = [*body_lines[: max_lines - 1], "..."]
        for i, ln in enumerate(body_lines[:max_lines]):
            draw.text((x0 + 14, text_top + 15 * i), ln, fill=COLORS["text"], font=body_font)

    meta = PngInfo()
    meta.add_text("widget_count", str(len(widgets)))
    meta.add_text("source", source)
    meta.add_text("Software", "ses-tenants scripts/render_dashboard.py")
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, format="PNG", pnginfo=meta, optimize=True)
    return RenderResult(out, len(widgets), width, height, out.stat().st_size)


def synthesize_demo_body() -> dict[str, Any]:
    """Synthesize a stack holding ``TenantHealth`` (imported dependencies) and return its dashboard body."""
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sqs as sqs
    from aws_cdk.assertions import Template
    from ses_tenants_constructs.tenant_health import TenantHealth, dashboard_body_from_template

    account, region = "123456789012", "us-east-1"
    app = cdk.App()
    stack = cdk.Stack(app, "SesTenantsMonitoring", env=cdk.Environment(account=account, region=region))
    functions = [
        lambda_.Function.from_function_attributes(
            stack,
            f"Fn{name}",
            function_arn=f"arn:aws:lambda:{region}:{account}:function:ses-tenants-{name}",
            same_environment=True,
        )
        for name in ("on-event", "is-complete", "prune")
    ]
    TenantHealth(
        stack,
        "TenantHealth",
        log_group=logs.LogGroup.from_log_group_name(stack, "Events", "/aws/ses/tenants"),
        topic=sns.Topic.from_topic_arn(stack, "Topic", f"arn:aws:sns:{region}:{account}:ses-tenants-alarms"),
        functions=functions,
        dlq=sqs.Queue.from_queue_arn(stack, "Dlq", f"arn:aws:sqs:{region}:{account}:ses-tenants-events-dlq"),
    )
    return dashboard_body_from_template(Template.from_stack(stack).to_json())


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, help="a synthesized template holding one dashboard")
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    args = parser.parse_args(argv)
    if args.template:
        from ses_tenants_constructs.tenant_health import dashboard_body_from_template

        try:
            template = json.loads(args.template.read_text())
            body = dashboard_body_from_template(template)
        except (OSError, ValueError) as exc:
            print(f"render_dashboard: {args.template}: {exc}", file=sys.stderr)
            return 1
        source = str(args.template)
    else:
        body = synthesize_demo_body()
        source = "synthesized TenantHealth demo stack"
    result = render(body, args.out, source=source)
    print(
        f"wrote {result.path} ({result.width}x{result.height}, "
        f"{result.widget_count} widgets, {result.size_bytes} bytes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
