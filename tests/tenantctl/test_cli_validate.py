"""`tenantctl validate`: exit codes, output lines, warnings, --strict, --format json, bad paths."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import GOOD_TENANT, ROOT

LINE = re.compile(r"^(warning: )?[^:]+:\d+:\d+: \S+: .+$")


def test_default_path_is_tenants_yaml_in_cwd(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = cli("validate")
    assert code == 0, out
    assert out == "tenants.yaml: valid: 5 tenants, 0 warnings\n"
    assert err == ""


def test_invalid_file_prints_one_line_per_error_and_summary(cli, write) -> None:
    path = write("""\
        version: 1
        tenants:
          - name: acme.corp
            sending: paused
            tags: {n: 42}
        """)
    code, out, _ = cli("validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[:-1] == [
        f"{path}:3:11: tenants[0].name: tenant name 'acme.corp' contains '.'; use letters, digits, '_' and '-' "
        "only; e.g. 'acme-corp'",
        f"{path}:4:14: tenants[0].sending: unknown value 'paused'; expected enabled, disabled or reinstated",
        f"{path}:5:15: tenants[0].tags.n: 42 is read by YAML as a number, not text; to fix, quote it: \"42\"",
    ]
    assert lines[-1] == f"{path}: invalid: 3 errors, 0 warnings"


def test_warnings_are_prefixed_and_strict_fails(cli, write) -> None:
    path = write("version: 1\ntenants:\n  - name: acme\n    resources: {identities: [acme.example]}\n")
    code, out, _ = cli("validate", str(path))
    assert code == 0
    first, summary = out.splitlines()
    assert first.startswith(f"warning: {path}:3:5: tenants[0]: tenant 'acme' can send")
    assert LINE.match(first)
    assert summary == f"{path}: valid: 1 tenant, 1 warning"
    code, out, _ = cli("validate", "--strict", str(path))
    assert code == 1
    first, summary = out.splitlines()
    assert first.startswith(f"{path}:3:5: tenants[0]: ") and first.endswith("(warning treated as error: --strict)")
    assert summary == f"{path}: invalid: 1 error, 0 warnings"


def test_json_format(cli, write) -> None:
    path = write("version: 1\ntenants:\n  - name: a\n    sending: nope\n")
    code, out, _ = cli("validate", "--format", "json", str(path))
    assert code == 1
    report = json.loads(out)
    assert report["format_version"] == 1 and report["valid"] is False and report["tenants"] is None
    (err,) = report["errors"]
    assert err == {"file": str(path), "line": 4, "col": 14, "field": "tenants[0].sending",
                   "message": "unknown value 'nope'; expected enabled, disabled or reinstated", "severity": "error"}
    code, out, _ = cli("validate", "--format", "json", str(ROOT / "tenants.yaml"))
    report = json.loads(out)
    assert code == 0 and report["valid"] is True and report["tenants"] == 5 and report["errors"] == []
    assert report["files"] == [str(ROOT / "tenants.yaml")]


def test_directory_spec(cli, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\ntenants:\n" + GOOD_TENANT.format(name="a"))
    (tmp_path / "b.yaml").write_text("version: 1\ntenants:\n" + GOOD_TENANT.format(name="b"))
    code, out, _ = cli("validate", str(tmp_path))
    assert (code, out) == (0, f"{tmp_path}: valid: 2 tenants in 2 files, 0 warnings\n")


def _file(name: str, data: bytes):
    def make(p: Path) -> Path:
        (p / name).write_bytes(data)
        return p / name

    return make


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p / "missing.yaml", "file: no such file"),
        (lambda p: p, "file: directory contains no .yaml or .yml files"),
        (_file("bin.yaml", b"\x89PNG\r\n\x1a\n\x00\x00"), "file: not UTF-8"),
        (_file("nul.yaml", b"version: 1\x00"), "file: contains NUL bytes"),
        (_file("u16.yaml", "version: 1".encode("utf-16")), "UTF-16"),
        (_file("e.yaml", b""), "document: file is empty"),
    ],
    ids=["missing", "empty-dir", "binary", "nul", "utf16", "empty"],
)
def test_bad_paths_give_one_clear_line(cli, tmp_path: Path, make, fragment: str) -> None:
    path = make(tmp_path)
    code, out, err = cli("validate", str(path))
    assert code == 1
    first, summary = out.splitlines()
    assert fragment in first and LINE.match(first), first
    assert summary.endswith("invalid: 1 error, 0 warnings")
    assert "Traceback" not in out + err


def test_real_process_never_shows_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("version: 1\ntenants: [\n")
    for target in (tmp_path / "bad.yaml", tmp_path / "nope.yaml", tmp_path):
        proc = subprocess.run([sys.executable, "-m", "tenantctl.cli", "validate", str(target)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1
        assert "Traceback" not in proc.stdout + proc.stderr
        assert proc.stdout.splitlines()[-1].startswith(f"{target}: invalid:")


def test_every_corpus_file_fails_validate_with_parsable_lines(cli) -> None:
    corpus = sorted((Path(__file__).parent / "corpus").glob("*.yaml"))
    for path in corpus:
        strict = "# args: --strict" in path.read_text()
        code, out, _ = cli("validate", *(["--strict"] if strict else []), str(path))
        assert code == 1, path
        *lines, summary = out.splitlines()
        assert lines and all(LINE.match(line) for line in lines), out
        assert summary.startswith(f"{path}: invalid:")


def test_stdin_spec() -> None:
    proc = subprocess.run([sys.executable, "-m", "tenantctl.cli", "validate", "-"], capture_output=True, text=True,
                          input="version: 1\ntenants:\n  - name: x\n    sending: nope\n", timeout=60)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "<stdin>:4:14: tenants[0].sending: unknown value 'nope'; expected enabled, disabled or reinstated",
        "<stdin>: invalid: 1 error, 0 warnings",
    ]
