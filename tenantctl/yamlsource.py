"""Reading YAML source: bytes -> text -> node tree with positions, YAML 1.2 core-schema scalar typing.

PyYAML's C parser/composer (libyaml) builds the node tree; nothing is constructed into Python values here
and no YAML 1.1 implicit resolver runs, so ``no``, ``on``, ``0123`` and ``12:30`` are never turned into
booleans, numbers or sexagesimals behind the user's back. Callers decide per field what a plain scalar
means, using :func:`core_type` (YAML 1.2 core schema) where a type matters.

Hostile input is stopped before it reaches libyaml's composer or exhausts memory:

- only regular files are read (a FIFO, a device or a socket is an error, never opened for a blocking read),
  and at most :data:`MAX_SPEC_BYTES` of them;
- nesting deeper than :data:`MAX_DEPTH` levels is an error. PyYAML's C composer recurses once per level and
  crashes the process (SIGSEGV) near 25,000 levels, and libyaml's scanner is quadratic in the flow depth.
  A cheap look at the text (bracket balance, indentation, compact ``- - -`` runs) decides whether a precise
  scan with the event parser is needed, which stops at the first node deeper than the limit; a file the
  cheap look cannot clear of deep nesting is composed on a thread whose stack is sized for the deepest
  nesting its brackets allow, so it cannot crash the process either.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml._yaml import CParser
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tenantctl.diagnostics import Diagnostic, SpecInvalid, child

__all__ = [
    "IMPLICIT",
    "MAX_DEPTH",
    "MAX_SPEC_BYTES",
    "STR_TAG",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "alias_positions",
    "compose",
    "core_type",
    "is_plain",
    "read_source",
    "read_stream",
]

MAX_SPEC_BYTES = 64 * 1024 * 1024  # a 10,000-tenant spec is about 5 MB; 300,000 tenants fit too
MAX_DEPTH = 100  # lists/mappings inside each other; a valid tenants.yaml needs at most 5

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

    The path is checked with ``os.stat`` before it is opened: only a regular file (or a symbolic link to one)
    of at most :data:`MAX_SPEC_BYTES` is read, and never more than that many bytes (a file that grows while
    it is read, or reports size 0, is still bounded).

    Raises
    ------
    SpecInvalid
        With one ``file`` diagnostic for a missing, unreadable, binary or non-UTF-8 file, a broken or looping
        symbolic link, a directory, a FIFO, device or socket, or a file larger than the limit.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _file_error(display, f"broken symbolic link (it points to {_link_target(path)!r}, which does "
                              "not exist); to fix, repair or remove the link") from None
        raise _file_error(display, "no such file; to fix, check the path (the default is ./tenants.yaml)") from None
    except PermissionError:
        raise _file_error(display, "permission denied: cannot read the file") from None
    except OSError as exc:
        raise _file_error(display, _os_problem(path, exc)) from None
    _check_kind(info, display)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        raise _file_error(display, "permission denied: cannot read the file") from None
    except OSError as exc:
        raise _file_error(display, _os_problem(path, exc)) from None
    with os.fdopen(fd, "rb") as stream:
        _check_kind(os.fstat(fd), display)  # the path may have been replaced since os.stat
        try:
            return read_stream(stream, display)
        except OSError as exc:
            raise _file_error(display, _os_problem(path, exc)) from None


def read_stream(stream: BinaryIO, display: str) -> str:
    """Read at most :data:`MAX_SPEC_BYTES` from a binary stream (a file, standard input) and decode it.

    Raises
    ------
    SpecInvalid
        When the stream holds more than the limit, or is not UTF-8 text.
    """
    data = stream.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise _too_large(display, None)
    return decode_source(data, display)


def _check_kind(info: os.stat_result, display: str) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise _file_error(display, "is a directory, not a spec file; to fix, point at a tenants.yaml file (a spec "
                          "directory holds *.yaml files, not directories named *.yaml)")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a special file")
        raise _file_error(display, f"not a regular file ({kind}); a spec is a YAML text file. To fix, point at a "
                          "tenants.yaml file or a directory of them")
    if info.st_size > MAX_SPEC_BYTES:
        raise _too_large(display, info.st_size)


def _too_large(display: str, size: int | None) -> SpecInvalid:
    what = f"is {_size(size)}" if size is not None else f"holds more than {_size(MAX_SPEC_BYTES)}"
    return _file_error(display, f"file too large: it {what}, and a spec may be at most {_size(MAX_SPEC_BYTES)} "
                       "(a 10,000-tenant spec is about 5 MB); to fix, check that this is the right file")


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:  # pragma: no cover - raced away
        return "?"


def _os_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link points, directly or through other links, back to itself); to fix, " \
               "repair or remove the link"
    if exc.errno == errno.ENAMETOOLONG:
        return "the path is too long"
    return f"cannot read the file: {os.strerror(exc.errno or 0) or exc}"


def decode_source(data: bytes | str, display: str) -> str:
    """Decode spec bytes (UTF-8, optional BOM); reject binary content with a position."""
    if len(data) > MAX_SPEC_BYTES:
        raise _too_large(display, len(data))
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
        For a syntax error, a tab used for indentation, several documents in one file, or lists and
        mappings nested deeper than :data:`MAX_DEPTH` levels.
    """
    bound = _depth_bound(text)
    if bound is None or bound > _THREAD_MAX_LEVELS:
        deep = _first_too_deep(text)
        if deep is not None:
            mark, path = deep
            raise SpecInvalid([Diagnostic(
                display, mark.line + 1, mark.column + 1, path,
                f"nesting deeper than {MAX_DEPTH} levels (lists and mappings inside each other); a tenants.yaml "
                "needs at most 5. To fix, remove or flatten this value",
            )])
        return _compose(text, display)  # at most MAX_DEPTH levels deep, or a syntax error before that
    if bound <= _DIRECT_LEVELS:
        return _compose(text, display)
    return _compose_on_big_stack(text, display, bound)


