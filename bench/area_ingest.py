"""Ingest: cold, unchanged and 1 %-changed syncs of the generated policy calendars, each
against the library floor measured in the same run (icalendar parse + recurring-ical-events
expansion + one bulk insert of the rows the sync stored, same horizon; `bench_sync.floor`),
and the peak memory of a cold 100k sync in a process of its own with no profiler attached
(the py-spy profile is a second run).

    .venv/bin/python bench/area_ingest.py --memory 100000   # one cold sync: peak MiB, s
"""

from __future__ import annotations

import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_sync
from calendars import ICAL_MAPPING, generate, mutate, occurrences, render
from figures import Figure, Report, timed

AREA = "Ingest (ical connector → SQLite)"
# Bounds above the defaults (100,000 mapped events, 300 s of mapping per source): the 100k
# calendar has 239,684 occurrences and takes minutes on a loaded machine, and a sync that
# stops reading early is not the cold sync measured (it is asserted below).
EXTRA = "    max_events: 1000000\n    max_mapping_seconds: 36000\n    mapping:\n" + "".join(
    f"      - {{field: category, equals: {m['equals']}, level: {m['level']}}}\n"
    for m in ICAL_MAPPING)


def _rows(rt: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from calsync.store.tables import events

    with rt.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(events)).mappings()]
    for row in rows:
        row.pop("id")
    return rows


def one_round(size: int, feed: bench_sync.Feed, figs: dict[str, Figure],
              rows: list[dict[str, Any]]) -> None:
    """Cold, unchanged (304), unchanged (same hash), 1 % changed, and the floor: first on
    odd rounds, last on even ones, so load bursts hit both. `rows` (what the sync stores,
    the floor's insert) is filled by the first round."""
    items = generate(size)
    text = render(items)
    changed_text = render(mutate(items, 0.01))
    with tempfile.TemporaryDirectory(prefix="calsync-ingest-") as tmp:
        folder = Path(tmp)
        feed.body, feed.validators = text.encode(), True
        rt = bench_sync.runtime(folder, feed.url, EXTRA)
        floor_first = bool(rows) and len(figs["cold"].runs) % 2 == 1
        if floor_first:
            figs["floor"].runs.append(bench_sync.floor(text, rows, folder))
        figs["cold"].runs.append(timed(lambda: bench_sync.sync(rt)))
        if not rows:
            rows += _rows(rt)
        figs["same_304"].runs.append(timed(lambda: _expect(rt, "not_modified")))
        feed.validators = False
        figs["same_hash"].runs.append(timed(lambda: _expect(rt, "not_modified")))
        feed.body = changed_text.encode()
        figs["changed"].runs.append(timed(lambda: bench_sync.sync(rt)))
        rt.engine.dispose()
        if not floor_first:
            figs["floor"].runs.append(bench_sync.floor(text, rows, folder))


def _expect(rt: Any, outcome: str) -> None:
    report = bench_sync.sync(rt)
    assert report.outcome == outcome, report


def warm_up(feed: bench_sync.Feed) -> None:
    """One untimed sync of a small calendar before the figures. The floor's libraries are
    imported before it is timed; the sync's first request imports httpcore's asyncio
    backend, h11 and tzdata (about 40 ms on a quiet machine), which put into the first
    cold sync only is a first-use cost of the process, not of a sync."""
    with tempfile.TemporaryDirectory(prefix="calsync-ingest-") as tmp:
        feed.body, feed.validators = render(generate(50)).encode(), True
        rt = bench_sync.runtime(Path(tmp), feed.url, EXTRA)
        bench_sync.sync(rt)
        rt.engine.dispose()


def measure(report: Report, sizes: tuple[int, ...], rounds: int, big: int | None) -> None:
    feed = bench_sync.Feed()
    try:
        warm_up(feed)
        for size in sizes:
            items = generate(size)
            label = f"{size // 1000}k events ({occurrences(items):,} occurrences)"
            floor = report.add(Figure(AREA, f"floor, {label}", "s"))
            cold = report.add(Figure(AREA, f"cold sync, {label}", "s", baseline=floor,
                                     target="≤ 1.0 × floor",
                                     check=lambda f: (f.ratio or 9) <= 1.0))
            figs = {"floor": floor, "cold": cold,
                    "same_304": report.add(Figure(
                        AREA, f"unchanged re-sync (304), {label}", "s", baseline=cold,
                        target="≤ 1 % of cold", check=lambda f: (f.ratio or 9) <= 0.01)),
                    "same_hash": report.add(Figure(
                        AREA, f"unchanged re-sync (no validators), {label}", "s",
                        baseline=cold, target="≤ 1 % of cold",
                        check=lambda f: (f.ratio or 9) <= 0.01)),
                    "changed": report.add(Figure(
                        AREA, f"1 % changed re-sync, {label}", "s", baseline=cold,
                        target="≤ 10 % of cold", check=lambda f: (f.ratio or 9) <= 0.10))}
            print(f"  ingest {label}", flush=True)
            rows: list[dict[str, Any]] = []
            for _ in range(rounds):
                one_round(size, feed, figs, rows)
    finally:
        feed.close()
    if big:
        print(f"  ingest: cold {big // 1000}k sync in its own process, for its peak memory "
              "(no profiler attached), and beside it a second one under py-spy for the "
              "profile", flush=True)
        import subprocess

        from profiles import record, summary

        with tempfile.TemporaryDirectory() as tmp:
            out, spied = Path(tmp) / "out.txt", Path(tmp) / "spied.txt"
            plain = subprocess.Popen([sys.executable, __file__, "--memory", str(big), str(out)])
            raw = record([sys.executable, __file__, "--memory", str(big), str(spied)])
            if plain.wait() != 0:
                raise SystemExit("the 100k memory run failed")
            peak, seconds = (float(x) for x in out.read_text().split())
        report.add(Figure(AREA, f"peak RSS, cold sync of {big // 1000}k events", "MiB",
                          runs=[peak], target="< 768 MiB", check=lambda f: f.median < 768,
                          note=f"that sync took {seconds:.0f} s"))
        report.sections.setdefault(AREA, []).extend(
            [f"Profile of a second cold {big // 1000}k sync (py-spy, every thread):", "",
             *summary(raw), ""])


def peak_memory(total: int, out: Path | None = None) -> None:
    """Cold sync of `total` generated events in this process; peak MiB and seconds to
    stdout or `out`."""
    feed = bench_sync.Feed()
    items = generate(total)
    reports = []
    with tempfile.TemporaryDirectory(prefix="calsync-ingest-") as tmp:
        feed.body = render(items).encode()
        rt = bench_sync.runtime(Path(tmp), feed.url, EXTRA)
        seconds = timed(lambda: reports.append(bench_sync.sync(rt)))
    feed.close()
    [report] = reports
    assert report.added and not report.warnings, report  # not a sync stopped at a bound
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if out is None:
        print(f"{peak:.0f} {seconds:.2f}")
    else:
        out.write_text(f"{peak:.0f} {seconds:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        peak_memory(int(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
