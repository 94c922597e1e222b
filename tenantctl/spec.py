"""The declarative model of ``tenants.yaml``: one field table that drives validation AND the JSON Schema.

Every field of the file is declared once below (:data:`DOCUMENT`), as a tree of small type objects
(:class:`Obj`, :class:`List`, :class:`Str`, :class:`Enum`, ...). Each type knows how to

- ``convert`` a YAML node into a Python value, reporting precise diagnostics (file:line:col, field path,
  message with a hint), and
- describe itself as JSON Schema (draft 2020-12) for editors (``tenantctl schema``).

So the schema can never disagree with the validator on what a field accepts. Rules that span several
fields or files (defaults merging, tag counts, ARN consistency, duplicate tenants, warnings) are applied
afterwards by :mod:`tenantctl.loader`, which turns the converted documents into the engine's normalized
:class:`ses_tenants_engine.model.Spec`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ses_tenants_engine import model

from tenantctl.diagnostics import ERROR, WARNING, Diagnostic, child, did_you_mean, one_of
from tenantctl.yamlsource import (
    IMPLICIT,
    MAP_TAG,
    SEQ_TAG,
    STR_TAG,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    core_type,
    is_null,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORMAT_VERSION = 1  # the `version:` of tenants.yaml this code reads


class _Invalid:
    """Marker for a value that failed validation (already reported)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


INVALID: Any = _Invalid()


# ------------------------------------------------------------------------------------------- context


@dataclass
class Ctx:
    """Where diagnostics of one file go."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, node: Node | None, path: str, message: str) -> Any:
        self.diagnostics.append(_diag(self.file, node, path, message, ERROR))
        return INVALID

    def warn(self, node: Node | None, path: str, message: str) -> None:
        self.diagnostics.append(_diag(self.file, node, path, message, WARNING))


def _diag(file: str, node: Node | None, path: str, message: str, severity: str) -> Diagnostic:
    if node is None:
        return Diagnostic(file, 1, 1, path or "document", message, severity)
    mark = node.start_mark
    return Diagnostic(file, mark.line + 1, mark.column + 1, path or "document", message, severity)


def describe(node: Node) -> str:
    """How a node reads to a person: ``a list``, ``the number 42``, ``the string 'x'``, ``null``."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    kind = core_type(node)
    if kind == "null":
        return "an empty value (null)"
    if kind == "bool":
        return f"the boolean {node.value}"
    if kind in ("int", "float"):
        return f"the number {node.value}"
    return f"the string {node.value!r}"


# --------------------------------------------------------------------------------------------- types


class Type:
    """A field type: converts YAML nodes and describes itself as JSON Schema."""

    #: What the type is, for messages ("a string", "a list of ...").
    noun = "a value"

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _tag_ok(self, node: Node, path: str, ctx: Ctx, allowed: str) -> bool:
        """Tell whether ``node`` has no explicit tag (or ``allowed``); report any other tag.

        Every ``convert`` checks the tag before anything else, so a tagged value is reported as an
        unsupported tag, not as the wrong kind of value the tag happens to decorate.
        """
        tag = node.tag
        if tag in (IMPLICIT, allowed):
            return True
        unsupported_tag(node, path, ctx)
        return False


def unsupported_tag(node: Node, path: str, ctx: Ctx) -> Any:
    """Report an explicit YAML tag (``!Ref``, ``!!python/...``) that tenants.yaml does not accept."""
    return ctx.error(
        node, path,
        f"unsupported YAML tag {node.tag!r}; tenants.yaml takes plain values only. To fix, remove the tag",
    )


@dataclass(frozen=True)
class Str(Type):
    """A string. Plain scalars are taken verbatim (``no``, ``on``, ``0123``, ``12:30`` stay strings).

    Parameters
    ----------
    pattern : str
        Regular expression the whole value must match (shared with the JSON Schema).
    explain : callable, optional
        ``explain(value) -> message | None``: a precise reason for a value the pattern or length rejects,
        and extra checks (returning a message rejects the value even if the pattern matched).
    strict_scalars : bool
        If true, an unquoted value that YAML 1.2 reads as a number, boolean or null is an error with a
        "quote it" hint instead of being taken as text (tag keys and values).
    """

    pattern: str | None = None
    min_len: int = 1
    max_len: int | None = None
    explain: Callable[[str], str | None] | None = None
    strict_scalars: bool = False
    what: str = "a string"
    extra: Callable[[str], str | None] | None = None
    extra_schema: dict[str, Any] = field(default_factory=dict)

    @property
    def noun(self) -> str:  # type: ignore[override]
        return self.what

    _rx: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rx", _compiled(self.pattern))

    @property
    def regex(self) -> re.Pattern[str] | None:
        return self._rx

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and not self._tag_ok(node, path, ctx, STR_TAG):
            return INVALID
        if type(node) is not ScalarNode:
            return ctx.error(node, path, f"expected {self.what}, found {describe(node)}")
        value: str = node.value
        if not node.style and node.tag == IMPLICIT:
            kind = core_type(node) if self.strict_scalars else ("null" if is_null(node) else "str")
            if kind != "str":
                return ctx.error(node, path, self._quote_hint(node, kind))
        problem = self.problem(value)
        if problem:
            return ctx.error(node, path, problem)
        return value

    def _quote_hint(self, node: ScalarNode, kind: str) -> str:
        if kind == "null":
            return f"has no value; expected {self.what}. To fix, give a value or quote it: ''"
        return (
            f"{node.value} is read by YAML as a {'boolean' if kind == 'bool' else 'number'}, not text; "
            f"to fix, quote it: \"{node.value}\""
        )

    def problem(self, value: str) -> str | None:
        """Why ``value`` is not acceptable, or ``None``.

        The pattern and length limits (the same ones the JSON Schema carries) decide; ``explain`` words the
        reason for a rejected value and ``extra`` adds the checks a JSON Schema pattern cannot express.
        """
        n = len(value)
        rx = self._rx
        if n < self.min_len or (self.max_len is not None and n > self.max_len) or (rx and not rx.fullmatch(value)):
            reason = self.explain(value) if self.explain is not None else None
            if reason:
                return reason
            if n < self.min_len:
                return f"must not be empty; expected {self.what}"
            if self.max_len is not None and n > self.max_len:
                return f"is {n} characters long; at most {self.max_len} are allowed"
            return f"{value!r} is not {self.what}"
        return self.extra(value) if self.extra is not None else None

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string"}
        if self.min_len:
            out["minLength"] = self.min_len
        if self.max_len is not None:
            out["maxLength"] = self.max_len
        if self.pattern:
            out["pattern"] = self.pattern
        out.update(self.extra_schema)
        return out


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    rx = _REGEX_CACHE.get(pattern)
    if rx is None:
        rx = _REGEX_CACHE[pattern] = re.compile(pattern)
    return rx


