"""`calsync init [DIR]`: a starter configuration, so that an installed calsync (a wheel,
without the repository) runs at once: the pilot's `config.yaml` and the built-in cycle
definitions it uses (`schedules/`), written where the admin can read and edit them.

Both come from the package's data (`calsync/starter/`, found with importlib.resources):
in an editable install that is the repository's own `config.yaml` and `schedules/`
(symbolic links), in a wheel the copies packed with it. Nothing is ever overwritten: an
existing file or folder stops the command before it writes anything.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NoReturn

import click
from rich.text import Text

from calsync.cli.common import EXIT_FAILURE, console, err_console, plain

__all__ = ["starter", "write_starter"]

CONFIG = "config.yaml"
SCHEDULES = "schedules"


def starter() -> Traversable:
    """The starter set packed with calsync: `config.yaml` and `schedules/`."""
    return files("calsync").joinpath("starter")


def write_starter(target: Path) -> list[Path]:
    """Copy the starter set into `target` (created if missing); the files written.

    Refuses, before writing anything, when `target` already has a `config.yaml` or a
    `schedules` folder: an admin's edited configuration is never replaced.
    """
    source = starter()
    existing = [target / name for name in (CONFIG, SCHEDULES) if (target / name).exists()]
    if existing:
        names = " and ".join(str(p) for p in existing)
        raise FileExistsError(
            f"{names} already exist{'s' if len(existing) == 1 else ''}; calsync init never "
            "overwrites a configuration. Choose an empty folder (`calsync init NEW_DIR`), "
            "or move the existing files away first."
        )
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(
            f"{target} is a file, not a folder; name a folder to write the "
            "starter configuration into"
        )
    schedules = sorted(
        (item for item in source.joinpath(SCHEDULES).iterdir() if item.is_file()),
        key=lambda item: item.name,
    )
    (target / SCHEDULES).mkdir(parents=True)
    written = [target / CONFIG]
    written[0].write_bytes(source.joinpath(CONFIG).read_bytes())
    for item in schedules:
        path = target / SCHEDULES / item.name
        path.write_bytes(item.read_bytes())
        written.append(path)
    return written


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path), default=Path(), required=False)
def init_command(directory: Path) -> None:
    """Write a starter config.yaml and the built-in schedules/ into DIRECTORY (default: here)."""
    try:
        written = write_starter(directory)
    except (FileExistsError, NotADirectoryError) as exc:
        _stop(str(exc))
    except OSError as exc:  # a read-only folder, a full disk
        _stop(
            f"cannot write the starter configuration into {directory}: {exc.strerror or exc}"
            " (check the folder's permissions and free space)"
        )
    cycles = sum(1 for p in written if p.suffix == ".yaml") - 1
    where = plain(directory)
    console.print(
        f"[green]✓[/] wrote {plain(directory / CONFIG)} (the Västerbotten pilot) "
        f"and {cycles} cycle file(s) in {plain(directory / SCHEDULES)}/."
    )
    step = "" if directory == Path() else f"cd {where} && "
    console.print(
        "Next: edit config.yaml for your organisation, then\n"
        f"  {step}calsync check && calsync db upgrade && calsync sync && "
        "calsync serve",
        soft_wrap=True,
    )


def _stop(message: str) -> NoReturn:
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    raise SystemExit(EXIT_FAILURE)


def register(group: click.Group) -> None:
    group.add_command(init_command)
