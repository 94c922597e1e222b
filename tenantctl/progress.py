"""Progress reporting for long operations.

On a terminal a single-line bar is redrawn in place (at most ten times a second); anywhere else (a pipeline
log, a file) one plain line is written every ``interval`` seconds and one at the end, so logs stay short and
readable. Progress goes to standard error so it never mixes with a plan or JSON on standard output.

Usage::

    with Progress(total=len(names), label="reading tenants") as bar:
        for name in names:
            ...
            bar.advance()

A :class:`Progress` is also a callable ``progress(done, total=None)`` for engine functions that report
absolute counts through a callback.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, TextIO

BAR_WIDTH = 28
TTY_REDRAW_SECONDS = 0.1
DEFAULT_INTERVAL_SECONDS = 10.0


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """A progress bar on a TTY, periodic lines otherwise.

    Parameters
    ----------
    total : int, optional
        Expected number of steps; ``None`` when unknown (only the count is shown).
    label : str
        What is being done, e.g. ``"applying"``.
    stream : file, optional
        Where to write; standard error by default.
    interval : float
        Seconds between lines when ``stream`` is not a terminal.
    enabled : bool
        False silences all output (``--quiet``, JSON pipelines).
    tty : bool, optional
        Force terminal (True) or line (False) mode; detected from ``stream`` by default.
    clock : callable, optional
        Monotonic clock (tests pass a fake one).
    """

    def __init__(
        self,
        total: int | None,
        label: str,
        *,
        stream: TextIO | None = None,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        enabled: bool = True,
        tty: bool | None = None,
        clock: Any = time.monotonic,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.enabled = enabled
        self.tty = _is_tty(self.stream) if tty is None else tty
        self.clock = clock
        self.done = 0
        self.note = ""
        self._start = clock()
        self._last = float("-inf")
        self._lock = threading.Lock()
        self._closed = False
        self._drawn = False

    # -- updates ---------------------------------------------------------------------------------------------

    def advance(self, n: int = 1, note: str | None = None) -> None:
        """Record ``n`` more steps done (thread-safe)."""
        with self._lock:
            self.done += n
            if note is not None:
                self.note = note
            self._maybe_emit()

    def __call__(self, done: int, total: int | None = None, note: str | None = None) -> None:
        """Set the absolute count (callback form)."""
        with self._lock:
            self.done = done
            if total is not None:
                self.total = total
            if note is not None:
                self.note = note
            self._maybe_emit()

    def close(self) -> None:
        """Write the final state (a finished bar, or a last line) once."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if not self.enabled:
                return
            if self.tty:
                self._draw(final=True)
            elif self._drawn or self.clock() - self._start >= self.interval:
                self.stream.write(self._line(final=True) + "\n")
                self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- rendering ---------------------------------------------------------------------------------------------

    def _maybe_emit(self) -> None:
        if not self.enabled or self._closed:
            return
        now = self.clock()
        if self.tty:
            if now - self._last >= TTY_REDRAW_SECONDS:
                self._last = now
                self._draw(final=False)
        elif now - self._start >= self.interval and now - self._last >= self.interval:
            self._last = now
            self._drawn = True
            self.stream.write(self._line(final=False) + "\n")
            self.stream.flush()

    def _counts(self) -> str:
        if self.total:
            pct = min(100, int(100 * self.done / self.total))
            return f"{self.done}/{self.total} ({pct}%)"
        return str(self.done)

    def _elapsed(self) -> str:
        secs = int(self.clock() - self._start)
        return f"{secs // 60}m{secs % 60:02d}s" if secs >= 60 else f"{secs}s"

    def _line(self, *, final: bool) -> str:
        state = "done" if final else "…"
        note = f" {self.note}" if self.note else ""
        return f"{self.label}: {self._counts()} {state} [{self._elapsed()}]{note}"

    def _draw(self, *, final: bool) -> None:
        if self.total:
            filled = min(BAR_WIDTH, int(BAR_WIDTH * self.done / self.total))
            bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        else:
            bar = ""
        note = f" {self.note}" if self.note else ""
        text = f"\r{self.label} {bar} {self._counts()} {self._elapsed()}{note}"
        self.stream.write(text + "\033[K" + ("\n" if final else ""))
        self.stream.flush()
        self._drawn = True


def progress_enabled(quiet: bool = False) -> bool:
    """Whether progress should be shown (not with ``--quiet`` or ``TENANTCTL_NO_PROGRESS``)."""
    return not quiet and not os.environ.get("TENANTCTL_NO_PROGRESS")


class watch:
    """Show progress of work whose only measure is a growing count (e.g. API calls made so far).

    A background thread samples ``count()`` every ``period`` seconds and feeds a :class:`Progress` with no
    total. Used around engine calls that take no progress callback (reading the live account).

    Parameters
    ----------
    count : callable
        Returns the current count.
    label : str
        What is being done.
    period : float
        Sampling period in seconds.
    **kwargs
        Passed to :class:`Progress` (``stream``, ``enabled``, ``tty``, ``interval``).
    """

    def __init__(self, count: Any, label: str, *, period: float = 0.2, **kwargs: Any) -> None:
        self.count = count
        self.bar = Progress(None, label, **kwargs)
        self.period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tenantctl-progress", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.bar(self.count())

    def __enter__(self) -> Progress:
        if self.bar.enabled:
            self._thread.start()
        return self.bar

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.bar(self.count())
        self.bar.close()