@dataclass(frozen=True)
class Enum(Type):
    """One of a fixed set of lowercase words; ``to_model`` maps them to the normalized (API) spelling."""

    values: tuple[str, ...]
    to_model: dict[str, str] | None = None

    @property
    def noun(self) -> str:  # type: ignore[override]
        return one_of(self.values)

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and not self._tag_ok(node, path, ctx, STR_TAG):
            return INVALID
        if type(node) is not ScalarNode:
            return ctx.error(node, path, f"expected {one_of(self.values)}, found {describe(node)}")
        value = node.value
        if value in self.values:
            return self.to_model[value] if self.to_model else value
        if core_type(node) == "null":
            return ctx.error(node, path, f"has no value; expected {one_of(self.values)}")
        return ctx.error(
            node, path,
            f"unknown value {value!r}; expected {one_of(self.values)}{did_you_mean(value, self.values)}",
        )

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}


@dataclass(frozen=True)
class Bool(Type):
    """``true`` / ``false`` (YAML 1.2: ``yes``/``no``/``on``/``off`` are strings, so they are errors here)."""

    noun = "true or false"

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and not self._tag_ok(node, path, ctx, "tag:yaml.org,2002:bool"):
            return INVALID
        if type(node) is not ScalarNode:
            return ctx.error(node, path, f"expected true or false, found {describe(node)}")
        value = node.value
        if not node.style:
            if value in ("true", "True", "TRUE"):
                return True
            if value in ("false", "False", "FALSE"):
                return False
            if value.lower() in ("yes", "no", "on", "off", "y", "n"):
                return ctx.error(
                    node, path,
                    f"{value!r} is not a boolean in YAML 1.2; to fix, write "
                    f"{'true' if value.lower() in ('yes', 'on', 'y') else 'false'}",
                )
        elif value in ("true", "false"):
            return ctx.error(node, path, f"expected true or false, found the quoted string {value!r}; "
                             "to fix, remove the quotes")
        return ctx.error(node, path, f"expected true or false, found {describe(node)}")

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Int(Type):
    """An integer (YAML 1.2 core: decimal, ``0o`` octal, ``0x`` hex), with an optional minimum."""

    minimum: int | None = None
    maximum: int | None = None
    noun = "an integer"
    choices_message: str = ""  # with minimum == maximum: message for any other number ({n} = the number)

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and not self._tag_ok(node, path, ctx, "tag:yaml.org,2002:int"):
            return INVALID
        if type(node) is not ScalarNode:
            return ctx.error(node, path, f"expected an integer, found {describe(node)}")
        if node.style:
            if node.value.strip().lstrip("+-").isdigit():
                return ctx.error(node, path, f"expected an integer, found the quoted string {node.value!r}; "
                                 "to fix, remove the quotes")
            return ctx.error(node, path, f"expected an integer, found {describe(node)}")
        if core_type(node) != "int":
            return ctx.error(node, path, f"expected an integer, found {describe(node)}")
        text = node.value
        base = 8 if text.startswith("0o") else 16 if text.startswith("0x") else 10
        number = int(text[2:] if base != 10 else text, base)
        if self.choices_message and self.minimum == self.maximum and number != self.minimum:
            return ctx.error(node, path, self.choices_message.format(n=number))
        if self.minimum is not None and number < self.minimum:
            return ctx.error(node, path, f"must be at least {self.minimum}, found {number}")
        if self.maximum is not None and number > self.maximum:
            return ctx.error(node, path, f"must be at most {self.maximum}, found {number}")
        return number

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True)
class List(Type):
    """A list of items of one type; ``unique`` rejects an item listed twice (naming the first line)."""

    item: Type
    unique: bool = False
    min_items: int = 0
    mapping_hint: str = ""  # extra text when a mapping was given instead of a list
    scalar_hint: bool = True  # suggest `[value]` when a single scalar was given

    @property
    def noun(self) -> str:  # type: ignore[override]
        return "a list"

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and not self._tag_ok(node, path, ctx, SEQ_TAG):
            return INVALID
        if type(node) is not SequenceNode:
            message = f"expected a list, found {describe(node)}"
            if type(node) is MappingNode and self.mapping_hint:
                message += "; " + self.mapping_hint
            elif type(node) is ScalarNode and self.scalar_hint:
                message += f"; to fix, write a list: [{node.value}]"
            return ctx.error(node, path, message)
        items = node.value
        if len(items) < self.min_items:
            return ctx.error(node, path, f"must not be empty; list at least {self.min_items} of {self.item.noun}")
        convert = self.item.convert
        out = []
        seen: dict[Any, Node] | None = {} if self.unique else None
        for i, item_node in enumerate(items):
            ipath = f"{path}[{i}]"
            if is_null(item_node):
                ctx.error(item_node, ipath, "empty list item; to fix, remove the '-' or give a value")
                out.append(INVALID)
                continue
            value = convert(item_node, ipath, ctx)
            if seen is not None and value is not INVALID:
                first = seen.get(value)
                if first is not None:
                    ctx.error(item_node, ipath, f"{value!r} is listed twice (first at line "
                              f"{first.start_mark.line + 1}); to fix, remove one")
                    value = INVALID
                else:
                    seen[value] = item_node
            out.append(value)
        return out

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.unique:
            out["uniqueItems"] = True
        if self.min_items:
            out["minItems"] = self.min_items
        return out


