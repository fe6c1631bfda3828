"""The wheel ships every package with its templates and data, and works installed on its own; the
Docker image copies every package the wheel ships."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ["connectors", "sandbox", "streams", "tandem"]
DATA_FILES = [
    "connectors/notify/templates/alert.html.j2",
    "connectors/notify/templates/rules.yaml",
    "sandbox/jira/jql.lark",
    "sandbox/specs/jira/platform-v3.json",
    "sandbox/specs/hubspot/campaigns-v3.json",
    "tandem/kafka/pom.xml",
    "streams/web/openapi.yaml",
    "streams/web/templates/base.html.j2",
    "streams/web/static/app.css",
    "streams/web/static/app.js",
    "streams/web/static/vendor/chart-4.6.1.umd.min.js",
    "streams/web/static/vendor/htmx-2.0.11.min.js",
    "sandbox/workspaces/example.yaml",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("tandem-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel; its dependencies come from this venv's site-packages, read as a plain
    path (no editable finder), so nothing of the checkout can be imported there."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_wheel_ships_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert sorted(name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"]) == PACKAGES


def test_the_wheel_holds_every_package_with_its_templates_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [f"{package}/__init__.py" for package in PACKAGES if f"{package}/__init__.py" not in names] == []
    assert [path for path in DATA_FILES if path not in names] == []
    assert not any(name.startswith("tests/") for name in names)


@pytest.mark.parametrize("args", [["--help"], ["sandbox", "--help"]], ids=" ".join)
def test_the_installed_command_runs_from_the_wheel(installed: Path, tmp_path: Path, args: list[str]) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        [str(installed / "bin" / "tandem"), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_the_installed_packages_come_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = f"import {', '.join(PACKAGES)}; print(*(m.__file__ for m in ({', '.join(PACKAGES)})))"
    out = subprocess.check_output([str(installed / "bin" / "python"), "-c", code], cwd=tmp_path, text=True)
    assert all(str(installed) in path for path in out.split())


def test_the_dockerfile_copies_every_package_the_wheel_ships() -> None:
    copied = re.findall(r"^COPY (\S+) \./\1$", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    assert sorted(copied) == PACKAGES
