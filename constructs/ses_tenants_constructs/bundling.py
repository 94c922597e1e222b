"""Docker-free Lambda bundling: copy a Python package and its pinned dependencies into the asset.

CDK runs ``ILocalBundling.try_bundle`` before it would start a bundling container. This implementation always
bundles locally (it never returns ``False``), so the bundling image named in the options is never pulled:
a failure raises with a message that says what to do instead of silently falling back to Docker.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache")


class BundlingError(RuntimeError):
    """Local bundling of the Lambda asset failed."""


@jsii.implements(cdk.ILocalBundling)
class LocalPythonBundling:
    """Bundle Python packages from a source folder plus pinned requirements, without Docker.

    Parameters
    ----------
    source_dir : str | Path
        The asset source folder (e.g. ``lambda/``).
    packages : tuple of str
        Package folders inside ``source_dir`` to copy (e.g. ``("ses_tenants_engine",)``).
    requirements_file : str, optional
        Requirements file (relative to ``source_dir``) pinning the dependencies to bundle.
    prebuilt_deps_dir : str | Path, optional
        A folder where the pinned requirements are already installed (``pip install --target``); copied
        when present, otherwise the requirements are installed with ``python -m pip install --target``.
    """

    def __init__(
        self,
        source_dir: str | Path,
        packages: tuple[str, ...],
        *,
        requirements_file: str | None = "requirements.txt",
        prebuilt_deps_dir: str | Path | None = None,
    ) -> None:
        self.source_dir = Path(source_dir).resolve()
        self.packages = packages
        self.requirements_file = requirements_file
        self.prebuilt_deps_dir = Path(prebuilt_deps_dir).resolve() if prebuilt_deps_dir else None

    def try_bundle(self, output_dir: str, options: Any = None, **_kwargs: Any) -> bool:
        """Copy the packages and the pinned dependencies into ``output_dir``; never falls back to Docker.

        ``options`` (the BundlingOptions, passed positionally by jsii) is not needed: nothing runs in a container.
        """
        out = Path(output_dir)
        try:
            if self.requirements_file:
                self._bundle_dependencies(out)
            for package in self.packages:
                src = self.source_dir / package
                if not (src / "__init__.py").is_file():
                    raise BundlingError(f"{src} is not a Python package (no __init__.py)")
                shutil.copytree(src, out / package, ignore=_IGNORE, dirs_exist_ok=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise BundlingError(f"local bundling of {self.source_dir} failed: {exc}") from exc
        return True

    def _bundle_dependencies(self, out: Path) -> None:
        deps = self.prebuilt_deps_dir
        if deps is not None and deps.is_dir() and any(deps.glob("boto3*")):
            for entry in deps.iterdir():
                if entry.name in {"bin", "__pycache__"} or entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    shutil.copytree(entry, out / entry.name, ignore=_IGNORE, dirs_exist_ok=True)
                else:
                    shutil.copy2(entry, out / entry.name)
            return
        requirements = self.source_dir / str(self.requirements_file)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-compile",
                "--target",
                str(out),
                "-r",
                str(requirements),
            ],
            check=True,
        )
        shutil.rmtree(out / "bin", ignore_errors=True)


def python_code_asset(
    source_dir: str | Path,
    packages: tuple[str, ...],
    runtime: lambda_.Runtime,
    *,
    requirements_file: str | None = "requirements.txt",
    prebuilt_deps_dir: str | Path | None = None,
) -> lambda_.Code:
    """Return a Lambda code asset of ``packages`` from ``source_dir`` plus pinned requirements, bundled locally.

    The asset hash is computed from the source folder (code and requirements file), so a changed pin or
    changed code gives a new asset; bundling runs once per hash.

    Parameters
    ----------
    source_dir : str | Path
        Asset source folder.
    packages : tuple of str
        Packages inside ``source_dir`` to ship.
    runtime : aws_lambda.Runtime
        The function runtime (its bundling image is only named, never pulled).
    requirements_file : str, optional
        Pinned requirements relative to ``source_dir``.
    prebuilt_deps_dir : str | Path, optional
        Folder with the requirements already installed (``make install`` fills ``build/lambda-deps``).

    Returns
    -------
    aws_lambda.Code
        The code asset.
    """
    return lambda_.Code.from_asset(
        str(source_dir),
        exclude=["**/__pycache__", "**/*.pyc", ".pytest_cache"],
        bundling=cdk.BundlingOptions(
            image=runtime.bundling_image,
            local=LocalPythonBundling(
                source_dir,
                packages,
                requirements_file=requirements_file,
                prebuilt_deps_dir=prebuilt_deps_dir,
            ),
        ),
    )