@dataclass(frozen=True)
class Fields:
    """A converted mapping: values by field name, plus the key and value nodes for later diagnostics."""

    node: MappingNode
    values: dict[str, Any]
    keys: dict[str, ScalarNode]
    nodes: dict[str, Node]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.values


def _mapping_items(node: MappingNode, path: str, ctx: Ctx) -> list[tuple[ScalarNode, Node, str]]:
    """Key/value pairs of a mapping with string keys; reports bad keys, merge keys and duplicates."""
    out = []
    seen: dict[str, ScalarNode] = {}
    for key_node, value_node in node.value:
        if key_node.tag and key_node.tag != STR_TAG:
            unsupported_tag(key_node, child(path, key_node.value) if type(key_node) is ScalarNode else path, ctx)
            continue
        if type(key_node) is not ScalarNode:
            ctx.error(key_node, path, f"a key must be a plain word, found {describe(key_node)}")
            continue
        key = key_node.value
        if key == "<<" and not key_node.style:
            ctx.error(
                key_node, child(path, "<<"),
                "merge keys (<<) are not supported (they are not part of YAML 1.2 and hide values from "
                "reviewers); to fix, use `defaults:` for values every tenant shares, or an alias (*name) "
                "for a whole value",
            )
            continue
        first = seen.get(key)
        if first is not None:
            ctx.error(
                key_node, child(path, key),
                f"duplicate key {key!r} (first defined at line {first.start_mark.line + 1}); to fix, keep one",
            )
            continue
        seen[key] = key_node
        out.append((key_node, value_node, key))
    return out


