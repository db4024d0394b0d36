"""What-if speed: one move on the pilot (target < 1 s) and three on 100,000 events (< 3 s).

Reproduce: `.venv/bin/python bench/bench_whatif.py --runs 5`. The pilot is synced from the
bundled config into a temporary SQLite database; the 100k timeline is bench_rules'
generator (50 rules) stored in SQLite, and three of its events moved in turn (`MOVES`): a
deadline (precedes, blackout), a decision (the 14k-event `no_overlap` partition of
municipal decisions and elections) and a period (coverage). Each what-if includes loading
the timeline from the store, the touched rules before and after, and the search for the
satisfying date range (up to 2 x 120 probes). Baseline in the same run: one full
evaluation of every rule (`evaluate_stored`), which is what a "copy the database and
re-run" answer costs at least.
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


Case = tuple[Engine, Config, str, str]  # engine, config, the moved event's UID, to


def whatif_once(case: Case) -> list[str]:
    """One what-if (the move of `case`); the rules it touched."""
    engine, config, uid, to = case
    with engine.connect() as conn:
        answer = run_whatif(conn, config, NOW, [Move(uid, parse_date(to, "to", NOW.date()))])
    rules: list[str] = answer["rules"]
    return rules


def report(name: str, case: Case, runs: int) -> None:
    touched: list[str] = []
    whatif = median(lambda: touched.__setitem__(slice(None), whatif_once(case)), runs)
    engine, config = case[0], case[1]
    full = median(lambda: evaluate_stored(engine, config, NOW), runs)
    print(f"{name}: what-if {whatif * 1000:.0f} ms ({len(touched)} rules touched; "
          f"full evaluation of {len(config.rules)} rules {full * 1000:.0f} ms, "
          f"ratio {whatif / full:.2f})")


def pilot_case(tmp: str) -> Case:
    """The bundled pilot synced into SQLite; the RUS moved to 2027-06-01."""
    os.chdir(REPO)
    engine = make_engine(f"sqlite:///{tmp}/pilot.db")
    upgrade(engine)
    runtime = Runtime.from_config(load_config(REPO / "config.yaml"), clock=FixedClock(NOW),
                                  engine=engine)
    runtime.connectors = {n: c for n, c in runtime.connectors.items() if c.config.enabled}
    asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    # The RUS: R2-B (before issue 11) or R13 (its review per electoral term) finds it.
    finding = next(f for f in evaluate_stored(engine, runtime.config, NOW).findings
                   if f.rule_id in ("R2-B", "R13"))
    return engine, runtime.config, finding.subject.uid, "2027-06-01"


MOVES = (("deadline", "2031-03-08"), ("decision", "2031-03-08"), ("period", "2031-03-08"))
"""The 100k moves: the first event of the kind in the second half of the events (their
order is the generator's, so the pick is deterministic), and where it moves to. The
decision is a municipal one, in the single partition of `no-overlap-7`."""


def big_cases(tmp: str, n: int) -> list[tuple[str, Case]]:
    """bench_rules' `n` events and 50 rules in SQLite; one case per move of `MOVES`."""
    from tests.rules.timelines import store

    config = load_config_text(rules_yaml())
    events = make_events(n)
    engine = make_engine(f"sqlite:///{tmp}/big.db")
    upgrade(engine)
    store(engine, [e.data for e in events], source="bench")
    out = []
    for kind, to in MOVES:
        moved = next(e for e in events[n // 2:] if e.kind == kind and (
            kind != "decision" or e.data.level == "municipal"))
        out.append((kind, (engine, config, moved.uid, to)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report("pilot", pilot_case(tmp), args.runs)
        for kind, case in big_cases(tmp, args.big):
            report(f"{args.big} events, moved {kind}", case, args.runs)


if __name__ == "__main__":
    main()
