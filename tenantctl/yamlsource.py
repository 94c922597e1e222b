"""Reading YAML source: bytes -> text -> node tree with positions, YAML 1.2 core-schema scalar typing.

PyYAML's C parser/composer (libyaml) builds the node tree; nothing is constructed into Python values here
and no YAML 1.1 implicit resolver runs, so ``no``, ``on``, ``0123`` and ``12:30`` are never turned into
booleans, numbers or sexagesimals behind the user's back. Callers decide per field what a plain scalar
means, using :func:`core_type` (YAML 1.2 core schema) where a type matters.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tenantctl.diagnostics import Diagnostic, SpecInvalid

__all__ = [
    "IMPLICIT",
    "STR_TAG",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "compose",
    "core_type",
    "is_plain",
    "read_source",
]

IMPLICIT = ""  # tag given to every untagged node (we never run an implicit resolver)
STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), plain scalars only.
_CORE_RE = re.compile(
    r"(?P<null>null|Null|NULL|~|)"
    r"|(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)"
)
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))


class _NodeLoader(CParser):
    """libyaml parser + composer without any implicit resolution (every untagged node gets tag ``""``)."""

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool] | bool) -> str:
        return IMPLICIT

    def descend_resolver(self, parent: Node | None, index: Node | None) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def is_plain(node: ScalarNode) -> bool:
    """Tell whether a scalar is unquoted, untagged scalar (the only kind whose type YAML infers)."""
    return not node.style and node.tag == IMPLICIT


def is_null(node: Node) -> bool:
    """Tell whether a node is an untagged plain ``null`` / ``~`` / empty value."""
    return type(node) is ScalarNode and not node.style and node.tag == IMPLICIT and node.value in _NULLS


def core_type(node: ScalarNode) -> str:
    """Return the YAML 1.2 core-schema type of a scalar: ``null``, ``bool``, ``int``, ``float`` or ``str``."""
    if node.style or node.tag != IMPLICIT:
        return "str"
    m = _CORE_RE.fullmatch(node.value)
    return m.lastgroup if m else "str"  # type: ignore[return-value]


def read_source(path: Path, display: str) -> str:
    """Read a spec file as UTF-8 text.

    Raises
    ------
    SpecInvalid
        With one ``file`` diagnostic for a missing, unreadable, binary or non-UTF-8 file.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _file_error(display, "no such file; to fix, check the path (the default is ./tenants.yaml)") from None
    except IsADirectoryError:
        raise _file_error(display, "is a directory") from None
    except PermissionError:
        raise _file_error(display, "permission denied: cannot read the file") from None
    except OSError as exc:
        raise _file_error(display, f"cannot read the file: {os.strerror(exc.errno or 0) or exc}") from None
    return decode_source(data, display)


def decode_source(data: bytes | str, display: str) -> str:
    """Decode spec bytes (UTF-8, optional BOM); reject binary content with a position."""
    if isinstance(data, str):
        text = data
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise _file_error(display, "is UTF-16 encoded; to fix, save it as UTF-8")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = _position(data[: exc.start].decode("utf-8", "replace"))
            raise SpecInvalid(
                [
                    Diagnostic(
                        display, line, col, "file",
                        f"not UTF-8 text (byte 0x{data[exc.start]:02x}); is this a binary file? "
                        "To fix, save the spec as UTF-8 YAML",
                    )
                ]
            ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, col = _position(text[:nul])
        raise SpecInvalid([Diagnostic(display, line, col, "file", "contains NUL bytes; this is not a YAML text file")])
    return text


def compose(text: str, display: str) -> Node | None:
    """Parse one YAML document into a node tree (``None`` for an empty document).

    Raises
    ------
    SpecInvalid
        For a syntax error, a tab used for indentation, or several documents in one file.
    """
    loader = _NodeLoader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise SpecInvalid([_syntax_diagnostic(exc, text, display)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml always gives marks; keep users safe anyway
        raise SpecInvalid([Diagnostic(display, 1, 1, "yaml", f"cannot parse YAML: {exc}")]) from None
    finally:
        loader.dispose()


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, text: str, display: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "syntax error"
    lines = text.split("\n")
    # A tab in indentation is the most common cause of a confusing libyaml message: find the first one
    # at or before the error and report it precisely.
    if "\t" in text:
        for i in range(min(line, len(lines))):
            raw = lines[i]
            indent = len(raw) - len(raw.lstrip(" \t"))
            tab = raw.find("\t", 0, indent) if indent else -1
            if tab >= 0 and raw.strip():
                return Diagnostic(
                    display, i + 1, tab + 1, "yaml",
                    "tab character in indentation; YAML indents with spaces only. To fix, replace the tab with spaces",
                )
    if problem == "but found another document":
        return Diagnostic(
            display, line, col, "yaml",
            "a second YAML document ('---') in one file; to fix, keep one document per file "
            "(split tenants across files in a spec directory instead)",
        )
    message = problem
    if exc.context and exc.context_mark and (exc.context_mark.line, exc.context_mark.column) != (
        mark.line if mark else -1,
        mark.column if mark else -1,
    ):
        message += f" ({exc.context} started at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
    elif exc.context:
        message += f" ({exc.context})"
    hint = _syntax_hint(problem, lines[line - 1] if 0 < line <= len(lines) else "")
    return Diagnostic(display, line, col, "yaml", message + hint)


def _syntax_hint(problem: str, line_text: str) -> str:
    if "mapping values are not allowed" in problem:
        return "; to fix, quote a value that contains ': ' or check the indentation of this line"
    if "found character that cannot start any token" in problem and ("`" in line_text or "@" in line_text):
        return "; to fix, quote values that start with '@' or '`'"
    if "did not find expected" in problem or "could not find expected" in problem:
        return "; to fix, check the indentation and close every bracket or quote"
    return ""


def _position(prefix: str) -> tuple[int, int]:
    line = prefix.count("\n") + 1
    col = len(prefix) - (prefix.rfind("\n") + 1) + 1
    return line, col


def _file_error(display: str, message: str) -> SpecInvalid:
    return SpecInvalid([Diagnostic(display, 1, 1, "file", message)])
