"""LocalPythonBundling: the Lambda asset is built without Docker, from the pinned boto3."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest
from ses_tenants_constructs.bundling import BundlingError, LocalPythonBundling

REPO = Path(__file__).resolve().parents[2]
PREBUILT = REPO / "build" / "lambda-deps"


def _make_wheel(folder: Path, name: str = "tinydep", version: str = "1.2.3") -> Path:
    """A minimal pure-Python wheel (installable offline)."""
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n',
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            data = text.encode()
            zf.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        zf.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return wheel


def _source(tmp_path: Path, requirements: str) -> Path:
    src = tmp_path / "src"
    pkg = src / "enginepkg"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "__init__.py").write_text("VALUE = 42\n")
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    (src / "requirements.txt").write_text(requirements)
    return src


@pytest.mark.skipif(not (PREBUILT / "boto3").is_dir(), reason="make install builds build/lambda-deps")
def test_copies_package_and_prebuilt_pinned_boto3(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    bundler = LocalPythonBundling(REPO / "lambda", ("ses_tenants_engine",), prebuilt_deps_dir=PREBUILT)
    assert bundler.try_bundle(str(out), None) is True
    assert (out / "ses_tenants_engine" / "model.py").is_file()
    assert not list(out.rglob("__pycache__"))
    assert (out / "boto3" / "__init__.py").is_file() and (out / "botocore" / "__init__.py").is_file()
    assert (out / "boto3-1.44.5.dist-info").is_dir() and (out / "botocore-1.44.5.dist-info").is_dir()
    assert not (out / "bin").exists()
    pinned = (REPO / "lambda" / "requirements.txt").read_text()
    assert "boto3==1.44.5" in pinned


def test_installs_requirements_with_pip_when_no_prebuilt_folder(tmp_path: Path) -> None:
    wheel = _make_wheel(tmp_path)
    src = _source(tmp_path, f"{wheel}\n")
    out = tmp_path / "out"
    out.mkdir()
    bundler = LocalPythonBundling(src, ("enginepkg",), prebuilt_deps_dir=tmp_path / "missing")
    assert bundler.try_bundle(str(out), None) is True
    assert (out / "tinydep" / "__init__.py").read_text() == '__version__ = "1.2.3"\n'
    assert (out / "tinydep-1.2.3.dist-info").is_dir()
    assert (out / "enginepkg" / "__init__.py").read_text() == "VALUE = 42\n"
    assert not (out / "enginepkg" / "__pycache__").exists()
    assert not (out / "bin").exists()


def test_missing_package_is_a_clear_error_not_a_docker_fallback(tmp_path: Path) -> None:
    src = _source(tmp_path, "")
    out = tmp_path / "out"
    out.mkdir()
    bundler = LocalPythonBundling(src, ("nopkg",), requirements_file=None)
    with pytest.raises(BundlingError, match="not a Python package"):
        bundler.try_bundle(str(out), None)


def test_failing_pip_is_a_clear_error(tmp_path: Path) -> None:
    src = _source(tmp_path, f"{tmp_path / 'does-not-exist-1.0-py3-none-any.whl'}\n")
    out = tmp_path / "out"
    out.mkdir()
    bundler = LocalPythonBundling(src, ("enginepkg",))
    with pytest.raises(BundlingError, match="local bundling"):
        bundler.try_bundle(str(out), None)
