"""CLI start-up imports only what the command needs: `calsync --help` lists every command
without importing them, the help it lists is each command's own first line, and a
command's `--help` (and the read-only commands' real work) imports no library it does
not use. This is what keeps the command table (`calsync.cli.COMMANDS`, an import by
string) an honest exception to docs/DEVELOPING.md's import rule."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from calsync.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parents[2]

# What start-up must not pay for: the store, migrations, HTTP, the web face, iCalendar,
# the config's models, Babel, and the runtime that pulls in most of them.
HEAVY = ("sqlalchemy", "alembic", "httpx", "fastapi", "starlette", "uvicorn", "icalendar",
         "pydantic", "babel", "calsync.runtime")
WEB = ("fastapi", "starlette", "uvicorn")


def _imported_by(argv: list[str], cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> set[str]:
    """The modules a `calsync ARGV` process has imported when it exits (its exit code
    is checked: 0, or click's 2 for a usage error would hide the command's work)."""
    code = (f"import sys\nsys.argv = ['calsync', *{argv!r}]\nfrom calsync.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print('\\n'.join(sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, env=env)
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    return set(done.stderr.split())


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(name for name in names if name in modules)


def test_help_and_version_import_no_heavy_dependency() -> None:
    for argv in (["--help"], ["--version"]):
        loaded = _imported_by(argv)
        assert not _loaded(loaded, HEAVY), (argv, _loaded(loaded, HEAVY))
        assert not [m for m in loaded if m.startswith("calsync.cli.") and
                    m.removeprefix("calsync.cli.") in {m for m, _help in COMMANDS.values()}]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_command_resolves_with_its_own_help(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.name == name
    assert command.get_short_help_str(limit=1000) == COMMANDS[name][1]


def test_an_unknown_command_is_a_usage_error() -> None:
    assert cli.get_command(click.Context(cli), "no-such-command") is None
    done = subprocess.run([sys.executable, "-m", "calsync", "no-such-command"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "No such command" in done.stderr


def test_help_lists_every_command_in_the_table() -> None:
    out = subprocess.run([sys.executable, "-m", "calsync", "--help"], check=True,
                         capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
                         ).stdout
    listed = re.findall(r"^  (\S+)\s", out.split("Commands:", 1)[1], re.MULTILINE)
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_help_imports_only_its_module(name: str) -> None:
    loaded = _imported_by([name, "--help"])
    assert f"calsync.cli.{COMMANDS[name][0]}" in loaded
    assert not _loaded(loaded, HEAVY), (name, _loaded(loaded, HEAVY))


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the bundled config and schedules with a migrated SQLite database."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    env = {**os.environ, "CALSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    subprocess.run([sys.executable, "-m", "calsync", "db", "upgrade"], check=True,
                   capture_output=True, cwd=tmp_path, env=env)
    return tmp_path, env


@pytest.mark.parametrize("argv", [["check"], ["check", "--format", "json"], ["alerts"],
                                  ["alerts", "--format", "json", "--state", "all"],
                                  ["alerts", "silence", "list"], ["-c", "config.yaml", "check"],
                                  ["check", "-c", "config.yaml"]])
def test_read_only_commands_do_not_import_the_web_face(
        project: tuple[Path, dict[str, str]], argv: list[str]) -> None:
    cwd, env = project
    loaded = _imported_by(argv, cwd=cwd, env=env)
    assert "calsync.runtime" in loaded  # it did the command's work
    assert not _loaded(loaded, WEB), (argv, _loaded(loaded, WEB))
    assert not [m for m in loaded if m.startswith("calsync.web")], argv


def test_the_web_face_imports_no_alembic() -> None:
    """Migrations are `calsync db upgrade`'s work: the served app (`/readyz` included, which
    reads the schema revision itself) and the scheduler never load Alembic."""
    done = subprocess.run([sys.executable, "-c",
                           "import sys, calsync.web.app, calsync.scheduler.worker; "
                           "print('alembic' in sys.modules)"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("module", ["calsync.sdk.contract", "connectors.ical",
                                    "calsync.scheduler.worker", "calsync.store.sources"])
def test_modules_import_first_in_a_fresh_process(module: str) -> None:
    """With a light package root nothing imports the runtime first, so an import cycle
    between modules would show here (a plugin or a spawned worker imports them first)."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_import_by_string_only_where_docs_developing_allows_it() -> None:
    """docs/DEVELOPING.md: no lazy-import trampolines and no import by string, except the
    registry's plugin lookup and the CLI's command table."""
    allowed = {"calsync/sdk/registry.py", "calsync/cli/__init__.py"}
    pattern = re.compile(r"import_module\(|LazyLoader|__import__\(")
    found = {str(path.relative_to(REPO)) for root in ("calsync", "connectors")
             for path in (REPO / root).rglob("*.py") if pattern.search(path.read_text())}
    assert found <= allowed, sorted(found - allowed)
