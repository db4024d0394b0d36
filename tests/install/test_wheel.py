"""The wheel is a complete install: built from the working tree, installed into a clean
virtual environment (no network: only the locked runtime wheels that `scripts/bootstrap
--test` collects in `.venv/wheelhouse`), it writes a starter configuration with
`calsync init`, checks it, migrates a database and syncs the pilot's built-in cycles.

Nothing of the repository is on the path there: the schedules and the sample config come
from the wheel's package data, and the dev tools are not installed at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.install

WHEELHOUSE = REPO / ".venv" / "wheelhouse"
UV = Path(sys.executable).parent / "uv"
SOURCES = ("pyproject.toml", "README.md", "config.yaml", "schedules", "calsync", "connectors")
DEV_TOOLS = ("pytest", "mypy", "ruff", "vdirsyncer", "hypothesis", "uv")


def _run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert done.returncode == 0, (
            f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def _uv(*args: str | Path, cwd: Path) -> None:
    """uv (the dev tool scripts/lock uses; pip's equivalent takes three times as long) with
    nothing but the wheelhouse: offline, no index, no user configuration."""
    _run(
        UV,
        *args,
        "--offline",
        "--no-index",
        "--find-links",
        WHEELHOUSE,
        "--no-config",
        "--quiet",
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean venv with the wheel built from the working tree installed; its bin/."""
    assert (WHEELHOUSE / ".stamp").is_file(), (
        f"{WHEELHOUSE} is missing: run scripts/bootstrap --test (it collects the wheels)"
    )
    root = tmp_path_factory.mktemp("install")
    # Build from a copy, so that the build's own files (build/, *.egg-info) stay out of
    # the working tree; the starter's symbolic links are copied as links.
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(
                path,
                source / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        else:
            shutil.copy2(path, source / name)
    _uv("build", "--wheel", "--out-dir", root / "dist", source, cwd=root)
    (wheel,) = (root / "dist").glob("calsync-*.whl")
    _run(UV, "venv", "--quiet", "--no-config", "--python", sys.executable, root / "venv", cwd=root)
    _uv("pip", "install", "--python", root / "venv" / "bin" / "python", wheel, cwd=root)
    return root / "venv" / "bin"


def _env(bin_dir: Path) -> dict[str, str]:
    """A plain user's environment: none of the test run's CALSYNC_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALSYNC_", "PYTHON"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_wheel_installs_runs_the_pilot_and_brings_no_dev_tools(
    installed: Path, tmp_path: Path
) -> None:
    env = _env(installed)
    calsync = installed / "calsync"

    done = _run(calsync, "init", "site", cwd=tmp_path, env=env)
    assert "calsync check" in done.stdout, done.stdout
    site = tmp_path / "site"
    assert (site / "config.yaml").read_bytes() == (REPO / "config.yaml").read_bytes()
    packed = sorted(p.name for p in (site / "schedules").iterdir())
    assert packed == sorted(p.name for p in (REPO / "schedules").iterdir())

    again = _run(calsync, "init", "site", cwd=tmp_path, env=env, check=False)
    assert again.returncode == 1
    assert "never overwrites" in again.stderr, again.stderr

    config = ("-c", site / "config.yaml")
    checked = _run(calsync, *config, "check", cwd=tmp_path, env=env)
    assert "is valid" in checked.stdout, checked.stdout
    _run(calsync, *config, "db", "upgrade", cwd=tmp_path, env=env)
    _run(calsync, *config, "sync", cwd=tmp_path, env=env)
    assert (site / "data" / "calsync.db").is_file()
    timeline = _run(
        calsync,
        *config,
        "timeline",
        "--from",
        "2027-01-01",
        "--to",
        "2027-12-31",
        "--level",
        "municipal",
        "--format",
        "json",
        cwd=tmp_path,
        env=env,
    )
    events = json.loads(timeline.stdout)
    assert len(events) > 15, f"a year of 15 municipalities' budget cycles: {len(events)}"

    # The runtime only: no test or lint tool came with the wheel.
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = _run(installed / "python", "-c", probe, *DEV_TOOLS, cwd=tmp_path, env=env)
    assert found.stdout.strip() == "[]", found.stdout
    # ... and the fast server stack did (uvicorn[standard]).
    _run(
        installed / "python",
        "-c",
        "import uvloop, httptools, fastapi_offline",
        cwd=tmp_path,
        env=env,
    )
