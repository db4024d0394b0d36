"""What-if speed: one move on the pilot (target < 1 s) and on 100,000 events (< 3 s).

Reproduce: `.venv/bin/python bench/bench_whatif.py --runs 5`. The pilot is synced from the
bundled config into a temporary SQLite database; the 100k timeline is bench_rules'
generator (50 rules) stored in SQLite. Each what-if includes loading the timeline from the
store, the touched rules before and after, and the search for the satisfying date range
(up to 2 x 120 probes). Baseline in the same run: one full evaluation of every rule
(`evaluate_stored`), which is what a "copy the database and re-run" answer costs at least.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import Engine  # noqa: E402

from bench.bench_rules import NOW, make_events, rules_yaml  # noqa: E402
from calsync.alerts.evaluate import evaluate_stored  # noqa: E402
from calsync.clock import FixedClock  # noqa: E402
from calsync.config import load_config, load_config_text  # noqa: E402
from calsync.config.schema import Config  # noqa: E402
from calsync.runtime import Runtime  # noqa: E402
from calsync.store.engine import make_engine, upgrade  # noqa: E402
from calsync.whatif import Move, run_whatif  # noqa: E402
from calsync.whatif.changes import parse_date  # noqa: E402


def median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(name: str, engine: Engine, config: Config, uid: str, to: str, runs: int) -> None:
    touched: list[str] = []

    def once() -> None:
        with engine.connect() as conn:
            answer = run_whatif(conn, config, NOW, [Move(uid, parse_date(to, "to", NOW.date()))])
        touched[:] = answer["rules"]

    whatif = median(once, runs)
    full = median(lambda: evaluate_stored(engine, config, NOW), runs)
    print(f"{name}: what-if {whatif * 1000:.0f} ms ({len(touched)} rules touched; "
          f"full evaluation of {len(config.rules)} rules {full * 1000:.0f} ms, "
          f"ratio {whatif / full:.2f})")


def pilot(tmp: str, runs: int) -> None:
    os.chdir(REPO)
    engine = make_engine(f"sqlite:///{tmp}/pilot.db")
    upgrade(engine)
    runtime = Runtime.from_config(load_config(REPO / "config.yaml"), clock=FixedClock(NOW),
                                  engine=engine)
    runtime.connectors = {n: c for n, c in runtime.connectors.items() if c.config.enabled}
    asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    finding = next(f for f in evaluate_stored(engine, runtime.config, NOW).findings
                   if f.rule_id == "R2-B")
    report("pilot", engine, runtime.config, finding.subject.uid, "2027-06-01", runs)


def big(tmp: str, n: int, runs: int) -> None:
    from tests.rules.timelines import store

    config = load_config_text(rules_yaml())
    events = make_events(n)
    engine = make_engine(f"sqlite:///{tmp}/big.db")
    upgrade(engine)
    store(engine, [e.data for e in events], source="bench")
    moved = next(e for e in events[n // 2:] if e.kind == "deadline")
    report(f"{n} events", engine, config, moved.uid, "2031-03-08", runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pilot(tmp, args.runs)
        big(tmp, args.big, args.runs)


if __name__ == "__main__":
    main()
