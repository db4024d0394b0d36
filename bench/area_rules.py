"""Rules: 50 rules of all six kinds over 10k and 100k events in process (`bench_rules`),
and `calsync evaluate` end to end (a new process: config, store read, evaluation, alert
updates) on a 100k-event SQLite store, against reading the same rows with the standard
`sqlite3` module (the floor of any evaluation from the database); and what-if answer
times on the pilot and at 100k (`bench_whatif`), against a full evaluation.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_feeds
import bench_rules
from figures import Figure, Report, interleave, timed

AREA = "Rules (50 rules, all six kinds)"
ROOT = Path(__file__).resolve().parents[1]
CALSYNC = str(Path(sys.executable).with_name("calsync"))


def write_store(db: Path, size: int) -> Path:
    """A `size`-event SQLite store at `db` (bench_rules' generator) and the 50 rules'
    config beside it, as `calsync evaluate` reads them; returns the config's path."""
    bench_feeds.store_events(f"sqlite:///{db}",
                             [e.data for e in bench_rules.make_events(size)])
    config_file = db.parent / "config.yaml"
    config_file.write_text("timezone: Europe/Stockholm\n" + bench_rules.rules_yaml(),
                           encoding="utf-8")
    return config_file


def measure(report: Report, sizes: tuple[int, ...], rounds: int, end_to_end: int) -> None:
    from calsync.config import load_config_text

    config = load_config_text(bench_rules.rules_yaml())
    small: Figure | None = None
    for size in sizes:
        found = bench_rules.make_events(size)
        print(f"  rules: index + evaluate at {size // 1000}k", flush=True)
        totals, _builds, findings = bench_rules.measure_runs(config, found, rounds)
        fig = report.add(Figure(AREA, f"index + evaluate, {size // 1000}k events", "s",
                                runs=totals, baseline=small,
                                note=f"{findings:,} findings",
                                target="< 2 s at 100k (issue 5)" if size >= 100_000 else "",
                                check=(lambda f: f.median < 2.0) if size >= 100_000
                                else None))
        small = small or fig
    print(f"  rules: `calsync evaluate` end to end at {end_to_end // 1000}k", flush=True)
    with tempfile.TemporaryDirectory(prefix="calsync-rules-") as tmp:
        folder = Path(tmp)
        db = folder / "rules.db"
        config_file = write_store(db, end_to_end)
        env = {**os.environ, "CALSYNC_DATABASE_URL": f"sqlite:///{db}"}
        argv = [CALSYNC, "-c", str(config_file), "evaluate", "--rule", "precedes-0"]
        subprocess.run(argv, env=env, cwd=folder, check=True, capture_output=True)  # alerts
        floor = report.add(Figure(AREA, f"read the same rows with sqlite3, "
                                         f"{end_to_end // 1000}k", "s"))
        e2e = report.add(Figure(AREA, f"`calsync evaluate` end to end, {end_to_end // 1000}k "
                                      "events", "s", baseline=floor, target="< 2.5 s",
                                check=lambda f: f.median < 2.5,
                                note="new process; alerts already open; starts from the "
                                     "store's timeline snapshot"))

        def read_rows() -> float:
            def run() -> None:
                with sqlite3.connect(db) as conn:
                    conn.execute("SELECT * FROM events").fetchall()
            return timed(run)

        cold = report.add(Figure(AREA, f"`calsync evaluate` end to end, {end_to_end // 1000}k "
                                       "events, no timeline snapshot", "s", baseline=floor,
                                 note="new process; reads every event and writes the "
                                      "snapshot (`calsync.store.snapshots`)"))

        def evaluate() -> float:
            return timed(lambda: subprocess.run(argv, env=env, cwd=folder, check=True,
                                                capture_output=True))

        def evaluate_cold() -> float:
            conn = sqlite3.connect(db)
            try:
                with conn:
                    conn.execute("DELETE FROM timeline_snapshots")
            finally:
                conn.close()
            return evaluate()

        interleave(rounds, (floor, read_rows), (e2e, evaluate), (cold, evaluate_cold))
        report.add(kept_figure(db, config_file, rounds, e2e))
    whatif_figures(report, rounds, end_to_end)


def whatif_figures(report: Report, rounds: int, size: int) -> None:
    """What-if on the pilot (target < 1 s) and on `size` events, three kinds of move
    (`bench_whatif.MOVES`, each < 3 s at 100k), interleaved with a full evaluation of
    every rule (`evaluate_stored`) in the same process. Both read the timeline the process
    keeps (`calsync.alerts.kept`), as the API does; the first what-if through a new engine
    also loads it (its own figure)."""
    import logging

    import bench_whatif

    logging.getLogger("calsync.rules").setLevel(logging.ERROR)  # probes hit rules' caps
    try:
        with tempfile.TemporaryDirectory(prefix="calsync-whatif-") as tmp:
            print("  rules: what-if, pilot", flush=True)
            _whatif(report, rounds, "pilot", [("", bench_whatif.pilot_case(tmp))],
                    "< 1 s", 1.0)
            print(f"  rules: what-if, {size // 1000}k", flush=True)
            _whatif(report, rounds, f"{size // 1000}k events",
                    bench_whatif.big_cases(tmp, size),
                    "< 3 s at 100k (issue 15)" if size >= 100_000 else "", 3.0)
    finally:
        logging.getLogger("calsync.rules").setLevel(logging.NOTSET)


def _whatif(report: Report, rounds: int, name: str,
            cases: list[tuple[str, tuple[Any, Any, str, str]]], target: str,
            limit: float) -> None:
    """One full-evaluation baseline and a figure per case (its moved event's kind, or ""
    for the one move of the pilot), all interleaved; the first case also through a new
    engine."""
    import bench_whatif
    from bench_rules import NOW

    from calsync.alerts.evaluate import evaluate_stored
    from calsync.store.engine import make_engine

    engine, config = cases[0][1][0], cases[0][1][1]
    touched: list[str] = []
    first = report.add(Figure(AREA, f"what-if, {name}, first through a new engine (loads "
                                    "the timeline)", "s"))
    fresh = make_engine(engine.url.render_as_string(hide_password=False))
    first.runs.append(timed(lambda: touched.extend(
        bench_whatif.whatif_once((fresh, *cases[0][1][1:])))))
    fresh.dispose()
    full = report.add(Figure(AREA, f"full evaluation of {len(config.rules)} rules, {name} "
                                   "(kept timeline)", "s"))
    pairs: list[tuple[Figure, Callable[[], float]]] = [
        (full, lambda: timed(lambda: evaluate_stored(engine, config, NOW)))]
    for kind, case in cases:
        touched = bench_whatif.whatif_once(case)
        moved = f", moved {kind}" if kind else ""
        fig = report.add(Figure(
            AREA, f"what-if, {name}{moved} (kept timeline)", "s", baseline=full,
            target=target, check=(lambda f: f.median < limit) if target else None,
            note=f"{len(touched)} rules touched; up to 481 dates probed"))
        pairs.append((fig, lambda case=case: timed(lambda: bench_whatif.whatif_once(case))))
    interleave(rounds, *pairs)
    engine.dispose()


def kept_figure(db: Path, config_file: Path, rounds: int, e2e: Figure) -> Figure:
    """`evaluate_and_update` in a long-running process after a sync changed 10 events:
    the kept timeline (`calsync.alerts.kept`) re-reads those rows instead of all."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from calsync.alerts.evaluate import evaluate_and_update
    from calsync.clock import FixedClock
    from calsync.config import load_config
    from calsync.store.engine import make_engine
    from calsync.store.tables import events

    config = load_config(config_file)
    engine = make_engine(f"sqlite:///{db}")
    clock = FixedClock(datetime(2026, 11, 29, 12, tzinfo=UTC))
    evaluate_and_update(engine=engine, config=config, clock=clock)  # the first load
    fig = Figure(AREA, "`evaluate_and_update` in a long-running process after a sync "
                       "changed 10 events (kept timeline)", "s", baseline=e2e,
                 note="the same process: only the changed rows are read again")
    for n in range(rounds):
        ids = [1 + 997 * (n * 10 + k) for k in range(10)]
        clock.advance(timedelta(minutes=1))
        with engine.begin() as conn:  # what a sync's apply_plan writes for a change
            conn.execute(update(events).where(events.c.id.in_(ids)).values(
                title=events.c.title + " (moved)", sequence=events.c.sequence + 1,
                updated_at=clock.now()))
        fig.runs.append(timed(lambda ids=ids: evaluate_and_update(
            engine=engine, config=config, clock=clock, changed_event_ids=ids)))
    engine.dispose()
    return fig



def profile_evaluate(size: int) -> list[str]:
    """A py-spy profile of `calsync evaluate` on a `size`-event store."""
    from profiles import record, summary

    with tempfile.TemporaryDirectory(prefix="calsync-rules-") as tmp:
        folder = Path(tmp)
        db = folder / "rules.db"
        config_file = write_store(db, size)
        os.environ["CALSYNC_DATABASE_URL"] = f"sqlite:///{db}"
        try:
            argv = [CALSYNC, "-c", str(config_file), "evaluate", "--rule", "precedes-0"]
            subprocess.run(argv, cwd=folder, check=True, capture_output=True)
            return summary(record(argv))
        finally:
            del os.environ["CALSYNC_DATABASE_URL"]
