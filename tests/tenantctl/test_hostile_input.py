"""Hostile spec input: deep nesting, special files, oversized files, symlinks in spec directories, control
characters in diagnostics, and one warning format for validate / plan / cdk synth.

Crash-prone inputs run ``tenantctl`` in a subprocess, so a regression shows up as a failed test (exit code
139), not as a dead test worker.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import specgen
from tenantctl import yamlsource
from tenantctl.diagnostics import ERROR, WARNING, Diagnostic, SpecInvalid, format_diagnostic
from tenantctl.loader import load_spec, load_spec_text

from .conftest import GOOD_TENANT, ROOT

HEADER = "version: 1\ntenants:\n" + GOOD_TENANT.format(name="acme")
DEPTH = 30_000  # deep enough to crash PyYAML's recursive C composer (it crashed near 25,000 levels)


def _tenantctl(*args: str, stdin: str | None = None, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("tenantctl")), *args],
        capture_output=True, text=True, input=stdin, timeout=timeout, cwd=ROOT, check=False,
    )


def _one_error_line(proc: subprocess.CompletedProcess[str], path: Path, fragment: str) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(f"{path}:") and fragment in ln]
    assert len(lines) == 1, proc.stdout[-3000:]
    return lines[0]


# ------------------------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("flow-list", "    tags: {a: " + "[" * DEPTH + "x" + "]" * DEPTH + "}\n"),
        ("flow-map", "    tags: {a: " + "{a: " * DEPTH + "x" + "}" * DEPTH + "}\n"),
        ("unclosed", "    tags: {a: " + "[" * DEPTH + "\n"),
        ("compact-block", "    tags:\n      a:\n        " + "- " * DEPTH + "x\n"),
        ("indented-block", "    tags:\n" + "".join(" " * (6 + i) + f"k{i}:\n" for i in range(400)) + " " * 406 + "x\n"),
    ],
)
def test_deep_nesting_is_one_error_not_a_crash(tmp_path: Path, kind: str, body: str) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(HEADER + body, encoding="utf-8")
    proc = _tenantctl("validate", str(path))
    line = _one_error_line(proc, path, "nesting deeper than 100 levels")
    lineno, col, rest = line[len(str(path)) + 1 :].split(":", 2)
    assert int(lineno) >= 6 and int(col) >= 1
    assert rest.lstrip().startswith("tenants[0].tags.")
    # plan reads the same loader: the same single error, and no crash either
    plan = _tenantctl("plan", str(path), "--against", "empty")
    assert plan.returncode == 1 and "nesting deeper than 100 levels" in plan.stderr, plan.stderr[-2000:]


def test_deep_nesting_hidden_by_quoted_brackets_cannot_crash(tmp_path: Path) -> None:
    # Quoted "]" scalars fool the cheap bracket balance; the compose thread's stack is still sized for every
    # '[' in the file, so the result is an ordinary error, never SIGSEGV.
    path = tmp_path / "fake.yaml"
    path.write_text(HEADER + "    tags: {a: " + '["]", ' * DEPTH + "x" + "]" * DEPTH + "}\n", encoding="utf-8")
    proc = _tenantctl("validate", str(path), timeout=120)
    _one_error_line(proc, path, "tenants[0].tags.a: expected a tag value (text), found a list")


def test_depth_limit_is_exact() -> None:
    def doc(levels: int) -> str:  # the document mapping is level 1, so `a:` holds levels - 1 more
        inner = levels - 1
        return "a: " + "[" * inner + "x" + "]" * inner + "\n"

    assert yamlsource.compose(doc(100), "ok.yaml") is not None
    with pytest.raises(SpecInvalid) as info:
        yamlsource.compose(doc(101), "deep.yaml")
    (d,) = info.value.errors
    assert (d.line, d.col, d.field) == (1, 103, "a[0][0][0][0][0][0][0]...")


def test_normal_large_spec_skips_the_precise_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    text = specgen.yaml_text(2000)

    def scan(_text: str) -> None:
        raise AssertionError("the precise depth scan ran on an ordinary spec")

    monkeypatch.setattr(yamlsource, "_first_too_deep", scan)
    assert yamlsource._depth_bound(text) is not None
    assert len(load_spec_text(text, "big.yaml").spec.tenants) == 2000


# ----------------------------------------------------------------------------------- special files


def test_fifo_is_rejected_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "tenants.yaml"
    os.mkfifo(fifo)
    proc = _tenantctl("validate", str(fifo), timeout=30)
    line = _one_error_line(proc, fifo, "not a regular file")
    assert line == (f"{fifo}:1:1: file: not a regular file (a FIFO (named pipe)); a spec is a YAML text file. "
                    "To fix, point at a tenants.yaml file or a directory of them")


@pytest.mark.parametrize("args", [("validate", "/dev/zero"), ("plan", "tenants.yaml", "--against", "/dev/zero")])
def test_character_device_is_rejected_without_reading(args: tuple[str, ...]) -> None:
    proc = _tenantctl(*args, timeout=30)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "/dev/zero:1:1: file: not a regular file (a character device)" in proc.stdout + proc.stderr


def test_cdk_app_rejects_a_device_as_spec(tmp_path: Path) -> None:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "CDK_CONTEXT_JSON": json.dumps({"tenants": "/dev/zero"}), "CDK_OUTDIR": str(tmp_path / "out")}
    proc = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1].startswith("/dev/zero:1:1: file: not a regular file (a character device)")


def test_oversized_file_is_rejected_by_size(tmp_path: Path) -> None:
    big = tmp_path / "tenants.yaml"
    with open(big, "wb") as f:  # sparse: no disk space used
        f.truncate(yamlsource.MAX_SPEC_BYTES + (1 << 20))
    with pytest.raises(SpecInvalid) as info:
        load_spec(big)
    (d,) = info.value.errors
    assert str(d) == (f"{big}:1:1: file: file too large: it is 65 MiB, and a spec may be at most 64 MiB "
                      "(a 10,000-tenant spec is about 5 MB); to fix, check that this is the right file")


def test_reads_stop_after_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_SPEC_BYTES", 64)

    class Endless:
        def __init__(self) -> None:
            self.requested: list[int] = []

        def read(self, n: int) -> bytes:
            self.requested.append(n)
            return b"#" * n

    stream = Endless()
    with pytest.raises(SpecInvalid) as info:
        yamlsource.read_stream(stream, "<stdin>")  # type: ignore[arg-type]
    assert stream.requested == [65]
    assert "holds more than 64 bytes" in info.value.errors[0].message


def test_stdin_is_capped_too() -> None:
    proc = _tenantctl("validate", "-", stdin=HEADER)
    assert proc.returncode == 0, proc.stdout


# ---------------------------------------------------------------------------------- spec directories


def test_spec_directory_reports_every_unreadable_yaml_entry(tmp_path: Path,
                                                            cli: Callable[..., tuple[int, str, str]]) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(HEADER, encoding="utf-8")
    (spec / "b.yaml").symlink_to(tmp_path / "gone.yaml")  # dangling
    (spec / "c.yaml").symlink_to(spec / "c.yaml")  # loops
    (spec / "d.yaml").mkdir()
    os.mkfifo(spec / "e.yml")
    (spec / ".hidden.yaml").symlink_to(tmp_path / "gone.yaml")  # hidden files stay skipped
    code, out, _ = cli("validate", str(spec))
    assert code == 1
    errors = [ln for ln in out.splitlines() if ln.startswith(str(spec))][:-1]
    assert errors == [
        f"{spec}/b.yaml:1:1: file: broken symbolic link (it points to '{tmp_path}/gone.yaml', which does not exist);"
        " to fix, repair or remove the link",
        f"{spec}/c.yaml:1:1: file: symbolic link loop (the link points, directly or through other links, back to "
        "itself); to fix, repair or remove the link",
        f"{spec}/d.yaml:1:1: file: is a directory, not a spec file; to fix, point at a tenants.yaml file (a spec "
        "directory holds *.yaml files, not directories named *.yaml)",
        f"{spec}/e.yml:1:1: file: not a regular file (a FIFO (named pipe)); a spec is a YAML text file. To fix, "
        "point at a tenants.yaml file or a directory of them",
    ]


def test_spec_directory_follows_good_symlinks(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (tmp_path / "real.yaml").write_text(HEADER, encoding="utf-8")
    (spec / "a.yaml").symlink_to(tmp_path / "real.yaml")
    assert [t.name for t in load_spec(spec).spec.tenants] == ["acme"]


# ---------------------------------------------------------------------------------- one-line output


def test_every_diagnostic_is_one_line(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    nasty = ["new\nline", "tab\there", "esc\x1b[31m", "nel\x85x", "ls\u2028x", "cr\rx", "bell\x07"]
    tags = "".join(f"      {json.dumps(k)}: {json.dumps(v)}\n" for k, v in zip(nasty, reversed(nasty), strict=True))
    path = tmp_path / "nasty\nname.yaml"
    path.write_text(HEADER + "    tags:\n" + tags + '    "unknown\\nkey": 1\n', encoding="utf-8")
    code, out, _ = cli("validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(out.split("\n")) - 1  # no \r, \x85, \u2028 ... splitting lines either
    errors = lines[:-1]
    assert len(errors) >= len(nasty) + 1
    for line in errors:
        assert line.startswith(str(path).replace("\n", "\\n") + ":")
        assert not any(c in line for c in "\x1b\x07\t\r")
    assert any('tenants[0].tags["new\\nline"]: ' in ln for ln in errors)
    assert any('tenants[0]["unknown\\nkey"]: unknown key ' in ln for ln in errors)


def test_diagnostic_escapes_only_unsafe_characters() -> None:
    d = Diagnostic("f.yaml", 1, 2, 'tags["a\nb"]', "value 'é \u00e9' has \x00 and \u2029")
    assert str(d) == "f.yaml:1:2: tags[\"a\\nb\"]: value 'é é' has \\x00 and \\u2029"
    assert d.to_json()["message"] == "value 'é é' has \\x00 and \\u2029"


# --------------------------------------------------------------------------------- warning format


def _load_app() -> object:
    spec = importlib.util.spec_from_file_location("ses_tenants_app_under_test", ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synth_prints_diagnostics_like_validate(capsys: pytest.CaptureFixture[str]) -> None:
    diagnostics = [Diagnostic("t.yaml", 3, 5, "tenants[0]", "no identity", WARNING),
                   Diagnostic("t.yaml", 4, 9, "tenants[0].name", "bad name", ERROR)]
    _load_app()._print_diagnostics(diagnostics)  # type: ignore[attr-defined]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [format_diagnostic(d) for d in diagnostics] == [
        "warning: t.yaml:3:5: tenants[0]: no identity",
        "t.yaml:4:9: tenants[0].name: bad name",
    ]


def test_synth_of_an_invalid_spec_marks_its_warnings(tmp_path: Path,
                                                     cli: Callable[..., tuple[int, str, str]]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  - name: lonely\n  - name: 'has space'\n", encoding="utf-8")
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "CDK_CONTEXT_JSON": json.dumps({"tenants": str(bad)}), "CDK_OUTDIR": str(tmp_path / "out")}
    proc = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    _, validate_out, _ = cli("validate", str(bad))
    assert proc.stderr.splitlines() == validate_out.splitlines()[:-1]  # validate adds its summary line
    assert proc.stderr.splitlines()[0].startswith(f"warning: {bad}:3:5: tenants[0]: tenant 'lonely' can send")
    assert proc.stderr.splitlines()[1].startswith(f"{bad}:4:11: tenants[1].name: ")
