"""CLI start-up: wall time of `calsync --help`, `--version` and every command's `--help`
(what a command pays before it does anything), each in a new process, interleaved with
the interpreter alone (`python -c pass`) and with importing click and rich (the CLI's
own floor). Plus `-X importtime`'s heaviest imports of the slowest command, and, for
scale, two read-only commands doing their real work on the bundled config with a
migrated SQLite store (`check`, `alerts --format json`: start-up plus loading the
config and its schedules, no target).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, Report, interleave, timed

AREA = "CLI start-up"
CALSYNC = str(Path(sys.executable).with_name("calsync"))
REPO = Path(__file__).resolve().parents[1]


def _run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
         ) -> float:
    return timed(lambda: subprocess.run(argv, check=True, capture_output=True, cwd=cwd,
                                        env=env))


def _project(where: Path) -> dict[str, str]:
    """The bundled config and schedules in `where`, with a migrated SQLite database."""
    shutil.copy(REPO / "config.yaml", where / "config.yaml")
    shutil.copytree(REPO / "schedules", where / "schedules")
    env = {**os.environ, "CALSYNC_DATABASE_URL": f"sqlite:///{where / 'c.db'}"}
    subprocess.run([CALSYNC, "db", "upgrade"], check=True, capture_output=True, cwd=where,
                   env=env)
    return env


def measure(report: Report, rounds: int) -> None:
    from calsync.cli import COMMANDS

    python = report.add(Figure(AREA, "python -c pass", "ms"))
    floor = report.add(Figure(AREA, "python -c 'import click, rich.console'", "ms"))
    pairs = [(python, lambda: _run([sys.executable, "-c", "pass"]) * 1000),
             (floor, lambda: _run([sys.executable, "-c", "import click, rich.console"])
              * 1000)]
    for args in (["--help"], ["--version"], *([name, "--help"] for name in COMMANDS)):
        fig = report.add(Figure(AREA, "calsync " + " ".join(args), "ms", baseline=floor,
                                target="< 400 ms", check=lambda f: f.median < 400))
        pairs.append((fig, lambda args=args: _run([CALSYNC, *args]) * 1000))
    helps = report.figures[-len(COMMANDS):]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        env = _project(where)
        for args in (["check"], ["alerts", "--format", "json"]):
            fig = report.add(Figure(AREA, "calsync " + " ".join(args), "ms", baseline=floor,
                                    note="its work on SQLite; no target"))
            pairs.append((fig, lambda args=args: _run([CALSYNC, *args], where, env) * 1000))
        print(f"  cli: {len(pairs)} commands × {rounds} rounds", flush=True)
        interleave(rounds, *pairs)
    slowest = max(helps, key=lambda f: f.median)
    command = slowest.name.removeprefix("calsync ").split()
    report.sections.setdefault(AREA, []).extend(
        [f"Heaviest imports of `{slowest.name}` (`python -X importtime`, cumulative):", "",
         *importtime(command), ""])


def importtime(args: list[str], top: int = 8) -> list[str]:
    code = (f"import sys; sys.argv = ['calsync', *{args!r}]\nfrom calsync.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                         capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            rows.append((int(parts[1]), depth, name.strip()))
    tops = sorted((r for r in rows if r[1] <= 1), reverse=True)[:top]
    return [f"- {us / 1000:.0f} ms `{name}`" for us, _depth, name in tops]
