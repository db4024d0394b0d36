"""The run ledger's guarantees, statement by statement, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from calsync.scheduler.ledger import (
    ABANDONED,
    MISSED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    WAITING,
    Ledger,
)
from calsync.store.tables import scheduler_runs as runs


def ledger(engine: Engine, owner: str, *, lease: float = 30.0, attempts: int = 3) -> Ledger:
    return Ledger(engine, owner, lease=lease, max_attempts=attempts, retry_base=0.001)


def expire(engine: Engine, run_id: int) -> None:
    """What time does to a lease nobody renews."""
    with engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id == run_id)
                     .values(lease_until=datetime(2000, 1, 1).astimezone()))


def rows(engine: Engine, job: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(runs).where(runs.c.job == job).order_by(runs.c.tick_at)).mappings()]


@pytest.fixture
def tick(engine: Engine) -> datetime:
    now = ledger(engine, "probe").now()
    return now.replace(microsecond=0) - timedelta(seconds=5)


def test_database_time_is_aware_utc(engine: Engine) -> None:
    now = ledger(engine, "a").now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


def test_one_instance_wins_a_tick(engine: Engine, tick: datetime) -> None:
    a, b = ledger(engine, "a"), ledger(engine, "b")
    won = a.claim_tick("job", tick)
    assert won is not None and (won.attempt, won.owner, won.how) == (1, "a", "new")
    assert b.claim_tick("job", tick) is None
    [row] = rows(engine, "job")
    assert row["state"] == RUNNING and row["owner"] == "a"
    assert isinstance(row["lease_until"], datetime) and row["lease_until"] > tick


def test_a_busy_job_gets_no_second_running_tick(engine: Engine, tick: datetime) -> None:
    a, b = ledger(engine, "a"), ledger(engine, "b")
    assert a.claim_tick("job", tick) is not None
    assert b.claim_tick("job", tick + timedelta(hours=1)) is None
    assert a.claim_tick("other", tick) is not None  # other jobs are not affected
    assert [r["tick_at"] for r in rows(engine, "job")] == [tick]


def test_claim_records_older_due_ticks_as_missed(engine: Engine, tick: datetime) -> None:
    older = [tick - timedelta(hours=h) for h in (3, 2, 1)]
    claim = ledger(engine, "a").claim_tick("job", tick, missed=older, missed_total=3)
    assert claim is not None and claim.detail == {"missed": 3}
    assert [r["state"] for r in rows(engine, "job")] == [MISSED, MISSED, MISSED, RUNNING]


def test_heartbeat_fence_and_takeover(engine: Engine, tick: datetime) -> None:
    a, b = ledger(engine, "a"), ledger(engine, "b")
    first = a.claim_tick("job", tick)
    assert first is not None
    assert a.heartbeat(first) == "ok"
    assert b.take_over(5) == ([], [])  # the lease is fresh
    expire(engine, first.id)
    [second], abandoned = b.take_over(5)
    assert abandoned == [] and (second.owner, second.attempt, second.how) == ("b", 2, "takeover")
    assert ledger(engine, "c").take_over(5) == ([], [])  # taken over exactly once
    assert a.heartbeat(first) == "lost"
    with engine.begin() as conn:
        assert a.fence(first)(conn) is False  # the stale attempt cannot complete
    seen: list[str] = []
    with engine.begin() as conn:
        assert b.fence(second, then=lambda _c, _ids: seen.append("then"))(conn) is True
    assert seen == ["then"]
    [row] = rows(engine, "job")
    assert (row["state"], row["owner"], row["attempt"], row["failures"]) == (
        SUCCEEDED, "b", 2, 1)
    assert b.heartbeat(second) == "done"


def test_a_fenced_transaction_rolls_back_with_the_data(engine: Engine, tick: datetime) -> None:
    a, b = ledger(engine, "a"), ledger(engine, "b")
    first = a.claim_tick("job", tick)
    assert first is not None
    expire(engine, first.id)
    b.take_over(5)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id == first.id).values(error="zombie wrote"))
        if not a.fence(first)(conn):
            raise RuntimeError("fenced out")
    assert rows(engine, "job")[0]["error"] is None


def test_expired_runs_are_abandoned_after_max_attempts(engine: Engine, tick: datetime) -> None:
    owners = [ledger(engine, name, attempts=2) for name in ("a", "b", "c")]
    claim = owners[0].claim_tick("job", tick)
    assert claim is not None
    expire(engine, claim.id)
    [again], _ = owners[1].take_over(5)
    assert again.attempt == 2
    expire(engine, claim.id)
    taken, abandoned = owners[2].take_over(5)
    assert taken == [] and [a["job"] for a in abandoned] == ["job"]
    assert "abandoned after 2 attempt(s)" in str(abandoned[0]["error"])
    [row] = rows(engine, "job")
    assert (row["state"], row["failures"], row["owner"]) == (ABANDONED, 2, "b")
    assert owners[2].take_over(5) == ([], [])  # abandoned once


def test_failures_wait_for_the_backoff_then_retry(engine: Engine, tick: datetime) -> None:
    a, b = ledger(engine, "a", attempts=2), ledger(engine, "b", attempts=2)
    claim = a.claim_tick("job", tick)
    assert claim is not None
    later = tick + timedelta(days=1)
    assert a.fail(claim, "upstream answered 503", outcome="failed", retry_at=later) == WAITING
    assert a.fail(claim, "twice") is None  # no longer running: nothing changes
    [row] = rows(engine, "job")
    assert (row["state"], row["not_before"], row["failures"]) == (WAITING, later, 1)
    assert b.claim_waiting("job") is None  # not before the backoff ends
    with engine.begin() as conn:
        conn.execute(update(runs).values(not_before=tick))
    retry = b.claim_waiting("job")
    assert retry is not None and (retry.attempt, retry.owner, retry.failures) == (2, "b", 1)
    assert b.fail(retry, "still 503") == ABANDONED
    assert rows(engine, "job")[0]["finished_at"] is not None


def test_waiting_requests_merge_into_one_run(engine: Engine, tick: datetime) -> None:
    a, b = ledger(engine, "a"), ledger(engine, "b")
    for n in range(3):
        with engine.begin() as conn:
            a.request(conn, "__evaluate__", {"event_ids": [n]})
    claim = b.claim_waiting("__evaluate__")
    assert claim is not None and claim.detail == {"event_ids": [2]}
    assert sorted(d["event_ids"][0] for d in claim.merged) == [0, 1]
    assert a.claim_waiting("__evaluate__") is None
    assert [r["state"] for r in rows(engine, "__evaluate__")] == [SKIPPED, SKIPPED, RUNNING]
    with engine.begin() as conn:  # a request while one runs waits for the next run
        a.request(conn, "__evaluate__", {"event_ids": [9]})
    assert a.claim_waiting("__evaluate__") is None
    assert b.complete(claim, outcome="ok")
    nxt = a.claim_waiting("__evaluate__")
    assert nxt is not None and nxt.detail == {"event_ids": [9]} and nxt.merged == []


def test_release_hands_a_run_to_another_instance(engine: Engine, tick: datetime) -> None:
    a, b = ledger(engine, "a"), ledger(engine, "b")
    claim = a.claim_tick("job", tick)
    assert claim is not None
    assert a.release(claim, "released on shutdown")
    again = b.claim_waiting("job")
    assert again is not None and (again.attempt, again.failures, again.tick_at) == (2, 0, tick)


def test_a_restarted_instance_hands_back_its_runs(engine: Engine, tick: datetime) -> None:
    before = ledger(engine, "pod-1")
    claim = before.claim_tick("job", tick)
    assert claim is not None
    assert ledger(engine, "pod-1").reclaim_own() == 1
    [taken], _ = ledger(engine, "pod-2").take_over(5)
    assert taken.id == claim.id and taken.attempt == 2


def test_prune_keeps_each_jobs_latest_row(engine: Engine, tick: datetime) -> None:
    a = ledger(engine, "a")
    a.record("job", [tick - timedelta(days=30), tick - timedelta(days=20)], MISSED)
    a.record("other", [tick - timedelta(days=30)], MISSED)
    with engine.begin() as conn:
        conn.execute(update(runs).values(finished_at=runs.c.tick_at))
    assert a.prune(retention=86400.0) == 1
    assert [r["tick_at"] for r in rows(engine, "job")] == [tick - timedelta(days=20)]
    assert len(rows(engine, "other")) == 1


def test_overview(engine: Engine, tick: datetime) -> None:
    a = ledger(engine, "a")
    a.record("job", [tick - timedelta(hours=1)], MISSED)
    assert a.claim_tick("job", tick) is not None
    a.record("retry", [tick], WAITING, not_before=tick)
    seen = a.overview()
    assert seen["job"].running and seen["job"].last_tick == tick
    assert not seen["retry"].running and seen["retry"].waiting_since == tick


def race_for(engine: Engine, job: str, owners: int = 3) -> list[object]:
    """`owners` instances call claim_waiting(job) at the same moment; what each got."""
    barrier = threading.Barrier(owners)
    results: list[object] = []

    def claim(owner: str) -> None:
        mine = ledger(engine, owner)
        barrier.wait()
        try:
            results.append(mine.claim_waiting(job))
        except Exception as exc:  # reported by the caller's assertion
            results.append(exc)

    threads = [threading.Thread(target=claim, args=(f"i{n}",)) for n in range(owners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_instances_racing_for_one_jobs_waiting_rows(engine: Engine) -> None:
    """Three instances claim the waiting rows of one job at the same moment: one wins,
    the others find it taken (no error, no deadlock), twenty times over."""
    for round_ in range(20):
        job = f"job{round_}"
        with engine.begin() as conn:
            for n in range(3):
                ledger(engine, "api").request(conn, job, {"n": n})
        results = race_for(engine, job)
        won = [r for r in results if r is not None]
        assert len(results) == 3 and len(won) == 1, results
        assert [r["state"] for r in rows(engine, job)] == [SKIPPED, SKIPPED, RUNNING]