@dataclass(frozen=True)
class Field:
    """One key of an :class:`Obj`.

    ``null_ok``: an empty value (``key:`` with nothing after it, or ``null``) means the same as leaving the
    key out. Otherwise an empty value is an error with ``null_hint``.
    """

    type: Type
    description: str
    required: bool = False
    default: Any = None
    null_ok: bool = False
    null_hint: str = ""
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Obj(Type):
    """A mapping with a fixed set of keys. Unknown keys are errors with a did-you-mean suggestion.

    ``misplaced`` maps keys that are known mistakes to a dedicated message (e.g. ``dedicated_ip_pools``).
    """

    fields: dict[str, Field]
    description: str = ""
    misplaced: dict[str, str] = field(default_factory=dict)
    wrong_kind_hint: str = ""

    noun = "a mapping"

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and not self._tag_ok(node, path, ctx, MAP_TAG):
            return INVALID
        if type(node) is not MappingNode:
            message = f"expected a mapping, found {describe(node)}"
            if self.wrong_kind_hint:
                message += "; " + self.wrong_kind_hint
            return ctx.error(node, path, message)
        values: dict[str, Any] = {}
        keys: dict[str, ScalarNode] = {}
        nodes: dict[str, Node] = {}
        fields = self.fields
        for key_node, value_node, key in _mapping_items(node, path, ctx):
            fpath = f"{path}.{key}" if path else key
            spec = fields.get(key)
            if spec is None:
                self._unknown(key_node, key, path, ctx)
                continue
            keys[key] = key_node
            nodes[key] = value_node
            if type(value_node) is ScalarNode and is_null(value_node):
                if spec.null_ok:
                    continue
                values[key] = ctx.error(
                    value_node if value_node.start_mark.line == key_node.start_mark.line else key_node,
                    fpath, f"has no value; {spec.null_hint or 'expected ' + spec.type.noun}",
                )
                continue
            values[key] = spec.type.convert(value_node, fpath, ctx)
        for name, spec in fields.items():
            if spec.required and name not in keys:
                ctx.error(node, path, f"missing required key {name!r}; {spec.null_hint or spec.description}")
        return Fields(node, values, keys, nodes)

    def _unknown(self, key_node: ScalarNode, key: str, path: str, ctx: Ctx) -> None:
        kpath = child(path, key)
        if key in self.misplaced:
            ctx.error(key_node, kpath, self.misplaced[key])
            return
        known = list(self.fields)
        hint = did_you_mean(key, known)
        where = f" in {path}" if path else " at the top level"
        ctx.error(key_node, kpath, f"unknown key {key!r}{where}{hint or '; expected one of ' + one_of(known)}")

    def schema(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for name, spec in self.fields.items():
            sub = spec.type.schema()
            if spec.null_ok:
                sub = _nullable(sub)
            sub = {"description": spec.description, **sub}
            if spec.default is not None:
                sub["default"] = spec.default
            if spec.examples:
                sub["examples"] = list(spec.examples)
            props[name] = sub
        out: dict[str, Any] = {"type": "object"}
        if self.description:
            out["description"] = self.description
        out["properties"] = props
        out["additionalProperties"] = False
        required = [n for n, s in self.fields.items() if s.required]
        if required:
            out["required"] = required
        return out


def _nullable(sub: dict[str, Any]) -> dict[str, Any]:
    if "type" in sub and isinstance(sub["type"], str) and "enum" not in sub:
        return {**sub, "type": [sub["type"], "null"]}
    return {"anyOf": [sub, {"type": "null"}]}


@dataclass(frozen=True)
class StrMap(Type):
    """A mapping of string keys to string values (tags)."""

    key: Str
    value: Str
    max_items: int | None = None
    what: str = "a mapping"
    limit_note: str = ""

    @property
    def noun(self) -> str:  # type: ignore[override]
        return self.what

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and not self._tag_ok(node, path, ctx, MAP_TAG):
            return INVALID
        if type(node) is not MappingNode:
            message = f"expected {self.what}, found {describe(node)}"
            if type(node) is SequenceNode:
                message += "; to fix, write `key: value` pairs, e.g. {team: mail}"
            return ctx.error(node, path, message)
        out: dict[str, str] = {}
        kconvert, vconvert = self.key.convert, self.value.convert
        for key_node, value_node, key in _mapping_items(node, path, ctx):
            kpath = child(path, key)
            k = kconvert(key_node, kpath, ctx)
            if type(value_node) is ScalarNode and not value_node.style and value_node.tag == IMPLICIT and (
                value_node.value == "" and value_node.start_mark.line != key_node.start_mark.line
            ):
                # `key:` with nothing after it: say so at the key, not at the next line.
                ctx.error(key_node, kpath, "has no value; to fix, give a value or write '' for an empty one")
                continue
            v = vconvert(value_node, kpath, ctx)
            if k is not INVALID and v is not INVALID:
                out[k] = v
        if self.max_items is not None and len(out) > self.max_items:
            ctx.error(node, path, f"has {len(out)} entries; at most {self.max_items} are allowed{self.limit_note}")
        return out

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "propertyNames": self.key.schema(),
            "additionalProperties": self.value.schema(),
        }
        if self.max_items is not None:
            out["maxProperties"] = self.max_items
        return out


@dataclass(frozen=True)
class Either(Type):
    """A scalar form or a mapping form of the same field (``suppression: none`` or ``{scope, reasons}``)."""

    scalar: Type
    mapping: Obj
    what: str = ""

    @property
    def noun(self) -> str:  # type: ignore[override]
        return self.what or f"{self.scalar.noun} or a mapping"

    def convert(self, node: Node, path: str, ctx: Ctx) -> Any:
        if node.tag and node.tag not in (MAP_TAG, STR_TAG):
            return unsupported_tag(node, path, ctx)
        if type(node) is MappingNode:
            return self.mapping.convert(node, path, ctx)
        if type(node) is ScalarNode:
            if type(self.scalar) is Enum and node.value not in self.scalar.values:
                return ctx.error(node, path, f"expected {self.noun}, found {describe(node)}")
            return self.scalar.convert(node, path, ctx)
        return ctx.error(node, path, f"expected {self.noun}, found {describe(node)}")

    def schema(self) -> dict[str, Any]:
        return {"oneOf": [self.scalar.schema(), self.mapping.schema()]}


# ------------------------------------------------------------------------------------- SES name rules

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}"
_ACCOUNT = r"[0-9]{12}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN = rf"(?:{_LABEL}\.)+{_TLD}"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL = rf"{_ATOM}(?:\.{_ATOM})*@{DOMAIN}"
SES_NAME = r"[A-Za-z0-9_-]{1,64}"  # configuration sets and templates (SES API / CloudFormation rules)


def _arn_prefix(segment: str) -> str:
    return rf"arn:(?:{'|'.join(PARTITIONS)}):ses:{_REGION}:{_ACCOUNT}:{segment}/"


