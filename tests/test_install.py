"""harvest installs for production: built as a wheel, into a clean environment,
with its runtime dependencies only.

``uv sync --no-dev --no-editable --frozen`` into a new environment: uv builds harvest's
wheel and installs it with the locked runtime dependencies, from uv's cache
(``--offline``: the packages the test run itself was set up with, no network). The
installed command then crawls the recorded site.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harvest.config._loader import EXAMPLE, settings_from
from harvest.config._loader import load as load_config
from tests.conftest import ROOT, SITE

DEV_ONLY = {
    "pytest",
    "pytest-timeout",
    "hypothesis",
    "mypy",
    "ruff",
    "pandas",
    "pyarrow",
    "jsonschema",
    "trustme",
}


def _run(*argv: str | Path, cwd: Path | None = None, **env: str) -> str:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, cwd=cwd, timeout=300,
        env={**os.environ, "UV_NO_PROGRESS": "1", **env}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv}: {done.stderr[-2000:]}"
    return done.stdout


@pytest.mark.slow
def test_the_wheel_installs_without_dev_dependencies_and_crawls(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: the README's test command (uv run pytest) puts it there")
    venv = tmp_path / "venv"
    _run(
        uv, "sync", "--project", ROOT, "--frozen", "--no-dev", "--no-editable", "--offline",
        "--quiet", UV_PROJECT_ENVIRONMENT=str(venv),
    )  # fmt: skip
    python = venv / "bin" / "python"
    site = _run(python, "-c", "import harvest, sys; print(harvest.__file__)")
    assert site.startswith(str(venv)), site  # the built wheel, not the checkout
    installed = json.loads(_run(uv, "pip", "list", "--format", "json", "--python", python))
    names = {package["name"].lower() for package in installed}
    assert "harvest" in names and not names & DEV_ONLY, names & DEV_ONLY
    assert _run(venv / "bin" / "harvest", "--version").strip().startswith("harvest ")
    out = tmp_path / "output"
    _run(venv / "bin" / "harvest", "crawl", "--replay", SITE, "--out", out, "--quiet", cwd=tmp_path)
    manifest = json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["pages"] == 33


def test_the_example_config_is_the_documented_one_and_loads(tmp_path: Path) -> None:
    example = ROOT / "examples" / "harvest.toml"
    assert example.read_text(encoding="utf-8") == EXAMPLE
    settings = settings_from(load_config({}, config=example, environ={}, cwd=tmp_path))
    assert settings.user_agent and settings.out_dir.is_absolute()


def test_the_systemd_units_run_the_installed_tool() -> None:
    service = (ROOT / "examples" / "harvest.service").read_text(encoding="utf-8")
    timer = (ROOT / "examples" / "harvest.timer").read_text(encoding="utf-8")
    assert "ExecStart=/usr/local/bin/harvest crawl --config /etc/harvest.toml" in service
    assert "SuccessExitStatus=75" in service and "OnCalendar=" in timer
