"""Where a spec comes from: a file or directory on disk, a git ref, nothing, or the live account.

``tenantctl plan --against SRC`` accepts:

``live``
    the account itself (read-only calls through the engine's live reader);
``empty``
    no tenants at all (the plan of a first deploy; also the base of a pull request that adds the file);
``PATH`` or ``file:PATH``
    another spec file or spec directory on disk;
``REF``, ``git:REF`` or ``REF:PATH``
    the spec at a git ref (``origin/main``, a tag, a commit), read with ``git`` from the repository that
    holds FILE: a single file with ``git show REF:PATH``, a spec directory with ``git archive`` into a
    temporary folder. ``REF:PATH`` reads a different path at the ref (a renamed file).

A bare word that exists on disk is a file; otherwise it must be a git ref. Errors (unknown ref, no such file
at the ref, an invalid spec there) are :class:`~tenantctl.cli.CliError` / :class:`SpecInvalid` with the
location written as ``REF:PATH:LINE:COL``.
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ses_tenants_engine.model import Spec

from tenantctl.cli import CliError
from tenantctl.diagnostics import Diagnostic, SpecInvalid
from tenantctl.render.report import Source

LIVE = "live"
EMPTY = "empty"


class NotAtRef(CliError):
    """The spec path does not exist at the git ref (e.g. a spec a pull request adds)."""


@dataclass
class LoadedSpec:
    """A spec and where it came from.

    Attributes
    ----------
    spec : Spec or None
        The normalized spec (``None`` for ``live``: the caller reads the account).
    source : Source
        Kind (``file``, ``git``, ``empty``, ``live``) and a label for messages and plan headers.
    warnings : list of Diagnostic
        Non-fatal findings of the loader.
    locations : dict
        Tenant name -> ``FILE:LINE`` where it is defined (``REF:PATH:LINE`` for a git ref).
    """

    spec: Spec | None
    source: Source
    warnings: list[Diagnostic] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)

    @property
    def is_live(self) -> bool:
        return self.source.kind == LIVE


def _loader() -> Any:
    try:
        from tenantctl import loader
    except ImportError as exc:  # pragma: no cover - the loader ships with tenantctl
        raise CliError(f"the tenants.yaml loader is not available: {exc}") from exc
    return loader


def load_path(path: str | os.PathLike[str], *, strict: bool = False, label: str | None = None) -> LoadedSpec:
    """Load a spec file or directory from disk.

    Parameters
    ----------
    path : path-like
        File or directory.
    strict : bool
        Warnings are errors.
    label : str, optional
        Name shown in plan headers (default: the path as given).

    Returns
    -------
    LoadedSpec

    Raises
    ------
    CliError
        If the path does not exist.
    SpecInvalid
        If the spec has errors (diagnostics name ``FILE:LINE:COL``).
    """
    p = Path(path)
    if not p.exists():
        raise CliError(f"{path}: no such file or directory")
    result = _loader().load_spec(p, strict=strict)
    return _loaded(result, Source("file", label or str(path)))


def _loaded(result: Any, source: Source, rename: Any = None) -> LoadedSpec:
    """Wrap a loader result; ``rename`` maps loader file names to the names users should see."""
    rename = rename or (lambda name: name)
    warnings = [dataclasses.replace(d, file=rename(d.file)) for d in getattr(result, "warnings", []) or []]
    locations = {
        name: f"{rename(loc.file)}:{loc.line}" for name, loc in (getattr(result, "tenant_locations", {}) or {}).items()
    }
    return LoadedSpec(result.spec, source, warnings, locations)


# --------------------------------------------------------------------------------------------- git


def _git(repo: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess[Any]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=not binary,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError as exc:
        raise CliError("git is not installed; --against a git ref needs it") from exc


def _repo_of(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    start = start if str(start) else Path(".")
    if not start.exists():
        raise CliError(f"{path}: no such file or directory")
    proc = _git(start.resolve(), "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise CliError(f"{start}: not inside a git repository, so --against cannot name a git ref")
    return Path(proc.stdout.strip())


def _ref_exists(repo: Path, ref: str) -> bool:
    if ref.startswith("-"):
        return False
    return _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").returncode == 0


def _object_type(repo: Path, ref: str, relpath: str) -> str | None:
    proc = _git(repo, "cat-file", "-t", f"{ref}:{relpath}")
    return proc.stdout.strip() if proc.returncode == 0 else None


def _renamer(root: str, prefix: str) -> Any:
    """Map temporary-folder file names to ``REF:PATH`` form."""

    def rename(name: str) -> str:
        if name.startswith(root):
            return prefix + name[len(root) :].lstrip("/\\").replace(os.sep, "/")
        return name

    return rename


def load_git(ref: str, path: str | os.PathLike[str], *, strict: bool = False) -> LoadedSpec:
    """Load the spec at ``path`` as it is at git ``ref`` (``path`` is a path in the working tree).

    Parameters
    ----------
    ref : str
        Branch, remote branch, tag or commit.
    path : path-like
        The spec file or directory (working-tree path; it need not exist in the working tree).
    strict : bool
        Warnings are errors.

    Returns
    -------
    LoadedSpec
        Source label ``REF:RELPATH`` (path relative to the repository root).

    Raises
    ------
    CliError
        Not a repository, unknown ref, or nothing at that path in the ref.
    SpecInvalid
        The spec at the ref has errors; diagnostics are named ``REF:RELPATH:LINE:COL``.
    """
    p = Path(path)
    repo = _repo_of(p)
    abs_path = (p if p.is_absolute() else Path.cwd() / p).resolve()
    try:
        rel = abs_path.relative_to(repo.resolve()).as_posix()
    except ValueError as exc:
        raise CliError(f"{path} is outside the git repository {repo}") from exc
    if not _ref_exists(repo, ref):
        remote_hint = ""
        if "/" in ref:
            remote, _, branch = ref.partition("/")
            remote_hint = f" (in a shallow CI checkout: git fetch {remote} {branch})"
        raise CliError(f"--against {ref!r}: not a file on disk and not a git ref in {repo}{remote_hint}")
    label = f"{ref}:{rel}"
    kind = _object_type(repo, ref, rel) if rel != "." else "tree"
    if kind is None:
        raise NotAtRef(f"{label}: no such file at git ref {ref!r} (a new spec? plan it with --against empty)")
    loader = _loader()
    if kind == "blob":
        proc = _git(repo, "show", f"{ref}:{rel}", binary=True)
        if proc.returncode != 0:
            raise CliError(f"{label}: git show failed: {proc.stderr.decode(errors='replace').strip()}")
        text = proc.stdout.decode("utf-8", errors="strict") if _is_utf8(proc.stdout) else None
        if text is None:
            raise CliError(f"{label}: not UTF-8 text")
        return _loaded(loader.load_spec_text(text, label, strict=strict), Source("git", label))
    if kind != "tree":
        raise CliError(f"{label}: is a {kind}, not a spec file or directory")
    proc = _git(repo, "archive", "--format=tar", ref, "--", rel, binary=True)
    if proc.returncode != 0:
        raise CliError(f"{label}: git archive failed: {proc.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory(prefix="tenantctl-ref-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        root = str(Path(tmp) / rel) if rel != "." else tmp
        rename = _renamer(root, label + "/")
        try:
            result = loader.load_spec(Path(root), strict=strict)
        except SpecInvalid as exc:
            raise SpecInvalid([dataclasses.replace(d, file=rename(d.file)) for d in exc.diagnostics]) from None
        return _loaded(result, Source("git", label), rename)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------------------------- resolve


def resolve_against(against: str, desired_path: str | os.PathLike[str], *, strict: bool = False) -> LoadedSpec:
    """Resolve ``--against SRC`` (see the module docstring for the forms).

    Parameters
    ----------
    against : str
        The ``--against`` value.
    desired_path : path-like
        The desired spec's path (locates the git repository and the path at the ref).
    strict : bool
        Warnings in the spec read from SRC are errors.

    Returns
    -------
    LoadedSpec
        ``spec`` is ``None`` for ``live`` (the caller reads the account); an empty :class:`Spec` for ``empty``.
    """
    value = against.strip()
    if not value:
        raise CliError("--against needs a value: a git ref, a file, `live` or `empty`")
    if value == LIVE:
        return LoadedSpec(None, Source(LIVE, "live"))
    if value == EMPTY:
        return LoadedSpec(Spec(), Source(EMPTY, "empty (no tenants)"))
    if value.startswith("file:"):
        return load_path(value[5:], strict=strict)
    if value.startswith("git:"):
        return _load_git_arg(value[4:], desired_path, strict=strict)
    if Path(value).exists():
        return load_path(value, strict=strict)
    return _load_git_arg(value, desired_path, strict=strict)


def _load_git_arg(value: str, desired_path: str | os.PathLike[str], *, strict: bool) -> LoadedSpec:
    """``REF`` (same path as the desired spec) or ``REF:PATH`` (path relative to the repository root)."""
    try:
        repo = _repo_of(Path(desired_path))
    except CliError as exc:
        raise CliError(
            f"--against {value!r}: no such file or directory, and {desired_path} is not inside a git repository "
            "(so it cannot be a git ref either)"
        ) from exc
    if ":" in value:
        ref, _, other = value.partition(":")
        if ref and _ref_exists(repo, ref):
            return load_git(ref, repo / other, strict=strict)
    return load_git(value, desired_path, strict=strict)


def print_diagnostics(diags: list[Diagnostic], stream: Any = None) -> None:
    """Print diagnostics one per line (``FILE:LINE:COL: field: message``), warnings marked as such."""
    import sys

    from tenantctl.diagnostics import format_diagnostic

    out = stream if stream is not None else sys.stderr
    for d in diags:
        out.write(format_diagnostic(d) + "\n")


def spec_invalid_error(exc: SpecInvalid, what: str) -> CliError:
    """Print every diagnostic of ``exc`` and return the one-line :class:`CliError` that ends the command."""
    print_diagnostics(exc.diagnostics)
    n = len(exc.errors)
    first = exc.errors[0] if exc.errors else None
    where = f" (first: {first.file}:{first.line})" if first else ""
    return CliError(f"{what} is invalid: {n} error{'s' if n != 1 else ''}{where}")


# --------------------------------------------------------------------------------------------- environments


def add_environment_arguments(parser: Any, *, all_envs: bool = False) -> None:
    """Add ``--env NAME`` (and ``--all-envs``) and ``--config CDK_JSON`` to a subcommand parser.

    The environment's spec, account and region come from the ``environments`` list in ``cdk.json``'s context,
    the same configuration ``cdk synth`` reads (see :mod:`tenantctl.environments`).
    """
    from tenantctl.environments import CONFIG_FILE

    group = parser.add_argument_group("environments (the `environments` list in cdk.json's context)")
    group.add_argument(
        "--env",
        metavar="NAME",
        default=None,
        help="use environment NAME: its spec, account and region (--region still overrides the region)",
    )
    if all_envs:
        group.add_argument("--all-envs", action="store_true", help="every configured environment, grouped")
    group.add_argument(
        "--config",
        metavar="CDK_JSON",
        default=CONFIG_FILE,
        help=f"where the environments are configured (default: ./{CONFIG_FILE})",
    )


def configured_environments(args: Any) -> tuple[Any, ...]:
    """Return every environment of ``args.config``; a configuration error becomes a one-line CliError."""
    from tenantctl.environments import ConfigError, load_environments

    try:
        environments = load_environments(args.config)
    except ConfigError as exc:
        raise CliError(f"{args.config}: {exc}") from None
    if not environments:
        raise CliError(f"{args.config}: no environments are configured (context 'environments')")
    return environments


def environment_from_args(args: Any, *, default_file: str | None = "tenants.yaml") -> Any:
    """Resolve ``--env``: set ``args.file`` (and ``args.region`` unless given) from the environment.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of a parser that went through :func:`add_environment_arguments`; ``file`` (when
        the command has one) must default to None so that ``FILE`` and ``--env`` are not both given.
    default_file : str, optional
        ``args.file`` when no environment is selected and no FILE was given.

    Returns
    -------
    tenantctl.environments.Environment or None
        The selected environment, or None without ``--env``.
    """
    from tenantctl.environments import ConfigError, select

    name = getattr(args, "env", None)
    has_file = hasattr(args, "file")
    if not name:
        if has_file and args.file is None:
            args.file = default_file
        return None
    try:
        env = select(configured_environments(args), name)
    except ConfigError as exc:
        raise CliError(f"{args.config}: {exc}") from None
    if has_file:
        if args.file is not None:
            raise CliError(f"pass either FILE or --env, not both (environment {name!r} deploys {env.spec})")
        args.file = env.display_path
    if hasattr(args, "region") and not args.region:
        args.region = env.region
    return env


def check_environment_account(env: Any, account: str) -> None:
    """Fail when the credentials reach another account than the environment deploys to."""
    if env is not None and account != env.account:
        raise CliError(
            f"environment {env.name!r} is account {env.account}, but the credentials are for account {account}: "
            "use the profile or role of that account (--profile / AWS_PROFILE)"
        )


def environment_spec_of(env: Any, loaded: LoadedSpec) -> LoadedSpec:
    """Return ``loaded`` with its spec as ``env`` deploys it (ownership tag value, deletion guard)."""
    if env is None or loaded.spec is None:
        return loaded
    from tenantctl.environments import ConfigError, environment_spec

    try:
        spec = environment_spec(loaded.spec, env)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    return dataclasses.replace(loaded, spec=spec)
