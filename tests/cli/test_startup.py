"""CLI start-up imports only what the command needs: `calsync --help` lists every command
without importing them, and the help it lists is each command's own first line."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from calsync.cli import COMMANDS, cli

HEAVY = ("sqlalchemy", "pydantic", "fastapi", "uvicorn", "icalendar", "calsync.runtime")


def _imported_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\n"
                          "print('\\n'.join(sys.modules))"],
                         check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_help_and_version_import_no_heavy_dependency() -> None:
    for argv in (["--help"], ["--version"]):
        loaded = _imported_after(
            f"import sys\nsys.argv = ['calsync', *{argv!r}]\nfrom calsync.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
        assert not loaded & set(HEAVY), (argv, sorted(loaded & set(HEAVY)))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_help_is_the_commands_own(name: str) -> None:
    ctx = click.Context(cli)
    command = cli.get_command(ctx, name)
    assert command is not None
    assert command.get_short_help_str(limit=1000) == COMMANDS[name][1]


def test_command_help_does_not_load_the_runtime() -> None:
    for name in ("check", "sync", "timeline", "serve", "worker", "feeds", "evaluate", "alerts"):
        loaded = _imported_after(
            f"import sys\nsys.argv = ['calsync', {name!r}, '--help']\n"
            "from calsync.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass")
        assert f"calsync.cli.{name}" in loaded
        assert not loaded & {"calsync.runtime", "fastapi", "uvicorn"}, name


@pytest.mark.parametrize("module", ["calsync.sdk.contract", "connectors.ical",
                                    "calsync.scheduler.worker", "calsync.store.sources"])
def test_modules_import_first_in_a_fresh_process(module: str) -> None:
    """With a light package root nothing imports the runtime first, so an import cycle
    between modules would show here (a plugin or a spawned worker imports them first)."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