IDENTITY_PATTERN = rf"^(?:{_arn_prefix('identity')})?(?:{DOMAIN}|{EMAIL})$"
CONFIGURATION_SET_PATTERN = rf"^(?:{_arn_prefix('configuration-set')})?{SES_NAME}$"
TEMPLATE_PATTERN = rf"^(?:{_arn_prefix('template')})?{SES_NAME}$"
TENANT_NAME_PATTERN = model.TENANT_NAME_RE.pattern
DEPLOYMENT_PATTERN = r"^[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
_RESERVED_TAG_PREFIXES = ("aws:", model.OWNERSHIP_TAG_KEY.split(":", 1)[0] + ":")
TAG_KEY_PATTERN = "^" + "".join(
    "(?!" + "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in p) + ")"
    for p in _RESERVED_TAG_PREFIXES
) + ".{1,128}$"
TAG_VALUE_PATTERN = r"^(?![aA][wW][sS]:).{0,256}$"
_TAG_PUNCT = frozenset("_.:/=+-@")

LIST_FOR_TYPE = {"EMAIL_IDENTITY": "identities", "CONFIGURATION_SET": "configuration_sets",
                 "EMAIL_TEMPLATE": "templates"}
DEDICATED_POOL_MESSAGE = (
    "dedicated IP pools cannot be associated with a tenant (SES associates only identities, configuration "
    "sets and templates); a pool reaches a tenant through a configuration set's sending pool. To fix, set the "
    "pool as the sending pool of one of the tenant's configuration sets and list that configuration set "
    "under resources.configuration_sets"
)
ARN_FORMAT = "arn:PARTITION:ses:REGION:ACCOUNT:TYPE/NAME"
_ARN_RE = re.compile(r"arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)", re.S)


def _explain_domain(domain: str) -> str | None:
    if len(domain) > 253:
        return f"domain is {len(domain)} characters long; at most 253 are allowed"
    if "." not in domain:
        return f"{domain!r} is not a domain name (no dot); identities are domains (example.com) or email addresses"
    for label in domain.split("."):
        if not label:
            return f"{domain!r} has an empty label (two dots in a row, or a leading/trailing dot)"
        if len(label) > 63:
            return f"domain label {label[:20]}... is {len(label)} characters long; at most 63 are allowed"
        if label[0] == "-" or label[-1] == "-":
            return f"domain label {label!r} must not start or end with '-'"
        bad = [c for c in label if not (c.isascii() and (c.isalnum() or c == "-"))]
        if bad:
            return (f"{domain!r} contains {bad[0]!r}; domain names use letters, digits and '-' only "
                    "(write internationalized domains in punycode, xn--...)")
    if not domain.rsplit(".", 1)[1][0].isalpha():
        return f"{domain!r} does not end in a top-level domain (the last label must start with a letter)"
    return None


def _identity_length(value: str) -> str | None:
    """Check the length limits a regular expression does not express (domain <= 253 characters)."""
    name = value.rsplit("/", 1)[-1] if value.startswith("arn:") else value
    domain = name.rpartition("@")[2]
    if len(domain) > 253:
        return f"domain is {len(domain)} characters long; at most 253 are allowed"
    return None


def _explain_identity_name(name: str) -> str | None:
    if not name:
        return "must not be empty; expected a domain (example.com) or an email address (user@example.com)"
    if name != name.strip():
        return f"{name!r} has leading or trailing spaces; to fix, remove them"
    if "@" in name:
        local, _, domain = name.rpartition("@")
        if not local:
            return f"{name!r} has nothing before '@'"
        if not domain:
            return (f"{name!r} has an empty domain part (nothing after '@'); an email identity is "
                    "user@example.com. To fix, add the domain")
        if len(local) > 64:
            return f"the part before '@' is {len(local)} characters long; at most 64 are allowed"
        if not re.fullmatch(rf"{_ATOM}(?:\.{_ATOM})*", local):
            return f"{name!r} is not a valid email address (check the part before '@')"
        return _explain_domain(domain)
    return _explain_domain(name)


def _explain_ses_name(name: str, kind: str) -> str | None:
    if len(name) > 64:
        return f"{kind} name is {len(name)} characters long; at most 64 are allowed"
    bad = [c for c in name if not (c.isascii() and (c.isalnum() or c in "_-"))]
    if bad:
        return f"{kind} name {name!r} contains {bad[0]!r}; SES allows letters, digits, '_' and '-' only"
    return None


def _resource_explainer(rtype: str) -> Callable[[str], str | None]:
    segment = model.RESOURCE_TYPES[rtype]
    kind = {"EMAIL_IDENTITY": "identity", "CONFIGURATION_SET": "configuration set",
            "EMAIL_TEMPLATE": "template"}[rtype]

    def name_problem(name: str) -> str | None:
        if rtype == "EMAIL_IDENTITY":
            return _explain_identity_name(name)
        return _explain_ses_name(name, kind)

    def explain(value: str) -> str | None:
        if not value.startswith("arn:"):
            if "dedicated-ip-pool" in value:
                return DEDICATED_POOL_MESSAGE
            return name_problem(value)
        m = _ARN_RE.fullmatch(value)
        if not m:
            return f"malformed ARN {value!r}; expected {ARN_FORMAT}"
        partition, service, region, account, resource = m.groups()
        seg, slash, name = resource.partition("/")
        if seg == "dedicated-ip-pool":
            return DEDICATED_POOL_MESSAGE
        if service != "ses":
            return f"{value!r} is not an SES ARN (service {service!r}); expected {ARN_FORMAT}"
        if partition not in PARTITIONS:
            return f"unknown partition {partition!r} in ARN{did_you_mean(partition, PARTITIONS)}"
        if not re.fullmatch(_REGION, region):
            return f"{region!r} in ARN is not an AWS region (e.g. us-east-1)"
        if not re.fullmatch(_ACCOUNT, account):
            return f"account {account!r} in ARN is not a 12-digit account id"
        if seg not in model.ARN_SEGMENT_TO_TYPE:
            return (f"SES resource type {seg!r} cannot be associated with a tenant; only identity, "
                    f"configuration-set and template ARNs can")
        if seg != segment:
            other = model.ARN_SEGMENT_TO_TYPE[seg]
            return f"this is {'an' if seg[0] in 'aeiou' else 'a'} {seg} ARN; to fix, list it under " \
                   f"resources.{LIST_FOR_TYPE[other]}"
        if not slash or not name:
            return f"ARN {value!r} has no resource name after '{seg}/'"
        problem = name_problem(name)
        return f"in ARN: {problem}" if problem else None

    return explain


