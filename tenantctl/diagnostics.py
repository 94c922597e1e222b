r"""Diagnostics: the errors and warnings a user gets for a ``tenants.yaml``.

Every diagnostic names the file, line, column (1-based) and the field as a dotted path
(``tenants[2].resources.identities[0]``); its ``str()`` is exactly ``FILE:LINE:COL: field: message``, on one
line: control characters and line separators in the file name, the field path or the message (a tag key with
a newline, a value echoed back) are escaped (``\n``, ``\x00``, ``\u2028``). Hints ("did you mean ...",
"quote it", "to fix, ...") are part of the message. :func:`format_diagnostic` is the one output form every
command (``validate``, ``plan``, ``cdk synth``) prints: errors as they are, warnings prefixed ``warning: ``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"

# C0 and C1 control characters, DEL and the Unicode line/paragraph separators: everything that could break a
# diagnostic over two lines (str.splitlines() splits on several of them) or hide text on a terminal.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def one_line(text: str) -> str:
    r"""Return ``text`` with control characters and line separators escaped (``\n``, ``\t``, ``\x1b``)."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def child(path: str, name: str) -> str:
    r"""Field path of key ``name`` below ``path``: ``tenants[0]`` + ``tags`` -> ``tenants[0].tags``.

    Keys that are not plain words are bracketed as JSON strings with control characters escaped:
    ``tags["cost center"]``, ``tags["new\nline"]``.
    """
    if _SIMPLE_KEY.fullmatch(name):
        return f"{path}.{name}" if path else name
    return f"{path}[{quoted(name)}]"


def quoted(text: str) -> str:
    """``text`` as a double-quoted JSON-style string on one line (for keys in field paths)."""
    return '"' + one_line(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning about a spec file.

    Parameters
    ----------
    file : str
        The file as the user named it (or as found in a spec directory).
    line, col : int
        1-based position of the offending value (1:1 for problems with the whole file).
    field : str
        Dotted path of the field, e.g. ``tenants[2].tags.team``; ``file`` / ``yaml`` / ``document`` for
        problems that are not about one field.
    message : str
        What is wrong and how to fix it.
    severity : str
        ``error`` or ``warning``.
    """

    file: str
    line: int
    col: int
    field: str
    message: str
    severity: str = ERROR

    def __post_init__(self) -> None:
        for name in ("file", "field", "message"):
            value = getattr(self, name)
            safe = one_line(value)
            if safe is not value:
                object.__setattr__(self, name, safe)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.field}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_error(self, note: str = " (warning treated as error: --strict)") -> Diagnostic:
        """Return the same diagnostic with severity ``error`` (``--strict``)."""
        return Diagnostic(self.file, self.line, self.col, self.field, self.message + note, ERROR)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
        }


def format_diagnostic(d: Diagnostic) -> str:
    """One output line: errors as ``FILE:LINE:COL: field: message``, warnings as ``warning: FILE:LINE:COL: ...``.

    ``tenantctl validate``, ``tenantctl plan`` and ``cdk synth`` (``app.py``) all print diagnostics with it.
    """
    return str(d) if d.is_error else f"warning: {d}"


class SpecInvalid(Exception):
    """A spec with at least one error.

    Attributes
    ----------
    diagnostics : list[Diagnostic]
        Every error and warning found, errors and warnings interleaved in file order.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        errors = self.errors
        first = str(errors[0]) if errors else "invalid spec"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(first + more)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` when nothing is close.

    Case-only differences always match (``Strict`` -> ``strict``).
    """
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f"; did you mean {lowered[word.lower()]!r}?"
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not match:
        match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        match = [lowered[m] for m in match]
    return f"; did you mean {match[0]!r}?" if match else ""


def one_of(choices: Iterable[str]) -> str:
    """Join choices as ``a, b or c`` for messages."""
    items = [str(c) for c in choices]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]
