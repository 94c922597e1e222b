"""Progress: a redrawn bar on a terminal, periodic plain lines elsewhere, silent when disabled."""

from __future__ import annotations

import io
import time

from tenantctl.progress import Progress, watch


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_terminal_bar_redraws_in_place_and_finishes_with_a_newline():
    out, clock = io.StringIO(), Clock()
    with Progress(10, "applying", stream=out, tty=True, clock=clock) as bar:
        for _ in range(10):
            clock.now += 0.25
            bar.advance()
    text = out.getvalue()
    assert text.count("\r") == 11  # ten redraws and the final one
    assert "\n" not in text[:-1] and text.endswith("\n"), "one line, redrawn in place"
    final = text.rsplit("\r", 1)[1]
    assert "applying ████████████████████████████ 10/10 (100%) 2s" in final


def test_terminal_redraws_are_rate_limited():
    out, clock = io.StringIO(), Clock()
    bar = Progress(1000, "reading", stream=out, tty=True, clock=clock)
    for _ in range(1000):
        bar.advance()  # no time passes: only the first call draws
    bar.close()
    assert out.getvalue().count("\r") == 2


def test_pipeline_logs_get_a_line_per_interval_and_a_last_line():
    out, clock = io.StringIO(), Clock()
    with Progress(100, "applying", stream=out, tty=False, interval=10, clock=clock) as bar:
        for _ in range(100):
            clock.now += 0.5  # 50 s in all
            bar.advance()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and "\033" not in out.getvalue()
    assert len(lines) == 6  # at 10, 20, 30, 40, 50 s, plus the final line
    assert lines[0] == "applying: 20/100 (20%) … [10s]"
    assert lines[-1] == "applying: 100/100 (100%) done [50s]"


def test_short_runs_stay_silent_in_logs_and_disabled_progress_never_writes():
    out, clock = io.StringIO(), Clock()
    with Progress(3, "quick", stream=out, tty=False, interval=10, clock=clock) as bar:
        bar.advance(3)
    assert out.getvalue() == ""
    with Progress(3, "quiet", stream=out, tty=True, enabled=False) as bar:
        bar.advance(3)
    assert out.getvalue() == ""


def test_callback_form_and_unknown_total():
    out, clock = io.StringIO(), Clock()
    bar = Progress(None, "listing", stream=out, tty=True, clock=clock)
    bar(42, note="page 3")
    bar.close()
    assert "listing  42 0s page 3" in out.getvalue()


def test_watch_samples_a_growing_count_in_the_background():
    out = io.StringIO()
    count = [0]
    with watch(lambda: count[0], "reading tenants", stream=out, tty=True, period=0.01):
        for _ in range(5):
            count[0] += 10
            time.sleep(0.02)
    assert out.getvalue().rstrip().endswith("reading tenants  50 0s\033[K")