def _explain_tag(value: str, what: str, limit: int, min_len: int) -> str | None:
    if len(value) < min_len:
        return f"tag {what} must not be empty"
    if len(value) > limit:
        return f"tag {what} is {len(value)} characters long; at most {limit} are allowed"
    if value[:4].lower() == "aws:":
        return f"tag {what} {value!r} starts with 'aws:', which AWS reserves; to fix, choose another prefix"
    return None


_TAG_CHARS_FAST = re.compile(r"[\w .:/=+@-]*")


def _tag_chars(value: str, what: str) -> str | None:
    """SES tag characters: Unicode letters, digits, white space and ``_ . : / = + -`` (and ``@``)."""
    if _TAG_CHARS_FAST.fullmatch(value):
        return None
    for c in value:  # white space is Unicode category Z (\p{Z}: spaces and separators), not controls
        if not (c.isalnum() or c in _TAG_PUNCT or unicodedata.category(c)[0] == "Z"):
            return (f"tag {what} {value!r} contains {c!r}; tags allow letters, digits, spaces and "
                    "_ . : / = + - @ only")
    return None


def _explain_tag_key(key: str) -> str | None:
    problem = _explain_tag(key, "key", 128, 1)
    if problem:
        return problem
    if key.lower().startswith(_RESERVED_TAG_PREFIXES[1]):
        return (f"tag key {key!r} uses the prefix {_RESERVED_TAG_PREFIXES[1]!r}, reserved for this tool's ownership "
                f"tag {model.OWNERSHIP_TAG_KEY!r}; to fix, choose another key")
    if "\n" in key:
        return "tag key spans several lines; to fix, write it on one line"
    return None


PRINCIPAL_PATTERN = r"^(?:[0-9]{12}|arn:aws[a-z-]*:iam::[0-9]{12}:(?:root|role/[^*?]+|user/[^*?]+))$"


def _explain_principal(value: str) -> str | None:
    if "*" in value or "?" in value:
        return f"wildcard principal {value!r} is not allowed; name accounts or IAM role/user ARNs"
    if value.isdigit():
        return f"account id {value!r} must have exactly 12 digits"
    if value.startswith("arn:") and ":iam::" not in value:
        return f"{value!r} is not an IAM ARN; expected arn:aws:iam::ACCOUNT:root, :role/NAME or :user/NAME"
    return None


def _explain_deployment(name: str) -> str | None:
    if not re.fullmatch(DEPLOYMENT_PATTERN, name):
        return (f"deployment {name!r} is not valid: 1-63 letters, digits and '-', starting with a letter and not "
                "ending with '-' (it names the ownership tag value and the deployment's resources)")
    return None


def _explain_tenant_name(name: str) -> str | None:
    if len(name) > 64:
        return f"tenant name is {len(name)} characters long; at most 64 are allowed"
    bad = [c for c in name if not (c.isascii() and (c.isalnum() or c in "_-"))]
    if bad:
        fixed = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:64]
        hint = f"; e.g. {fixed!r}" if fixed else ""
        return f"tenant name {name!r} contains {bad[0]!r}; use letters, digits, '_' and '-' only{hint}"
    return None


# ------------------------------------------------------------------------------------------ the table

REPUTATION_POLICY = Enum(model.REPUTATION_POLICIES)
SENDING = Enum(("enabled", "disabled", "reinstated"), {s.lower(): s for s in model.SENDING_STATUSES})
SCOPE = Enum(("account", "tenant"), {s.lower(): s for s in model.SUPPRESSION_SCOPES})
REASON = Enum(("bounce", "complaint"), {s.lower(): s for s in model.SUPPRESSION_REASONS})

TAG_KEY = Str(TAG_KEY_PATTERN, 1, 128, _explain_tag_key, strict_scalars=True, what="a tag key",
              extra=lambda v: _tag_chars(v, "key"))
TAG_VALUE = Str(TAG_VALUE_PATTERN, 0, 256, lambda v: _explain_tag(v, "value", 256, 0) or _tag_chars(v, "value"),
                strict_scalars=True,
                what="a tag value (text)", extra=lambda v: _tag_chars(v, "value"))
MAX_TAGS = 50 - 1  # SES allows 50 tags per tenant; the ownership tag takes one.
TAGS = StrMap(TAG_KEY, TAG_VALUE, MAX_TAGS, what="a mapping of tag keys to text values",
              limit_note=f" (SES allows 50 tags per tenant and the deployment adds {model.OWNERSHIP_TAG_KEY})")

