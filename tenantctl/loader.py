"""Load ``tenants.yaml`` (a file, or a directory of files) into the engine's normalized spec.

Public API (used by the CLI, ``app.py`` and the plan renderer)::

    load_spec(path, *, strict=False) -> LoadResult
    load_spec_text(text, filename, *, strict=False) -> LoadResult
    load_spec_texts([(filename, text), ...], *, strict=False) -> LoadResult

All three raise :class:`tenantctl.diagnostics.SpecInvalid` (with ``.diagnostics``) when the spec has
errors, or, with ``strict=True``, warnings.

Pipeline: bytes -> text (:mod:`tenantctl.yamlsource`) -> libyaml node tree with positions -> the field
table of :mod:`tenantctl.spec` (types, enums, names, per-field rules) -> the rules that span fields and
files here (defaults inheritance, tag count after merging, one definition per tenant, ARN consistency,
warnings) -> :class:`ses_tenants_engine.model.Spec`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ses_tenants_engine import model

from tenantctl import spec as fields
from tenantctl.diagnostics import ERROR, WARNING, Diagnostic, SpecInvalid
from tenantctl.spec import INVALID, Ctx, Fields
from tenantctl.yamlsource import (
    IMPLICIT,
    Node,
    ScalarNode,
    SequenceNode,
    alias_positions,
    compose,
    decode_source,
    is_null,
    read_source,
)

__all__ = ["LoadResult", "SourceLocation", "load_spec", "load_spec_text", "load_spec_texts", "spec_files"]

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SourceLocation:
    """Where something is defined: ``file:line`` (``col`` for completeness)."""

    file: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class LoadResult:
    """A valid spec and what was learned while loading it.

    Attributes
    ----------
    spec : Spec
        The normalized desired state (what the Lambda receives).
    warnings : list[Diagnostic]
        Non-fatal findings (empty with ``strict=True``, where they are errors).
    sources : list[str]
        The files read, in merge order.
    tenant_locations : dict[str, SourceLocation]
        Where each tenant is defined (for plan rendering).
    """

    spec: model.Spec
    warnings: list[Diagnostic] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    tenant_locations: dict[str, SourceLocation] = field(default_factory=dict)

    def location(self, tenant: str) -> SourceLocation | None:
        """Where ``tenant`` is defined, or ``None``."""
        return self.tenant_locations.get(tenant)


# ----------------------------------------------------------------------------------------- entry points


def load_spec(path: str | os.PathLike[str], *, strict: bool = False) -> LoadResult:
    """Load and validate a spec file, or a directory of ``*.yaml`` / ``*.yml`` files merged into one.

    Parameters
    ----------
    path : str or PathLike
        A ``tenants.yaml`` file, or a directory whose YAML files (not recursive, hidden files skipped,
        read in name order) together form the spec.
    strict : bool
        Treat warnings as errors.

    Returns
    -------
    LoadResult

    Raises
    ------
    SpecInvalid
        For every user-caused problem, including a missing or unreadable path.
    """
    display = os.fspath(path)
    p = Path(display)
    if p.is_dir():
        files = spec_files(p)
        if not files:
            raise SpecInvalid([Diagnostic(display, 1, 1, "file", "directory contains no .yaml or .yml files; "
                                          "to fix, point at a tenants.yaml or a directory of spec files")])
        texts: list[tuple[str, str]] = []
        errors: list[Diagnostic] = []
        for f in files:
            shown = os.path.join(display, f.name)
            try:
                texts.append((shown, read_source(f, shown)))
            except SpecInvalid as exc:
                errors.extend(exc.diagnostics)
        if errors:
            raise SpecInvalid(errors)
        return load_spec_texts(texts, strict=strict)
    return load_spec_texts([(display, read_source(p, display))], strict=strict)


def load_spec_text(text: str | bytes, filename: str, *, strict: bool = False) -> LoadResult:
    """Load and validate a spec given as text (e.g. read from a git ref); ``filename`` names it in messages."""
    return load_spec_texts([(filename, decode_source(text, filename))], strict=strict)


def load_spec_texts(files: Iterable[tuple[str, str | bytes]], *, strict: bool = False) -> LoadResult:
    """Load several spec texts as one desired state (the files of a spec directory), in the given order."""
    docs: list[_Doc] = []
    diagnostics: list[Diagnostic] = []
    for filename, text in files:
        try:
            source = decode_source(text, filename)
            root = compose(source, filename)
        except SpecInvalid as exc:
            diagnostics.extend(exc.diagnostics)
            docs.append(_Doc(filename, Ctx(filename), INVALID))
            continue
        doc = _convert_document(root, filename)
        doc.text = source
        docs.append(doc)
    builder = _Builder(docs)
    spec = builder.build()
    for doc in docs:
        diagnostics.extend(doc.ctx.diagnostics)
    diagnostics.extend(builder.global_ctx.diagnostics)
    order = {doc.file: i for i, doc in enumerate(docs)}
    diagnostics.sort(key=lambda d: (order.get(d.file, len(order)), d.line, d.col))
    if strict:
        diagnostics = [d if d.is_error else d.as_error() for d in diagnostics]
    if any(d.is_error for d in diagnostics):
        raise SpecInvalid(diagnostics)
    assert spec is not None
    return LoadResult(
        spec=spec,
        warnings=[d for d in diagnostics if d.severity == WARNING],
        sources=[doc.file for doc in docs],
        tenant_locations=builder.locations,
    )


def spec_files(directory: Path) -> list[Path]:
    """List the ``*.yaml`` / ``*.yml`` entries of a spec directory (hidden ones skipped), in merge (name) order.

    Every such entry is listed whatever it is: reading a broken or looping symbolic link, a directory or a
    special file named ``*.yaml`` is an error naming it, never a silently smaller spec (which ``plan``
    would show as deleted tenants).
    """
    return sorted(
        (f for f in directory.iterdir() if f.suffix in YAML_SUFFIXES and not f.name.startswith(".")),
        key=lambda f: f.name,
    )


# ------------------------------------------------------------------------------------------ per file


@dataclass
class _Doc:
    file: str
    ctx: Ctx
    fields: Any  # Fields or INVALID
    text: str = ""  # the source, for the positions of aliases (error paths only)
    _aliases: dict[str, tuple[int, int]] | None = None

    def alias_at(self, path: str) -> tuple[int, int] | None:
        """Return the (line, column) of the alias at field ``path``, or None when ``path`` is no alias."""
        if self._aliases is None:
            self._aliases = alias_positions(self.text) if self.text else {}
        return self._aliases.get(path)


def _convert_document(root: Node | None, filename: str) -> _Doc:
    ctx = Ctx(filename)
    if root is not None and root.tag != IMPLICIT and not is_null(root):
        fields.unsupported_tag(root, "document", ctx)
        return _Doc(filename, ctx, INVALID)
    if root is None or (isinstance(root, ScalarNode) and is_null(root)):
        ctx.error(None, "document", "file is empty; a spec starts with `version: 1` followed by a `tenants:` list")
        return _Doc(filename, ctx, INVALID)
    if isinstance(root, SequenceNode):
        ctx.error(root, "document", "the top level is a list, but a spec is a mapping; to fix, start the file "
                  "with `version: 1` and put the list under `tenants:`")
        return _Doc(filename, ctx, INVALID)
    if isinstance(root, ScalarNode):
        ctx.error(root, "document", f"the top level is {fields.describe(root)}, but a spec is a mapping; "
                  "to fix, start the file with `version: 1` and a `tenants:` list")
        return _Doc(filename, ctx, INVALID)
    return _Doc(filename, ctx, fields.DOCUMENT.convert(root, "", ctx))


# ------------------------------------------------------------------------------- across fields and files


def _valid(v: Any) -> bool:
    return v is not None and v is not INVALID


class _Builder:
    """Applies the cross-field / cross-file rules and builds the normalized spec."""

    def __init__(self, docs: list[_Doc]):
        self.docs = docs
        self.global_ctx = Ctx("")  # diagnostics created here carry their own file
        self.locations: dict[str, SourceLocation] = {}
        self.broken = False
        self._first_arn: tuple[str, str, str, str, ScalarNode, str] | None = None

    # -- helpers

    def _error(self, file: str, node: Node | None, path: str, message: str) -> None:
        self.global_ctx.diagnostics.append(fields._diag(file, node, path, message, ERROR))
        self.broken = True

    def _warn(self, file: str, node: Node | None, path: str, message: str) -> None:
        self.global_ctx.diagnostics.append(fields._diag(file, node, path, message, WARNING))

    @staticmethod
    def _where(file: str, node: Node) -> str:
        return f"{file}:{node.start_mark.line + 1}"

    # -- build

    def build(self) -> model.Spec | None:
        docs = [d for d in self.docs if isinstance(d.fields, Fields)]
        if len(docs) != len(self.docs) or any(
            d.is_error for doc in self.docs for d in doc.ctx.diagnostics
        ):
            self.broken = True
        singles = self._singletons(docs)
        deployment = singles.get("deployment", model.DEFAULT_DEPLOYMENT)
        settings = self._settings(singles.get("settings"))
        defaults = self._defaults(singles.get("defaults"), singles.get("defaults@file", ""))
        tenants = self._tenants(docs, defaults)
        if not self.broken and not tenants and self.docs:
            first = self.docs[0]
            keys = first.fields.keys if isinstance(first.fields, Fields) else {}
            self._warn(first.file, keys.get("tenants"), "tenants",
                       "the spec defines no tenants; deploying it deletes every tenant this deployment manages "
                       "(up to settings.max_deletions)")
        if self.broken or not _valid(deployment) or settings is None:
            return None
        return model.Spec(tenants=tuple(tenants), settings=settings, deployment=deployment)

    def _singletons(self, docs: list[_Doc]) -> dict[str, Any]:
        """``deployment``, ``settings`` and ``defaults`` may each appear in one file of a directory only."""
        out: dict[str, Any] = {}
        first: dict[str, tuple[str, ScalarNode]] = {}
        for doc in docs:
            f: Fields = doc.fields
            for key in ("deployment", "settings", "defaults"):
                if key not in f.keys:
                    continue
                if key in first:
                    ffile, fnode = first[key]
                    self._error(doc.file, f.keys[key], key,
                                f"{key} is already set in {self._where(ffile, fnode)}; a spec directory sets it in "
                                "one file only. To fix, remove one of them")
                    continue
                first[key] = (doc.file, f.keys[key])
                if key in f.values:
                    out[key] = f.values[key]
                    out[f"{key}@file"] = doc.file
        return out

    def _settings(self, s: Any) -> model.Settings | None:
        if s is INVALID:
            return None
        if s is None:
            return model.Settings()
        values = s.values
        if any(v is INVALID for v in values.values()):
            return None
        return model.Settings(
            max_deletions=values.get("max_deletions", model.DEFAULT_MAX_DELETIONS),
            on_stack_delete=values.get("on_stack_delete", "retain"),
            drift_reconcile=values.get("drift_reconcile", False),
        )

    def _defaults(self, d: Any, file: str) -> dict[str, Any]:
        out: dict[str, Any] = {"reputation_policy": "standard", "sending": "ENABLED", "suppression": None,
                               "tags": {}, "file": file, "tags_node": None}
        if not isinstance(d, Fields):
            return out
        for key in ("reputation_policy", "sending", "tags"):
            v = d.values.get(key)
            if v is INVALID:
                self.broken = True
            elif v is not None:
                out[key] = v
        if "suppression" in d.values:
            sup = self._suppression(d.values["suppression"])
            if sup is INVALID:
                self.broken = True
            else:
                out["suppression"] = sup
        out["tags_node"] = d.nodes.get("tags")
        return out

    @staticmethod
    def _suppression(value: Any) -> Any:
        if value is INVALID:
            return INVALID
        if value == "none":
            return None
        scope, reasons = value.values.get("scope"), value.values.get("reasons")
        if not _valid(scope) or not _valid(reasons) or INVALID in reasons:
            return INVALID
        ordered = tuple(r for r in model.SUPPRESSION_REASONS if r in reasons)
        return model.Suppression(scope, ordered)

    def _tenants(self, docs: list[_Doc], defaults: dict[str, Any]) -> list[model.TenantSpec]:
        out: list[model.TenantSpec] = []
        seen: dict[str, tuple[str, Node, str]] = {}
        folded: dict[str, tuple[str, str, Node]] = {}
        d_policy, d_sending, d_sup, d_tags = (defaults["reputation_policy"], defaults["sending"],
                                              defaults["suppression"], defaults["tags"])
        max_tags = fields.MAX_TAGS
        for doc in docs:
            tenants = doc.fields.values.get("tenants")
            if not isinstance(tenants, list):
                continue
            file = doc.file
            for i, t in enumerate(tenants):
                if not isinstance(t, Fields):
                    continue
                values = t.values
                node = t.node
                path = f"tenants[{i}]"
                name = values.get("name")
                if not _valid(name):
                    continue
                name_node = t.nodes["name"]
                prev = seen.get(name)
                if prev is not None:
                    pfile, pnode, ppath = prev
                    if pnode is name_node:  # the same tenant node again: an alias (*name) repeats it
                        self._alias_twice(doc, name, path, ppath, node)
                        continue
                    self._error(file, name_node, f"{path}.name",
                                f"tenant {name!r} is defined twice: at {self._where(pfile, pnode)} and at "
                                f"{self._where(file, name_node)}; tenant names are unique. To fix, remove or "
                                "rename one")
                    continue
                seen[name] = (file, name_node, path)
                low = name.lower()
                other = folded.get(low)
                if other is not None:
                    oname, ofile, onode = other
                    self._warn(file, name_node, f"{path}.name",
                               f"tenant {name!r} differs from {oname!r} ({self._where(ofile, onode)}) only in case; "
                               "SES treats them as two tenants, which readers easily confuse")
                else:
                    folded[low] = (name, file, name_node)
                self.locations[name] = SourceLocation(file, node.start_mark.line + 1, node.start_mark.column + 1)
                if any(v is INVALID for v in values.values()):
                    self.broken = True
                    continue

                tags = values.get("tags")
                if tags:
                    merged = {**d_tags, **tags} if d_tags else tags
                    if len(merged) > max_tags and len(tags) <= max_tags:
                        self._error(file, t.nodes["tags"], f"{path}.tags",
                                    f"tenant {name!r} has {len(merged)} tags after merging defaults.tags "
                                    f"({len(d_tags)}) with its own ({len(tags)}); at most {max_tags} are allowed "
                                    f"(SES allows 50 and the deployment adds {model.OWNERSHIP_TAG_KEY}). To fix, "
                                    f"remove {len(merged) - max_tags}")
                        continue
                else:
                    merged = dict(d_tags)

                if "suppression" in values:
                    sup = self._suppression(values["suppression"])
                    if sup is INVALID:
                        self.broken = True
                        continue
                else:
                    sup = d_sup

                resources = self._resources(values.get("resources"), file, f"{path}.resources")
                if resources is None:
                    continue
                sending = values.get("sending", d_sending)
                if sending != "DISABLED":
                    kinds = {r.type for r in resources}
                    missing = [w for k, w in (("EMAIL_IDENTITY", "an identity"),
                                              ("CONFIGURATION_SET", "a configuration set")) if k not in kinds]
                    if missing:
                        self._warn(file, node, path,
                                   f"tenant {name!r} can send (sending: {sending.lower()}) but has no "
                                   f"{' and no '.join(m.split(' ', 1)[1] for m in missing)}; SES rejects its "
                                   "sends until both an identity and a configuration set are associated. To fix, "
                                   f"add {' and '.join(missing)} under resources, or set sending: disabled")
                access = self._sender_access(values.get("sender_access"), name, file, f"{path}.sender_access")
                out.append(
                    model.TenantSpec(
                        name=name,
                        reputation_policy=values.get("reputation_policy", d_policy),
                        sending=sending,
                        suppression=sup,
                        tags=merged,
                        resources=resources,
                        adopt=values.get("adopt", False),
                        sender_access=access,
                    )
                )
        return out

    def _alias_twice(self, doc: _Doc, name: str, path: str, first_path: str, node: Node) -> None:
        """Report a tenant that an alias (``- *acme``) lists a second time, at the alias."""
        where = f"{doc.file}:{node.start_mark.line + 1}"
        at = doc.alias_at(path)
        if at is None:  # pragma: no cover - a repeated node always comes from an alias
            self._error(doc.file, node, path,
                        f"tenant {name!r} ({first_path}, {where}) is listed again through an alias; tenant names "
                        "are unique. To fix, remove the alias")
            return
        line, col = at
        self.global_ctx.diagnostics.append(Diagnostic(
            doc.file, line, col, path,
            f"tenant {name!r} is defined twice: this alias (*) repeats {first_path}, defined at {where}; tenant "
            "names are unique. To fix, remove the alias, or copy the tenant under another name",
        ))
        self.broken = True

    def _sender_access(self, access: Any, name: str, file: str, path: str) -> dict[str, Any] | None:
        if not isinstance(access, Fields):
            return None
        role, principals = access.values.get("role", False), access.values.get("principals")
        if not role:
            if principals:
                self._warn(file, access.keys["principals"], f"{path}.principals",
                           f"principals are listed but tenant {name!r} asks for no role (role is not true), so "
                           "nobody gets access; to fix, add `role: true` or remove principals")
            return None
        return {"role": True, "principals": list(principals)} if principals else {"role": True}

    def _resources(self, r: Any, file: str, path: str) -> tuple[model.Resource, ...] | None:
        if r is None:
            return ()
        out: list[model.Resource] = []
        for key, rtype in (("identities", "EMAIL_IDENTITY"), ("configuration_sets", "CONFIGURATION_SET"),
                           ("templates", "EMAIL_TEMPLATE")):
            refs = r.values.get(key)
            if not refs:
                continue
            list_node = r.nodes[key]
            by_name: dict[str, int] = {}
            for j, ref in enumerate(refs):
                if ref is INVALID:
                    continue
                item_node = list_node.value[j]
                if ref.startswith("arn:"):
                    self._check_arn(ref, item_node, file, f"{path}.{key}[{j}]")
                    short = ref.split("/", 1)[1]
                else:
                    short = ref
                fold = short.lower() if rtype == "EMAIL_IDENTITY" else short
                if fold in by_name:
                    k = by_name[fold]
                    first = refs[k]
                    why = ("once by name and once by ARN" if first.startswith("arn:") != ref.startswith("arn:")
                           else "differing only in case; domain names are case-insensitive")
                    self._warn(file, item_node, f"{path}.{key}[{j}]",
                               f"{ref!r} looks like the same {rtype.lower().replace('_', ' ')} as {first!r} "
                               f"(line {list_node.value[k].start_mark.line + 1}), {why}; to fix, list it once")
                else:
                    by_name[fold] = j
                out.append(model.Resource(rtype, ref))
        if any(v is INVALID for v in r.values.values()) or any(
            ref is INVALID for v in r.values.values() if isinstance(v, list) for ref in v
        ):
            self.broken = True
            return None
        return tuple(out)

    def _check_arn(self, arn: str, node: ScalarNode, file: str, path: str) -> None:
        partition, _, region, account = arn.split(":", 5)[1:5]
        first = self._first_arn
        if first is None:
            self._first_arn = (partition, region, account, file, node, path)
            return
        fpart, fregion, facct, ffile, fnode, _ = first
        for what, mine, theirs in (("partition", partition, fpart), ("region", region, fregion),
                                   ("account", account, facct)):
            if mine != theirs:
                self._error(file, node, path,
                            f"ARN {what} {mine!r} differs from {theirs!r} in the first ARN of the spec "
                            f"({self._where(ffile, fnode)}); SES tenants and their resources live in one "
                            f"partition, region and account. To fix, use resources of the deployment's {what}")
                return
