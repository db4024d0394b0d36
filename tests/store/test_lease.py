"""The one lease state machine (`calsync.store.lease`), on both tables that hold leases.

The ledger's and the outbox's own tests prove what a run and a notification do; these
prove the lease underneath both: one holder at a time, a fencing token that shuts out a
holder that lost its lease, database time deciding when a lease lapsed.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, Table, Update, insert, select, update

from calsync.store.clock import db_now
from calsync.store.lease import Held, Leases
from calsync.store.tables import notification_outbox, scheduler_runs

# (table, its lease column names, a row of it with no lease)
TABLES = {
    "scheduler_runs": (scheduler_runs, {}, {
        "job": "big", "tick_at": datetime(2026, 11, 29, 12).astimezone(), "state": "waiting",
        "attempt": 0, "failures": 0}),
    "notification_outbox": (notification_outbox,
                            {"owner": "claimed_by", "token": "attempts"}, {
        "receiver": "ops", "group_key": "{}", "reason": "firing", "payload": {},
        "status": "pending", "attempts": 0,
        "created_at": datetime(2026, 11, 29, 12).astimezone(),
        "next_attempt_at": datetime(2026, 11, 29, 12).astimezone()}),
}


@pytest.fixture(params=sorted(TABLES))
def leased(request: pytest.FixtureRequest, engine: Engine) -> tuple[Leases, int]:
    table, names, row = TABLES[request.param]
    leases = Leases(table, engine.dialect.name, **names)
    with engine.begin() as conn:
        key = conn.execute(insert(table).values(**row).returning(table.c.id)).scalar_one()
    return leases, int(key)


def claim(engine: Engine, leases: Leases, key: int, owner: str, seconds: float = 30.0
          ) -> Held | None:
    with engine.begin() as conn:
        got = conn.execute(leases.claim(owner, seconds, leases.key == key)
                           .returning(leases.token)).first()
    return None if got is None else Held(key, owner, int(got[0]))


def run(engine: Engine, stmt: Update) -> int:
    with engine.begin() as conn:
        return int(conn.execute(stmt).rowcount)


def until(engine: Engine, leases: Leases, key: int) -> datetime | None:
    with engine.connect() as conn:
        value: datetime | None = conn.execute(
            select(leases.until).where(leases.key == key)).scalar_one()
        return value


def test_one_holder_at_a_time_and_a_token_per_claim(engine: Engine,
                                                    leased: tuple[Leases, int]) -> None:
    leases, key = leased
    first = claim(engine, leases, key, "a")
    assert first == Held(key, "a", 1)
    assert claim(engine, leases, key, "b") is None  # held: nobody else gets it
    assert run(engine, leases.renew(first, 30.0)) == 1
    assert run(engine, leases.release(first)) == 1
    assert until(engine, leases, key) is None
    second = claim(engine, leases, key, "b")  # released: free again, the next token
    assert second == Held(key, "b", 2)


def test_a_holder_that_lost_its_lease_can_write_nothing(engine: Engine,
                                                        leased: tuple[Leases, int]) -> None:
    leases, key = leased
    stale = claim(engine, leases, key, "a", seconds=0.2)
    assert stale is not None
    time.sleep(0.5)  # database time passes: the lease lapses
    taker = claim(engine, leases, key, "b")
    assert taker == Held(key, "b", 2)
    assert run(engine, leases.renew(stale, 30.0)) == 0
    assert run(engine, leases.release(stale)) == 0
    assert until(engine, leases, key) is not None  # the taker still holds it
    # Even a stale holder that claimed under the same name is shut out by the token.
    assert run(engine, leases.release(Held(key, "b", 1))) == 0
    assert run(engine, leases.release(taker)) == 1


def test_leases_are_database_time(engine: Engine, leased: tuple[Leases, int]) -> None:
    leases, key = leased
    with engine.connect() as conn:
        before = db_now(conn)
    held = claim(engine, leases, key, "a", seconds=60.0)
    assert held is not None
    lapses = until(engine, leases, key)
    assert lapses is not None
    assert timedelta(seconds=59) < lapses - before < timedelta(seconds=70)
    # A lease lapses when the database says so, whatever the holder's own clock says.
    run(engine, leases.expire(leases.key == key))
    with engine.connect() as conn:
        assert conn.execute(select(leases.lapsed()).select_from(leases.table)
                            .where(leases.key == key)).scalar_one()
    assert claim(engine, leases, key, "b") == Held(key, "b", 2)


def test_the_caller_adds_its_own_conditions_and_values(engine: Engine) -> None:
    table: Table = scheduler_runs
    leases = Leases(table, engine.dialect.name)
    with engine.begin() as conn:
        key = int(conn.execute(insert(table).values(
            job="j", tick_at=datetime(2026, 11, 29, 12).astimezone(), state="waiting",
            attempt=0, failures=0).returning(table.c.id)).scalar_one())
    assert run(engine, leases.claim("a", 30.0, table.c.id == key,
                                    table.c.state == "running")) == 0
    assert run(engine, leases.claim("a", 30.0, table.c.id == key, table.c.state == "waiting",
                                    state="running")) == 1
    held = Held(key, "a", 1)
    assert run(engine, leases.release(held, table.c.state == "waiting")) == 0
    assert run(engine, leases.release(held, table.c.state == "running",
                                      state="succeeded")) == 1
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == key)).mappings().one()
    assert (row["state"], row["owner"], row["attempt"], row["lease_until"]) == (
        "succeeded", "a", 1, None)
    run(engine, update(table).where(table.c.id == key).values(state="waiting"))
    assert claim(engine, leases, key, "b") == Held(key, "b", 2)