SUPPRESSION = Either(
    Enum(("none",)),
    Obj(
        {
            "scope": Field(SCOPE, "Which suppression list applies: the account-level list or the tenant's own.",
                           required=True, null_hint="expected account or tenant"),
            "reasons": Field(List(REASON, unique=True, min_items=1),
                             "Suppress addresses that bounced, complained, or both.", required=True,
                             null_hint="expected a list such as [bounce, complaint]"),
        },
        description="Tenant suppression attributes; scope and reasons are set together.",
    ),
    what="`none` (clear) or a mapping {scope: account|tenant, reasons: [bounce, complaint]}",
)

SUPPRESSION_FIELD_DOC = (
    "Suppression attributes: {scope, reasons} sets them (scope and reasons together); `none` clears them. "
    "Omitted: inherit defaults.suppression."
)


def _resource_list(rtype: str, what: str, plural: str, example: str) -> Field:
    segment = model.RESOURCE_TYPES[rtype]
    pattern = {"EMAIL_IDENTITY": IDENTITY_PATTERN, "CONFIGURATION_SET": CONFIGURATION_SET_PATTERN,
               "EMAIL_TEMPLATE": TEMPLATE_PATTERN}[rtype]
    extra = _identity_length if rtype == "EMAIL_IDENTITY" else None
    item = Str(pattern, 1, None, _resource_explainer(rtype), what=what, extra=extra)
    return Field(
        List(item, unique=True),
        f"{plural} to associate, by name or full ARN (arn:PARTITION:ses:REGION:ACCOUNT:{segment}/NAME).",
        null_ok=True,
        examples=([example],),
    )


RESOURCES = Obj(
    {
        "identities": _resource_list("EMAIL_IDENTITY", "an SES email identity (domain or email address)",
                                     "Email identities (domains or addresses)", "mail.example.com"),
        "configuration_sets": _resource_list("CONFIGURATION_SET", "an SES configuration set name",
                                             "Configuration sets", "acme-transactional"),
        "templates": _resource_list("EMAIL_TEMPLATE", "an SES email template name", "Email templates",
                                    "acme-welcome"),
    },
    description="Resources associated with the tenant (email identities, configuration sets, email templates).",
    wrong_kind_hint="to fix, list them by kind below `resources:` (identities, configuration_sets, templates)",
    misplaced={
        "dedicated_ip_pools": DEDICATED_POOL_MESSAGE,
        "dedicated_ip_pool": DEDICATED_POOL_MESSAGE,
        "ip_pools": DEDICATED_POOL_MESSAGE,
    },
)

_MOVE_UNDER_RESOURCES = "{key} belongs under resources:; to fix, indent it below a `resources:` key of this tenant"

TENANT = Obj(
    {
        "name": Field(
            Str(TENANT_NAME_PATTERN, 1, 64, _explain_tenant_name, what="a tenant name"),
            "Tenant name: 1-64 of A-Z a-z 0-9 _ -, case-sensitive ('Acme' and 'acme' are different tenants).",
            required=True, null_hint="every tenant needs `name:` (1-64 of A-Z a-z 0-9 _ -)",
            examples=("acme",),
        ),
        "reputation_policy": Field(REPUTATION_POLICY, "SES-managed reputation policy. Default: defaults."
                                   "reputation_policy, else standard.", examples=("strict",)),
        "sending": Field(SENDING, "Customer-managed sending status: enabled, disabled (paused) or reinstated. "
                         "Default: defaults.sending, else enabled."),
        "suppression": Field(SUPPRESSION, SUPPRESSION_FIELD_DOC,
                             null_hint="write `suppression: none` to clear it, or remove the key to inherit "
                             "defaults.suppression"),
        "tags": Field(TAGS, f"Tags on the tenant, merged over defaults.tags (at most {MAX_TAGS} after merging; "
                      f"the ownership tag {model.OWNERSHIP_TAG_KEY} is added by the deployment).", null_ok=True),
        "resources": Field(RESOURCES, "Identities, configuration sets and templates of the tenant.", null_ok=True),
        "adopt": Field(Bool(), "Take over an existing tenant of this name that this deployment did not create.",
                       default=False),
        "sender_access": Field(
            Obj(
                {
                    "role": Field(Bool(), "Create an IAM role that may send only as this tenant "
                                  "(ses:SendEmail / ses:SendBulkEmail pinned with ses:TenantName).", default=False),
                    "principals": Field(
                        List(Str(PRINCIPAL_PATTERN, 12, None, _explain_principal,
                                 what="a 12-digit account id or an IAM ARN (root, role/NAME or user/NAME)"),
                             unique=True, min_items=1),
                        "Who may assume the tenant's role (default: the deployment's configured sender "
                        "principals). Never a wildcard.",
                        null_ok=True, examples=(["111122223333", "arn:aws:iam::111122223333:role/app-sender"],),
                    ),
                },
                description="Per-tenant sender access, consumed by the access stack.",
            ),
            "Opt-in per-tenant sender role (the access stack creates it).",
            null_ok=True,
        ),
    },
    description="One SES tenant.",
    misplaced={
        "identities": _MOVE_UNDER_RESOURCES.format(key="identities"),
        "configuration_sets": _MOVE_UNDER_RESOURCES.format(key="configuration_sets"),
        "templates": _MOVE_UNDER_RESOURCES.format(key="templates"),
        "dedicated_ip_pools": DEDICATED_POOL_MESSAGE,
        "dedicated_ip_pool": DEDICATED_POOL_MESSAGE,
    },
    wrong_kind_hint="each tenant is a mapping; to fix, write `- name: acme` and its keys below it",
)

