"""The whole benchmark suite in one run (`bench/run` calls this): every area, each figure
against its baseline measured in the same run, written into bench/RESULTS.md (the
generated block; the notes around it are kept).

    bench/run                      # everything, under 15 minutes on a 2-core machine
    bench/run --quick              # a smoke run: small sizes, short wrk runs (~3 min)
    bench/run --only feeds,cli     # some areas (ingest, rules, feeds, ledger, cli, dashboard)
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from figures import Report  # noqa: E402

AREAS = ("ingest", "rules", "feeds", "ledger", "cli", "dashboard")


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0] if text else "?"


def _header(args: argparse.Namespace, started: datetime) -> list[str]:
    commit = _version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    # The suite writes RESULTS.md after each area: that file's own change is not the code's.
    dirty = _version(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no",
                      "--", ".", ":!bench/RESULTS.md"])
    try:
        loop = "uvloop " + importlib.metadata.version("uvloop")
    except importlib.metadata.PackageNotFoundError:
        loop = "asyncio (no uvloop installed)"
    versions = []
    for dist in ("uvicorn", "fastapi", "icalendar", "recurring-ical-events", "sqlalchemy",
                 "radicale"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
    nginx = _version([shutil.which("nginx") or "/usr/sbin/nginx", "-v"])
    return [
        "## The suite (`bench/run`)", "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on commit {commit}"
        f"{' (with uncommitted changes)' if dirty not in ('', '?') else ''}, "
        f"`bench/run{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, event loop {loop}; "
        f"{', '.join(versions)}; {nginx.split(': ')[-1]}; wrk "
        f"{_version(['wrk', '-v']).split()[1] if shutil.which('wrk') else '?'}. "
        "Each figure: the median of its repetitions (n), min and max; the ratio divides "
        "the median by its baseline's median, measured in the same run, interleaved. "
        "The generator (`bench/calendars.py`) makes the issue's mix: 60 % timed events "
        "in Europe/Stockholm with a VTIMEZONE, 25 % all-day, 10 % recurring series with "
        "EXDATEs, 5 % cancelled, all four levels.", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(AREAS))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    only = [a.strip() for a in args.only.split(",") if a.strip()]
    unknown = set(only) - set(AREAS)
    if unknown:
        raise SystemExit(f"unknown area(s) {', '.join(sorted(unknown))}; known: "
                         f"{', '.join(AREAS)}")
    quick = args.quick
    started = datetime.now(UTC)
    clock = time.monotonic()
    report = Report()
    report.note_load("at the start")
    failed = []
    for area in only:
        began = time.monotonic()
        print(f"==> {area}", flush=True)
        try:
            _run(area, report, quick, args)
        except Exception as exc:  # one area failing must not lose the others' figures
            traceback.print_exc()
            failed.append(f"{area}: {exc.__class__.__name__}: {exc}")
        print(f"    {area}: {time.monotonic() - began:.0f} s", flush=True)
        report.note_load(f"after {area}")
        header = _header(args, started)
        header.append(f"The run took {(time.monotonic() - clock) / 60:.1f} minutes"
                      f"{' so far' if area != only[-1] else ''}."
                      + "".join(f" **Failed:** {f}." for f in failed))
        report.write(args.out, header)
    print(report.markdown(header))
    if failed:
        raise SystemExit(1)


def _run(area: str, report: Report, quick: bool, args: argparse.Namespace) -> None:
    if area == "ingest":
        import area_ingest

        area_ingest.measure(report, (1000, 10_000), 2 if quick else 3,
                            10_000 if quick else 100_000)
    elif area == "rules":
        import area_rules

        area_rules.measure(report, (10_000,) if quick else (10_000, 100_000),
                           2 if quick else 3, 10_000 if quick else 100_000)
        size = 10_000 if quick else 100_000
        report.sections.setdefault(area_rules.AREA, []).extend(
            [f"Profile of `calsync evaluate` on the {size // 1000}k store (py-spy):", "",
             *area_rules.profile_evaluate(size)])
    elif area == "feeds":
        import area_feeds

        profile: list[str] = []
        area_feeds.measure(report, 2 if quick else 3, 3 if quick else 5, 10_000, profile)
        report.sections.setdefault(area_feeds.AREA, []).extend(profile)
    elif area == "ledger":
        import area_ledger

        area_ledger.measure(report, 2 if quick else 3, 200 if quick else 500,
                            not args.no_postgres)
    elif area == "cli":
        import area_cli

        area_cli.measure(report, 5 if quick else 9)
    elif area == "dashboard":
        import area_dashboard

        area_dashboard.measure(report, 3 if quick else 7)


if __name__ == "__main__":
    main()
