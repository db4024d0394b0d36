"""The dispatch loop in one process, with the clock in the test's hand: summer time,
coalescing, backoff, retries and abandonment, singleton jobs, shutdown and leases."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.scheduler import request_sync, status
from calsync.scheduler.hooks import HookContext, Hooks, raise_abandoned_alert
from calsync.scheduler.ledger import Ledger
from calsync.scheduler.worker import Scheduler
from calsync.store.tables import alerts, events, sync_runs
from calsync.store.tables import scheduler_runs as runs
from calsync.sync import FencedOut
from tests.scheduler.support import events_file
from tests.support import write_events

T = TypeVar("T")
STOCKHOLM = ZoneInfo("Europe/Stockholm")

CONNECTOR = """
  {name}:
    type: tests.scheduler.support:SlowFileConnector
    level: municipal
    actor: Vindelns kommun
    kind: meeting
    file: {name}.json
    log: fetches.jsonl
    delay: {delay}
    schedule: {schedule}
"""


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def db_now(engine: Engine) -> datetime:
    return Ledger(engine, "probe", lease=1, max_attempts=1).now()


class Setup:
    """A config with the given connectors, their upstream files, and schedulers on it."""

    def __init__(self, tmp_path: Path, write_config: Callable[..., Path], engine: Engine,
                 connectors: dict[str, str], *, scheduler: dict[str, Any] | None = None,
                 delay: float = 0.0,
                 clock: FixedClock | None = None) -> None:
        text = "connectors:" + "".join(
            CONNECTOR.format(name=n, delay=delay, schedule=s) for n, s in connectors.items())
        knobs = {"dispatch_interval": 0.1, "lease": 30, **(scheduler or {})}
        text += "scheduler: " + json.dumps(knobs) + "\n"
        self.path = write_config(text)
        self.tmp = tmp_path
        for name in connectors:
            events_file(tmp_path / f"{name}.json", "v1", 3)
        self.engine = engine
        self.clock = clock or FixedClock(db_now(engine))
        self.runtime = Runtime.from_config(load_config(self.path), clock=self.clock,
                                           engine=engine)
        self.alerts: list[tuple[str, datetime, str]] = []
        self.evaluations: list[frozenset[int] | None] = []
        self._lock = threading.Lock()

    def scheduler(self, name: str = "a", **hooks: Any) -> Scheduler:
        return Scheduler(self.runtime, engine=self.engine, instance_id=name,
                         hooks=Hooks(alert=self._alert, **hooks))

    def _alert(self, _ctx: HookContext, job: str, tick: datetime, error: str) -> None:
        self.alerts.append((job, tick, error))

    def evaluate(self, ctx: HookContext) -> dict[str, Any]:
        with self._lock:
            self.evaluations.append(ctx.changed_event_ids)
        time.sleep(0.05)  # long enough for a second instance to try
        return {"enqueued": 0}

    def rows(self, job: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(runs).where(runs.c.job == job).order_by(runs.c.tick_at)).mappings()]

    def stored_titles(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(events.c.title)).scalars())


async def step(scheduler: Scheduler, now: datetime) -> int:
    claims = await scheduler.dispatch(now)
    await scheduler.wait_idle()
    return len(claims)


@pytest.mark.parametrize("start", [datetime(2026, 3, 27, 12, tzinfo=UTC),
                                   datetime(2026, 10, 23, 12, tzinfo=UTC)],
                         ids=["spring-forward", "fall-back"])
def test_summer_time_schedules_fire_once(engine: Engine, tmp_path: Path,
                                         write_config: Callable[..., Path],
                                         start: datetime) -> None:
    setup = Setup(tmp_path, write_config, engine, {
        "daily": "{cron: '30 2 * * *'}", "hourly": "{cron: '15 * * * *'}",
        "sixhourly": "{every: PT6H}"})
    scheduler = setup.scheduler()

    async def walk() -> None:
        for hour in range(4 * 24 + 1):
            await step(scheduler, start + timedelta(hours=hour))
        await scheduler.shutdown()

    run(walk())
    daily = setup.rows("daily")
    days = [r["tick_at"].astimezone(STOCKHOLM).date() for r in daily]
    assert len(days) == len(set(days)) == 5  # the day before, and one a day for four
    assert {r["tick_at"].astimezone(STOCKHOLM).strftime("%H:%M") for r in daily} <= {
        "02:30", "03:30"}  # 02:30 does not exist on 29 March: it fires at 03:30 CEST
    hourly = [r["tick_at"] for r in setup.rows("hourly")]
    assert len(hourly) == 4 * 24 + 1
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(hourly))
    six = [r["tick_at"] for r in setup.rows("sixhourly")]
    assert all(b - a == timedelta(hours=6) for a, b in pairwise(six))
    every = [r for job in ("daily", "hourly", "sixhourly") for r in setup.rows(job)]
    assert {r["state"] for r in every} == {"succeeded"}
    assert {r["attempt"] for r in every} == {1}


def test_missed_ticks_are_coalesced(engine: Engine, tmp_path: Path,
                                    write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {
        "hourly": "{every: PT1H}", "graced": "{every: PT1H, misfire_grace: PT10M}"})
    t0 = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    scheduler = setup.scheduler()

    async def go() -> list[int]:
        done = [await step(scheduler, t0 + timedelta(minutes=5)),
                await step(scheduler, t0 + timedelta(hours=5, minutes=30)),
                await step(scheduler, t0 + timedelta(hours=5, minutes=40))]
        await scheduler.shutdown()
        return done

    assert run(go()) == [2, 1, 0]
    hourly = setup.rows("hourly")
    assert [(r["tick_at"] - t0, r["state"]) for r in hourly] == [
        (timedelta(0), "succeeded"),
        *[(timedelta(hours=h), "missed") for h in range(1, 5)],
        (timedelta(hours=5), "succeeded")]
    assert hourly[-1]["detail"]["missed"] == 4
    graced = setup.rows("graced")
    assert [r["state"] for r in graced] == ["succeeded"] + ["missed"] * 5


def test_backoff_defers_ticks_and_failures_retry(engine: Engine, tmp_path: Path,
                                                 write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {"flaky": "{every: PT1H}"})
    now = setup.clock.now()
    write_events(tmp_path / "flaky.json", {"fail": "retriable"})  # Retry-After: 120 s
    scheduler = setup.scheduler()

    async def go() -> None:
        await step(scheduler, now)
        [row] = setup.rows("flaky")
        assert (row["state"], row["failures"], row["outcome"]) == ("waiting", 1, "failed")
        assert row["not_before"] == now + timedelta(seconds=120)  # the source's retry_at
        assert "503" in row["error"]
        # The next tick comes while the retry still waits: recorded, not run.
        with engine.begin() as conn:
            conn.execute(update(runs).values(not_before=now + timedelta(days=1)))
        assert await step(scheduler, now + timedelta(hours=1)) == 0
        assert [r["state"] for r in setup.rows("flaky")] == ["waiting", "skipped"]
        events_file(tmp_path / "flaky.json", "v2", 3)
        with engine.begin() as conn:  # time passes: the backoff ends
            conn.execute(update(runs).where(runs.c.state == "waiting")
                         .values(not_before=now - timedelta(seconds=1)))
        assert await step(scheduler, now + timedelta(hours=1)) == 1
        await scheduler.shutdown()

    run(go())
    first, skipped = setup.rows("flaky")
    assert (first["state"], first["attempt"], first["outcome"]) == ("succeeded", 2, "ok")
    assert "retry is pending" in skipped["error"]
    assert setup.alerts == []


def test_a_source_backing_off_defers_its_tick(engine: Engine, tmp_path: Path,
                                              write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {"flaky": "{every: PT1H}"})
    write_events(tmp_path / "flaky.json", {"fail": "retriable"})
    [report] = run(setup.runtime.syncer().sync_many(setup.runtime.select_connectors()))
    assert report.outcome == "failed"  # by hand: `calsync sync` left a backoff
    scheduler = setup.scheduler()

    async def go() -> int:
        claimed = await step(scheduler, setup.clock.now())
        await scheduler.shutdown()
        return claimed

    assert run(go()) == 0
    [row] = setup.rows("flaky")
    assert row["state"] == "waiting" and row["attempt"] == 0
    assert row["not_before"] == setup.clock.now() + timedelta(seconds=120)
    assert row["error"].startswith("deferred: the source backs off")


def test_failures_are_abandoned_after_max_attempts_with_an_alert(
        engine: Engine, tmp_path: Path, write_config: Callable[..., Path]) -> None:
    now = db_now(engine)
    setup = Setup(tmp_path, write_config, engine, {"broken": "{every: PT1H}"},
                  scheduler={"max_attempts": 2},
                  clock=FixedClock(now - timedelta(minutes=10)))  # backoffs already over
    write_events(tmp_path / "broken.json", {"fail": "fatal"})
    scheduler = setup.scheduler()

    async def go() -> None:
        assert await step(scheduler, now) == 1
        assert await step(scheduler, now) == 1  # the retry
        assert await step(scheduler, now) == 0
        await scheduler.shutdown()

    run(go())
    [row] = setup.rows("broken")
    assert (row["state"], row["attempt"], row["failures"]) == ("abandoned", 2, 2)
    assert [(job, tick) for job, tick, _ in setup.alerts] == [("broken", row["tick_at"])]
    assert "404" in setup.alerts[0][2]
    health = status(engine, setup.runtime.config, FixedClock(now))["broken"]
    assert health["stale"] is True and "404" in health["alert"]
    assert health["outcome"] == "failed" and health["last_run"]["state"] == "abandoned"


def test_one_evaluation_per_change_across_instances(engine: Engine, tmp_path: Path,
                                                    write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {"council": "{every: PT1H}"})
    now = setup.clock.now()
    a = setup.scheduler("a", evaluate=setup.evaluate)
    b = setup.scheduler("b", evaluate=setup.evaluate)

    async def both(at: datetime) -> None:
        setup.clock.advance(timedelta(seconds=1))  # the syncs' own clock moves on too
        await asyncio.gather(a.dispatch(at), b.dispatch(at))
        await asyncio.gather(a.wait_idle(), b.wait_idle())

    async def go() -> None:
        await both(now)  # the first sync adds three events and asks for an evaluation
        await both(now)
        await both(now)
        events_file(tmp_path / "council.json", "v1", 4)  # one more event upstream
        await both(now + timedelta(hours=1))
        await both(now + timedelta(hours=1))
        await both(now + timedelta(hours=2))  # unchanged upstream: no evaluation
        await both(now + timedelta(hours=2))
        await a.shutdown()
        await b.shutdown()

    run(go())
    with engine.connect() as conn:
        ids = dict(conn.execute(select(events.c.external_uid, events.c.id)).all())
    assert setup.evaluations == [frozenset(ids[f"e{i}"] for i in range(3)),
                                 frozenset({ids["e3"]})]
    requests = setup.rows("__evaluate__")
    assert [r["state"] for r in requests] == ["succeeded", "succeeded"]
    assert [r["outcome"] for r in setup.rows("council")] == ["ok", "ok", "not_modified"]


def test_shutdown_releases_what_does_not_finish(engine: Engine, tmp_path: Path,
                                                write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {"slow": "{every: PT1H}"}, delay=5.0,
                  scheduler={"shutdown_grace": 0.2})
    a, b = setup.scheduler("a"), setup.scheduler("b")

    async def go() -> None:
        assert await a.dispatch()
        await asyncio.sleep(0.3)
        await a.shutdown()
        [row] = setup.rows("slow")
        assert (row["state"], row["failures"]) == ("waiting", 0)
        assert row["error"] == "released by a on shutdown"
        [again] = await b.dispatch()
        assert (again.attempt, again.owner, again.tick_at) == (2, "b", row["tick_at"])
        await b.shutdown()

    run(go())
    assert setup.stored_titles() == []  # neither half-finished sync wrote anything


def test_max_runtime_stops_a_sync(engine: Engine, tmp_path: Path,
                                  write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine,
                  {"slow": "{every: PT1H, max_runtime: 0.3}"}, delay=5.0)
    scheduler = setup.scheduler()

    async def go() -> None:
        await step(scheduler, setup.clock.now())
        await scheduler.shutdown()

    run(go())
    [row] = setup.rows("slow")
    assert (row["state"], row["failures"]) == ("waiting", 1)
    assert row["error"] == "exceeded the maximum runtime (0.3s)"
    assert setup.stored_titles() == []


def test_a_stalled_instance_loses_its_run_and_writes_nothing(
        engine: Engine, tmp_path: Path, write_config: Callable[..., Path],
        caplog: pytest.LogCaptureFixture) -> None:
    # Margins of about a second around the lease, so a loaded CI machine keeps the order.
    setup = Setup(tmp_path, write_config, engine, {"slow": "{every: PT1H}"}, delay=4.0,
                  scheduler={"lease": 2, "heartbeat": 0.4})
    a, b = setup.scheduler("a"), setup.scheduler("b")

    async def go() -> None:
        assert await a.dispatch()
        # Stall a's database threads (a long GC pause, a hung socket): no heartbeats.
        for _ in range(2):
            a._pool.submit(time.sleep, 3.4)
        await asyncio.sleep(2.7)
        [taken] = await b.dispatch()
        assert (taken.how, taken.attempt) == ("takeover", 2)
        await asyncio.gather(a.wait_idle(), b.wait_idle())
        await a.shutdown()
        await b.shutdown()

    run(go())
    [row] = setup.rows("slow")
    assert (row["state"], row["owner"], row["attempt"]) == ("succeeded", "b", 2)
    with engine.connect() as conn:
        outcomes = conn.execute(select(sync_runs.c.outcome)).scalars().all()
    assert sorted(outcomes) == ["interrupted", "ok"]  # a's sync never completed
    assert "a: slow was taken over by another instance; stopped" in caplog.text
    assert setup.stored_titles() == [f"v1 meeting {i}" for i in range(3)]


def test_the_fence_rolls_back_a_stale_sync(engine: Engine, tmp_path: Path,
                                           write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {"src": "{every: PT1H}"})
    [connector] = setup.runtime.select_connectors()
    a = Ledger(engine, "a", lease=30, max_attempts=3)
    b = Ledger(engine, "b", lease=30, max_attempts=3)
    stale = a.claim_tick("src", setup.clock.now())
    assert stale is not None
    with engine.begin() as conn:
        conn.execute(update(runs).values(lease_until=datetime(2000, 1, 1, tzinfo=UTC)))
    [fresh], _ = b.take_over(1)

    async def go() -> None:
        with pytest.raises(FencedOut):
            await setup.runtime.syncer().sync(connector, _client(), fence=a.fence(stale))
        assert setup.stored_titles() == []
        report = await setup.runtime.syncer().sync(connector, _client(), fence=b.fence(fresh))
        assert report.outcome == "ok"

    run(go())
    assert len(setup.stored_titles()) == 3
    [row] = setup.rows("src")
    assert (row["state"], row["owner"], row["attempt"]) == ("succeeded", "b", 2)


def _client() -> Any:
    from calsync.sdk.http import make_client

    return make_client()


def test_status_shows_next_and_last_run(engine: Engine, tmp_path: Path,
                                        write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {
        "hourly": "{every: PT1H}", "waiting": "{cron: '0 6 * * *'}"})
    now = setup.clock.now()
    before = status(engine, setup.runtime.config, setup.clock)
    assert before["hourly"]["last_run"] is None and before["hourly"]["stale"] is True
    assert before["hourly"]["schedule"] == "every PT1H (Europe/Stockholm)"
    scheduler = setup.scheduler()

    async def go() -> None:
        await step(scheduler, now)
        await scheduler.shutdown()

    run(go())
    after = status(engine, setup.runtime.config, setup.clock)
    hourly = after["hourly"]
    tick = datetime.fromisoformat(hourly["last_run"]["tick"])
    assert tick <= now < tick + timedelta(hours=1)
    assert hourly["next_run"] == (tick + timedelta(hours=1)).isoformat()
    assert (hourly["outcome"], hourly["stale"], hourly["running"]) == ("ok", False, False)
    assert hourly["last_run"]["owner"] == "a" and hourly["alert"] is None
    later = status(engine, setup.runtime.config, FixedClock(now + timedelta(hours=3)))
    assert later["hourly"]["stale"] is True  # two periods and the runtime without a sync


def test_a_requested_sync_runs_once_even_for_an_unscheduled_connector(
        engine: Engine, tmp_path: Path, write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {"scheduled": "{every: PT1H}"})
    text = setup.path.read_text(encoding="utf-8").replace(
        "scheduler:", "  byhand:\n    type: tests.support:FileConnector\n"
                      "    kind: meeting\n    level: eu\n    actor: EU\n    enabled: false\n"
                      "    file: byhand.json\n"
                      "scheduler:")
    setup.path.write_text(text.replace('"lease": 30', '"lease": 30, "default_schedule": null'),
                          encoding="utf-8")
    events_file(tmp_path / "byhand.json", "v1", 3)
    setup.runtime = Runtime.from_config(load_config(setup.path), clock=setup.clock,
                                        engine=engine)
    a, b = setup.scheduler("a"), setup.scheduler("b")
    assert status(engine, setup.runtime.config, setup.clock)["byhand"]["schedule"] is None

    async def go() -> None:
        await asyncio.gather(a.dispatch(), b.dispatch())
        await asyncio.gather(a.wait_idle(), b.wait_idle())
        assert setup.rows("byhand") == []  # never on its own
        first = request_sync(engine, "byhand", by="admin")
        second = request_sync(engine, "byhand", accept_removals=True)
        assert first != second
        await asyncio.gather(a.dispatch(), b.dispatch())
        await asyncio.gather(a.wait_idle(), b.wait_idle())
        await a.shutdown()
        await b.shutdown()

    run(go())
    rows = setup.rows("byhand")
    assert [r["state"] for r in rows] == ["skipped", "succeeded"]  # merged into one run
    assert rows[1]["outcome"] == "ok" and rows[1]["detail"]["accept_removals"] is True
    assert len([t for t in setup.stored_titles() if t.startswith("v1")]) == 6


def test_an_abandoned_run_raises_one_system_alert(engine: Engine, tmp_path: Path,
                                                  write_config: Callable[..., Path]) -> None:
    setup = Setup(tmp_path, write_config, engine, {"broken": "{every: PT1H}"})
    ctx = HookContext(engine=engine, config=setup.runtime.config, clock=setup.clock,
                      owner="w1")
    tick = setup.clock.now()
    raise_abandoned_alert(ctx, "broken", tick, "abandoned after 3 attempt(s): 404")
    raise_abandoned_alert(ctx, "broken", tick, "abandoned after 3 attempt(s): 404")
    with engine.connect() as conn:
        [alert] = conn.execute(select(alerts).where(alerts.c.rule_kind == "system")
                               ).mappings().all()
    assert alert["status"] == "firing" and alert["labels"]["source"] == "broken"
    assert alert["labels"]["alertname"] == "ScheduledRunAbandoned"
    assert "404" in alert["annotations"]["description"]