DEFAULTS = Obj(
    {
        "reputation_policy": Field(REPUTATION_POLICY, "Reputation policy of tenants that set none.",
                                   default="standard"),
        "sending": Field(SENDING, "Sending status of tenants that set none.", default="enabled"),
        "suppression": Field(SUPPRESSION, "Suppression attributes of tenants that set none; `none` = cleared.",
                             null_hint="write `suppression: none` to clear it, or remove the key"),
        "tags": Field(TAGS, "Tags every tenant gets (a tenant's own tags override these per key).", null_ok=True),
    },
    description="Values every tenant inherits unless it sets its own.",
)

SETTINGS = Obj(
    {
        "max_deletions": Field(Int(minimum=0), "Deletion guard: a deploy that would delete more tenants than "
                               "this fails before changing anything.", default=model.DEFAULT_MAX_DELETIONS),
        "on_stack_delete": Field(Enum(model.ON_STACK_DELETE), "What stack deletion does to the tenants: retain "
                                 "(default; reputation history cannot be recreated) or destroy.",
                                 default="retain"),
        "drift_reconcile": Field(Bool(), "On every update, read and reconcile all tenants (not only the ones "
                                 "whose spec changed).", default=False),
    },
    description="Deployment settings.",
)

DOCUMENT = Obj(
    {
        "version": Field(
            Int(minimum=FORMAT_VERSION, maximum=FORMAT_VERSION,
                choices_message=f"unsupported version {{n}}; this tenantctl reads version {FORMAT_VERSION}"),
            "Format version of this file: 1.",
            required=True, null_hint="to fix, add `version: 1` at the top of the file", examples=(1,),
        ),
        "deployment": Field(
            Str(DEPLOYMENT_PATTERN, 1, 63, _explain_deployment, what="a deployment name"),
            f"Value of the ownership tag {model.OWNERSHIP_TAG_KEY} on every tenant this deployment manages. "
            f"Default: {model.DEFAULT_DEPLOYMENT}.",
            default=model.DEFAULT_DEPLOYMENT,
        ),
        "settings": Field(SETTINGS, "Deployment settings (deletion guard, stack deletion, drift).", null_ok=True),
        "defaults": Field(DEFAULTS, "Values every tenant inherits.", null_ok=True),
        "tenants": Field(
            List(TENANT, mapping_hint="to fix, write each tenant as a list item: `- name: acme`",
                 scalar_hint=False),
            "The tenants, one list item each.", null_ok=True,
        ),
    },
    description="Declarative SES v2 tenants (tenants.yaml). See docs/tenants-yaml.md.",
    misplaced={
        "spec_version": "spec_version belongs to the normalized JSON spec; tenants.yaml uses `version: 1`",
    },
)


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``tenants.yaml``, generated from :data:`DOCUMENT`."""
    body = DOCUMENT.schema()
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "urn:ses-tenants:tenants.schema.json",
        "title": "ses-tenants tenants.yaml",
        **body,
    }


def _type_summary(t: Type) -> str:
    if isinstance(t, Enum):
        return " \\| ".join(f"`{v}`" for v in t.values)
    if isinstance(t, Bool):
        return "`true` \\| `false`"
    if isinstance(t, Int):
        if t.minimum is not None and t.minimum == t.maximum:
            return f"`{t.minimum}`"
        return "integer" + (f" ≥ {t.minimum}" if t.minimum is not None else "")
    if isinstance(t, List):
        item = _type_summary(t.item)
        item = item.split(" ", 1)[1] if item.startswith(("a ", "an ")) else item
        return f"list of {item}" + (", no repeats" if t.unique else "")
    if isinstance(t, StrMap):
        return f"mapping (at most {t.max_items} entries)" if t.max_items else "mapping"
    if isinstance(t, Either):
        return f"{_type_summary(t.scalar)} or mapping"
    if isinstance(t, Obj):
        return "mapping"
    if isinstance(t, Str):
        return t.what
    return t.noun  # pragma: no cover


def _yaml_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def field_reference_markdown() -> str:
    """Return the field reference table of ``tenants.yaml`` as Markdown, generated from :data:`DOCUMENT`."""
    rows = ["| key | accepts | default | meaning |", "|---|---|---|---|"]

    def walk(obj: Obj, prefix: str) -> None:
        for name, f in obj.fields.items():
            t = f.type
            key = f"{prefix}{name}"
            inner = t.item if isinstance(t, List) and isinstance(t.item, Obj) else t
            shown = "list of mappings" if inner is not t else _type_summary(t)
            default = "required" if f.required else (f"`{_yaml_value(f.default)}`" if f.default is not None else "")
            rows.append(f"| `{key}` | {shown} | {default} | {f.description} |")
            if isinstance(inner, Obj):
                walk(inner, f"{key}[]." if inner is not t else f"{key}.")
            elif isinstance(t, Either):
                walk(t.mapping, f"{key}.")

    walk(DOCUMENT, "")
    return "\n".join(rows) + "\n"