def _compose(text: str, display: str) -> Node | None:
    loader = _NodeLoader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise SpecInvalid([_syntax_diagnostic(exc, text, display)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml always gives marks; keep users safe anyway
        raise SpecInvalid([Diagnostic(display, 1, 1, "yaml", f"cannot parse YAML: {exc}")]) from None
    finally:
        loader.dispose()


# ------------------------------------------------------------------------------------- nesting depth

# libyaml's composer uses about 330 bytes of C stack per level; 512 leaves room for the calls around it.
_STACK_PER_LEVEL = 512
_STACK_BASE = 16 << 20
_THREAD_MAX_LEVELS = (1 << 30) // _STACK_PER_LEVEL  # a 1 GiB thread stack at most (virtual, touched on demand)
_DIRECT_LEVELS = 200  # this deep is safe on any thread's stack (even musl's 128 KiB)
_BLOCK_INDENT = 24  # a line indented this far, or two compact indicators ('- -'), calls for a precise scan
_BLOCK_MAX = 2 * (_BLOCK_INDENT + 2) + 2  # block nesting possible without either (two levels per column)
_BRACKETS = re.compile(r"[\[\]{}]")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_COMPACT = re.compile(r"[-?][ \t]+[-?](?:[ \t]|$)", re.M)
_DEEP_INDENT = "\n" + " " * _BLOCK_INDENT


def _depth_bound(text: str) -> int | None:
    """Return an upper bound of the nesting depth of ``text``, or ``None`` when a precise scan must decide.

    Flow nesting is at most the number of ``[`` and ``{``; block nesting without deep indentation or compact
    nested indicators is at most :data:`_BLOCK_MAX`. When the running bracket balance (an estimate: brackets
    inside quoted scalars and comments count too) or the block layout suggests more than :data:`MAX_DEPTH`
    levels, the caller runs the event scan. All of it is string counting and C-speed regular expressions.
    """
    opens = text.count("[") + text.count("{")
    if _DEEP_INDENT in text or text.startswith(_DEEP_INDENT[1:]) or _COMPACT.search(text):
        return None
    if opens + _BLOCK_MAX <= MAX_DEPTH:
        return opens + _BLOCK_MAX
    steps = map(_BRACKET_STEP.__getitem__, _BRACKETS.findall(text))
    flow = max(itertools.accumulate(steps, lambda depth, step: depth + step if depth + step > 0 else 0), default=0)
    if flow + _BLOCK_MAX > MAX_DEPTH:
        return None
    return opens + _BLOCK_MAX


def _compose_on_big_stack(text: str, display: str, levels: int) -> Node | None:
    """Compose on a thread whose stack holds ``levels`` levels of libyaml's recursive composer."""
    size = _STACK_BASE + levels * _STACK_PER_LEVEL
    size = (size + 0xFFFFF) & ~0xFFFFF  # whole MiB
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["node"] = _compose(text, display)
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc

    previous = threading.stack_size(size)
    try:
        worker = threading.Thread(target=run, name="tenantctl-compose", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("node")


class _Frame:
    __slots__ = ("index", "is_map", "key", "path")

    def __init__(self, path: str, is_map: bool):
        self.path = path
        self.is_map = is_map
        self.index = 0  # items seen (a mapping counts keys and values)
        self.key = ""


def _walk_events(text: str) -> Iterator[tuple[Any, str, int]]:
    """Yield ``(event, field path, depth)`` for each node event of the first document (no node tree).

    The depth is the number of enclosing lists and mappings, plus one for a list or mapping itself. Stops
    quietly at a syntax error (``compose`` reports it).
    """
    parser = CParser(text)
    stack: list[_Frame] = []
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                stack.pop()
                continue
            if not isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent)):
                continue
            path = ""
            if stack:
                top = stack[-1]
                if top.is_map:
                    if top.index % 2 == 0:  # a key
                        top.key = event.value if isinstance(event, ScalarEvent) else "?"
                        path = top.path
                    else:
                        path = child(top.path, top.key)
                else:
                    path = f"{top.path}[{top.index}]"
                top.index += 1
            if isinstance(event, CollectionStartEvent):
                stack.append(_Frame(path, isinstance(event, MappingStartEvent)))
            yield event, path, len(stack)
    except yaml.YAMLError:
        return
    finally:
        parser.dispose()


def _first_too_deep(text: str) -> tuple[yaml.Mark, str] | None:
    """Return the start mark and field path of the first list or mapping deeper than MAX_DEPTH, or None."""
    for event, path, depth in _walk_events(text):
        if depth > MAX_DEPTH:
            return event.start_mark, _short_path(path)
    return None


def _short_path(path: str, keep: int = 8) -> str:
    """Return the first ``keep`` steps of a (very long) field path, then ``...``."""
    steps = re.findall(r"\[[^\]]*\]|\.?[^.\[]+", path)
    if len(steps) <= keep:
        return path
    return "".join(steps[:keep]) + "..."


def alias_positions(text: str) -> dict[str, tuple[int, int]]:
    """Map the field path of every alias (``*name``) in ``text`` to its 1-based (line, column).

    The composed node tree has no trace of aliases (an alias *is* the anchored node), so diagnostics about a
    value reached twice through an alias use this to point at the alias. Only called on error paths.
    """
    return {
        path: (event.start_mark.line + 1, event.start_mark.column + 1)
        for event, path, _ in _walk_events(text)
        if isinstance(event, AliasEvent)
    }


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
