"""Benchmark of issue 5's rule evaluation: 50 rules (all six kinds) over 10k and 100k events.

    .venv/bin/python bench/bench_rules.py [--runs 5] [--small 10000] [--big 100000] [--db]

Each run builds the rules' timeline from the events (compact items, wall-clock times,
inverted indexes: every selector materialised once) and evaluates the 50 rules; the
figure is the median of `--runs` runs, in-process, after one warm-up. Reported:

- index + evaluation time at `--small` and `--big` events and their ratio — targets:
  < 2 s at 100k, ratio ≤ 12 (n log n from 10k to 100k is a factor of about 12.5);
- separately, turning `Event` objects into the rules' items (the store path reads rows
  straight into items instead: see `--db`);
- re-evaluation after one event changed: rules touched and time (incremental run);
- with `--db`: loading the 100k-event timeline from a SQLite database (the column-wise
  loader the store-facing `evaluate_and_update` uses).

The events are deterministic (seeded): 400 actors on four levels, nine kinds, a quarter
all-day, some with an end and some instants, a twentieth tentative, tags and join
attributes (org, programme, budget_year) from small vocabularies, 2024-2035.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from calsync.config import load_config_text  # noqa: E402
from calsync.config.schema import Config  # noqa: E402
from calsync.model import Event, EventData, Status, event_uid  # noqa: E402
from calsync.rules.engine import evaluate, rules_touched  # noqa: E402
from calsync.rules.timeline import Timeline  # noqa: E402

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Stockholm")
LEVELS = ("eu", "national", "regional", "municipal")
KINDS = ("decision", "meeting", "deadline", "consultation", "budget", "period", "report",
         "election", "blackout")
TAGS = ("co-financing", "call", "budget-adoption", "board-proposal", "strategy",
        "programme-period", "statutory", "observed", "discharge", "annual-report",
        "campaign", "state-funded", "payment-claim")
PROGRAMMES = ("ERDF Övre Norrland", "ESF+", "Interreg Aurora", "Horizon Europe", "JTF")


def make_events(n: int, seed: int = 5) -> list[Event]:
    rng = random.Random(seed)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    first = date(2024, 1, 1).toordinal()
    for i in range(n):
        level = LEVELS[rng.randrange(4)]
        actor_no = rng.randrange(400)
        kind = KINDS[rng.randrange(len(KINDS))]
        day = date.fromordinal(first + rng.randrange(12 * 365))
        shape = rng.random()
        start: date | datetime
        end: date | datetime | None
        if shape < 0.25:  # all-day, one or several days (periods are long)
            start = day
            length = rng.randrange(200, 2500) if kind == "period" else rng.randrange(1, 40)
            end = day + timedelta(days=length)
        else:
            start = datetime(day.year, day.month, day.day, rng.randrange(8, 18),
                             rng.choice((0, 15, 30, 45)), tzinfo=TZ)
            end = None if shape > 0.85 else start + timedelta(minutes=rng.randrange(30, 300))
        tags = tuple(sorted({TAGS[rng.randrange(len(TAGS))] for _ in range(rng.randrange(3))}))
        attrs = {"org": f"org-{actor_no}", "programme": PROGRAMMES[rng.randrange(5)],
                 "budget_year": str(day.year + 1)}
        if rng.random() < 0.3:
            attrs["track"] = "deferred"
        data = EventData(external_uid=f"e{i}", title=f"{kind} {i}", start=start, end=end,
                         timezone="Europe/Stockholm", level=level, actor=f"Actor {actor_no}",
                         kind=kind, tags=tags, attrs=attrs,
                         status=Status.TENTATIVE if rng.random() < 0.05 else Status.CONFIRMED)
        out.append(Event(id=i + 1, uid=event_uid("bench", f"e{i}"), source="bench", data=data,
                         sequence=0, content_hash="", first_seen=stamp, last_seen=stamp,
                         updated_at=stamp))
    return out


def rules_yaml() -> str:
    """50 rules: 9 precedes, 9 within, 8 no_overlap, 8 blackout, 8 coverage, 8 deadline."""
    lines = ["selectors:",
             "  blackouts: {kind: blackout}",
             "  campaign: {tags: [campaign]}",
             "  periods: {kind: period, tags: [programme-period]}",
             "rules:"]
    for i in range(9):
        lines += [f"  precedes-{i}:", "    kind: precedes",
                  f"    a: {{kind: decision, level: {LEVELS[i % 4]}, tags: [co-financing]}}",
                  "    b: {kind: deadline, tags: [call]}",
                  f"    join: {{keys: [programme], pick: {('nearest', 'next', 'all')[i % 3]}}}",
                  f"    min_lead: P{i * 3}D"]
        if i % 3 == 2:
            lines[-2] = "    join: {keys: [programme, budget_year], pick: all}"
            lines.append("    max_lead: P200D")
    for i in range(9):
        if i % 2:
            lines += [f"  within-{i}:", "    kind: within",
                      f"    a: {{kind: report, level: {LEVELS[i % 4]}}}",
                      f"    window: {{from: 2025-0{1 + i % 9}-01, to: 2033-12-31}}"]
        else:
            lines += [f"  within-{i}:", "    kind: within",
                      f"    a: {{kind: consultation, level: {LEVELS[i % 4]}}}", "    point: end",
                      "    relative_to: {selector: {kind: decision}, join: {keys: [org], "
                      "pick: next}, anchor: start, from: -P120D, to: -P7D}"]
    for i in range(8):
        lines += [f"  no-overlap-{i}:", "    kind: no_overlap",
                  f"    a: {{kind: {('meeting', 'decision')[i % 2]}, level: {LEVELS[i % 4]}}}",
                  "    partition: [actor]", f"    min_separation: P{i % 3}D"]
        if i == 7:
            lines[-2:] = ["    b: {kind: election}", "    partition: []"]
    for i in range(8):
        windows = ("[{selector: blackouts}]", "[{non_working_days: SE}]",
                   "[{yearly: {from: --07-01, to: --07-31}}, {yearly: {from: --12-23, "
                   "to: --01-06}}]", "[{selector: campaign, before: P14D}]")[i % 4]
        lines += [f"  blackout-{i}:", "    kind: blackout",
                  f"    a: {{kind: {('consultation', 'deadline')[i % 2]}, "
                  f"level: {LEVELS[i % 4]}}}",
                  f"    point: {('span', 'start')[i % 2]}", f"    windows: {windows}"]
        if i % 4 == 0:
            lines.append("    min_effective_working_days: 10")
    for i in range(8):
        span = ("{selector: periods}" if i % 2 else
                "{from: 2026-01-01, to: 2030-12-31}")
        lines += [f"  coverage-{i}:", "    kind: coverage",
                  f"    a: {{kind: period, level: {LEVELS[i % 4]}}}", f"    span: {span}",
                  f"    max_gap: P{30 * (i % 3)}D"]
        if i % 4 == 0:
            lines.append("    partition: [programme]")
    for i in range(8):
        lines += [f"  deadline-{i}:", "    kind: deadline",
                  f"    a: {{kind: budget, level: {LEVELS[i % 4]}, "
                  f"tags: [{('budget-adoption', 'board-proposal')[i % 2]}]}}",
                  "    partition: [org]", "    year: {attr: budget_year, offset: -1}",
                  f"    by: {('--11-30', '--10-31')[i % 2]}",
                  "    variants: [{when: {where: {track: deferred}}, by: --12-31}]"]
        if i % 4 == 3:
            lines += ["    in_years_of: {kind: election}",
                      "    not_before: {selector: {kind: election}}"]
    lines += ["alerts: {lookback: null, max_findings: 1000}"]  # the workload of the baseline
    return "\n".join(lines) + "\n"


def measure(config: Config, found: list[Event], runs: int
            ) -> tuple[float, float, int, float]:
    """(median seconds of index + evaluation, median seconds of the Event -> item
    conversion, findings, median CPU seconds of index + evaluation). The CPU time is
    what to compare on a shared machine: other processes' load inflates the wall time."""
    totals, builds, cpus, count = [], [], [], 0
    for i in range(runs + 1):
        started = time.perf_counter()
        timeline = Timeline.from_events(found, TZ)
        built = time.perf_counter()
        cpu = time.process_time()
        result = evaluate(config, timeline, NOW)
        cpu = time.process_time() - cpu
        done = time.perf_counter()
        if i:  # the first run warms caches (holidays, selectors' code paths)
            totals.append(done - built)
            builds.append(built - started)
            cpus.append(cpu)
        count = len(result.findings)
    return statistics.median(totals), statistics.median(builds), count, \
        statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--db", action="store_true", help="also time loading from SQLite")
    args = parser.parse_args()
    logging.getLogger("calsync.rules").setLevel(logging.ERROR)  # cap warnings: expected here
    config = load_config_text(rules_yaml())
    kinds: dict[str, int] = {}
    for rule in config.rules.values():
        kinds[rule.kind] = kinds.get(rule.kind, 0) + 1
    print(f"{len(config.rules)} rules: {kinds}")
    small_events = make_events(args.small)
    big_events = make_events(args.big)
    small, small_build, small_found, small_cpu = measure(config, small_events, args.runs)
    big, big_build, big_found, big_cpu = measure(config, big_events, args.runs)
    print(f"{args.small:>7} events: index + evaluate {small * 1000:8.1f} ms (CPU "
          f"{small_cpu * 1000:.1f} ms; + items from Event objects "
          f"{small_build * 1000:.1f} ms), {small_found} findings")
    print(f"{args.big:>7} events: index + evaluate {big * 1000:8.1f} ms (CPU "
          f"{big_cpu * 1000:.1f} ms; + items from Event objects {big_build * 1000:.1f} ms), "
          f"{big_found} findings")
    print(f"ratio {args.big // 1000}k/{args.small // 1000}k: {big / small:.2f} "
          f"(events ×{args.big / args.small:g})")
    timeline = Timeline.from_events(big_events, TZ)
    changed = [big_events[len(big_events) // 2]]
    started = time.perf_counter()
    touched = rules_touched(config, timeline, changed)
    evaluate(config, timeline, NOW, touched)
    incremental = time.perf_counter() - started
    print(f"incremental after 1 changed event ({changed[0].kind}): {len(touched)} of "
          f"{len(config.rules)} rules, {incremental * 1000:.1f} ms")
    if args.db:
        from calsync.rules.timeline import load_timeline
        from calsync.store.engine import make_engine, upgrade
        from tests.rules.timelines import store

        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            upgrade(engine)
            store(engine, [e.data for e in big_events], source="bench")
            loads = []
            for _ in range(args.runs):
                started = time.perf_counter()
                with engine.connect() as conn:
                    loaded = load_timeline(conn, TZ)
                loads.append(time.perf_counter() - started)
            print(f"load {len(loaded)} events from SQLite: "
                  f"{statistics.median(loads) * 1000:.1f} ms")
            engine.dispose()


if __name__ == "__main__":
    main()
