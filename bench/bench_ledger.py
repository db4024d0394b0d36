"""Throughput of the scheduler's run ledger (issue 7): how many claims a database drives.

    .venv/bin/python bench/bench_ledger.py [--ticks 2000] [--runs 3] [--procs 1,2,4]
                                           [--jobs 1000] [--history 50] [--no-postgres]

For SQLite (one file, BEGIN IMMEDIATE as the scheduler uses it) and PostgreSQL (the test
server on 127.0.0.1:5432, a scratch schema), with P processes started together:

- **claim cycle**: every process walks the same `--ticks` (job, tick) pairs over 100 jobs
  and tries to claim each (`INSERT … ON CONFLICT DO NOTHING RETURNING`); the winner
  completes it with the fenced `UPDATE … WHERE owner AND attempt` in its own transaction,
  as a sync's commit does. Reported: completed runs per second (each pair exactly once,
  checked), i.e. the ledger overhead per scheduled sync.
- **baseline**, same run, same processes: a bare one-row `INSERT` per transaction into
  the same table (no conflict handling, no lease, no completion). The ratio says what the
  ledger's exactly-once machinery costs over the cheapest write the database can do.
- **dispatch pass**: the queries one instance's dispatch pass makes over a ledger holding
  `--jobs` jobs × `--history` rows (database time; last ticks; running and waiting rows
  with their lease state — takeover statements run only when a lease has lapsed), cold
  (first pass: every job's last tick) and warm (later passes: only the jobs that may be
  due, here 1 %). This bounds dispatch passes per second per database.

Medians of `--runs`; processes synchronise on a barrier before the clock starts.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from calsync.scheduler.ledger import Ledger  # noqa: E402
from calsync.store.engine import make_engine, upgrade  # noqa: E402
from calsync.store.tables import scheduler_runs as runs  # noqa: E402

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
JOBS = 100


def pair(i: int) -> tuple[str, datetime]:
    return f"c{i % JOBS:03d}", T0 + timedelta(hours=i // JOBS)


def claim_worker(url: str, owner: str, ticks: int, barrier: Any, out: Any) -> None:
    engine = make_engine(url, immediate=True)
    ledger = Ledger(engine, owner, lease=60, max_attempts=3)
    barrier.wait()
    started = time.perf_counter()
    won = 0
    for i in range(ticks):
        job, tick = pair(i)
        claim = ledger.claim_tick(job, tick)
        if claim is not None:
            with engine.begin() as conn:
                assert ledger.fence(claim)(conn)
            won += 1
    out.put((won, time.perf_counter() - started))
    engine.dispose()


def insert_worker(url: str, owner: str, ticks: int, barrier: Any, out: Any) -> None:
    engine = make_engine(url, immediate=True)
    barrier.wait()
    started = time.perf_counter()
    for i in range(ticks):
        job, tick = pair(i)
        with engine.begin() as conn:
            conn.execute(insert(runs).values(job=f"{owner}-{job}", tick_at=tick,
                                             state="succeeded", attempt=1, failures=0))
    out.put((ticks, time.perf_counter() - started))
    engine.dispose()


def run_procs(target: Any, url: str, procs: int, ticks: int) -> tuple[int, float]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(procs)
    out = ctx.Queue()
    workers = [ctx.Process(target=target, args=(url, f"p{n}", ticks, barrier, out))
               for n in range(procs)]
    for w in workers:
        w.start()
    results = [out.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
    return sum(r[0] for r in results), max(r[1] for r in results)


def fresh(url_factory: Any) -> tuple[str, Any]:
    url, cleanup = url_factory()
    engine = make_engine(url, immediate=True)
    upgrade(engine)
    engine.dispose()
    return url, cleanup


def measure_claims(url_factory: Any, procs: int, ticks: int, runs_: int) -> dict[str, float]:
    cycles, inserts = [], []
    for _ in range(runs_):
        url, cleanup = fresh(url_factory)
        won, seconds = run_procs(claim_worker, url, procs, ticks)
        engine = make_engine(url, immediate=True)
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(runs)).scalar_one()
            done = conn.execute(select(func.count()).select_from(runs)
                                .where(runs.c.state == "succeeded")).scalar_one()
        engine.dispose()
        assert won == ticks == rows == done, (won, ticks, rows, done)  # each pair once
        cycles.append(ticks / seconds)
        cleanup()
        url, cleanup = fresh(url_factory)
        total, seconds = run_procs(insert_worker, url, procs, ticks)
        inserts.append(total / seconds)
        cleanup()
    return {"claims": statistics.median(cycles), "inserts": statistics.median(inserts)}


def measure_pass(url_factory: Any, jobs: int, history: int, runs_: int) -> dict[str, float]:
    url, cleanup = fresh(url_factory)
    engine = make_engine(url, immediate=True)
    rows = [{"job": f"c{j:05d}", "tick_at": T0 + timedelta(hours=h), "state": "succeeded",
             "attempt": 1, "failures": 0} for j in range(jobs) for h in range(history)]
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(insert(runs), rows[i:i + 5000])
    ledger = Ledger(engine, "bench", lease=60, max_attempts=3)
    names = [f"c{j:05d}" for j in range(jobs)]
    due = names[: max(1, jobs // 100)]  # ~1 % of jobs due in a pass (hourly, 5 s passes)
    cold, warm = [], []
    for _ in range(max(runs_, 5)):
        started = time.perf_counter()  # as Scheduler.dispatch: time, then the overview
        ledger.now()
        seen = ledger.overview(names)
        cold.append(time.perf_counter() - started)
        assert len(seen) == jobs and not any(s.expired for s in seen.values())
        started = time.perf_counter()
        ledger.now()
        ledger.overview(due)
        warm.append(time.perf_counter() - started)
    engine.dispose()
    cleanup()
    return {"cold": statistics.median(cold), "warm": statistics.median(warm)}


def sqlite_factory() -> Any:
    def make() -> tuple[str, Any]:
        folder = tempfile.TemporaryDirectory()
        return f"sqlite:///{folder.name}/ledger.db", folder.cleanup
    return make


def postgres_factory() -> Any:
    admin = create_engine(PG_BASE)

    def make() -> tuple[str, Any]:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

        def cleanup() -> None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

        return f"{PG_BASE}?options=-csearch_path%3D{schema}", cleanup
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ticks", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--procs", default="1,2,4")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--history", type=int, default=50)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    databases = [("SQLite (one file)", sqlite_factory())]
    if not args.no_postgres:
        databases.append(("PostgreSQL 15", postgres_factory()))
    print(f"ledger benchmark: {args.ticks} (job, tick) pairs over {JOBS} jobs, "
          f"median of {args.runs} runs\n")
    print("| database | processes | claim cycles/s (claim + fenced completion) | "
          "bare inserts/s (baseline) | ratio |")
    print("|---|---|---|---|---|")
    for name, factory in databases:
        for procs in (int(p) for p in args.procs.split(",")):
            got = measure_claims(factory, procs, args.ticks, args.runs)
            print(f"| {name} | {procs} | {got['claims']:,.0f} | {got['inserts']:,.0f} | "
                  f"{got['claims'] / got['inserts']:.2f} |", flush=True)
    print(f"\ndispatch pass over {args.jobs} jobs × {args.history} ledger rows "
          f"({args.jobs * args.history:,} rows):\n")
    print("| database | cold pass (every job's last tick) | warm pass (1 % of jobs due) |")
    print("|---|---|---|")
    for name, factory in databases:
        got = measure_pass(factory, args.jobs, args.history, args.runs)
        print(f"| {name} | {got['cold'] * 1000:.1f} ms | {got['warm'] * 1000:.1f} ms |",
              flush=True)


if __name__ == "__main__":
    main()
