"""Feeds answer repeated requests without a database query (the store's watch says
nothing changed), and a change still shows on the next request — on SQLite and
PostgreSQL, for a change made in this process and one made through another engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select, update

from calsync.runtime import Runtime
from calsync.store.engine import make_engine
from calsync.store.tables import events
from calsync.store.watch import Remembered, watch
from tests.web.conftest import TOWN, Project


def _live(engine: Engine) -> None:
    """Wait for the watch to have a token (PostgreSQL: the listener has connected)."""
    deadline = time.monotonic() + 15
    while watch(engine).token() is None:
        assert time.monotonic() < deadline, "the store watch never became live"
        time.sleep(0.05)


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run through `engine` inside the block."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_repeated_304_and_gzip_run_no_query(project: Project) -> None:
    engine = project.runtime.engine
    _live(engine)
    client = project.client
    first = client.get("/feeds/municipal.ics")
    packed = client.get("/feeds/municipal.ics", headers={"Accept-Encoding": "gzip"})
    with counted(engine) as statements:
        for _ in range(3):
            assert client.get("/feeds/municipal.ics", headers={
                "If-None-Match": first.headers["etag"]}).status_code == 304
            again = client.get("/feeds/municipal.ics", headers={"Accept-Encoding": "gzip"})
            assert again.headers["content-encoding"] == "gzip"
            assert again.content == packed.content
            assert client.get("/feeds/municipal.ics").content == first.content
    assert statements == []


def test_a_sync_in_this_process_shows_on_the_next_request(project: Project) -> None:
    engine = project.runtime.engine
    _live(engine)
    client = project.client
    before = client.get("/feeds/municipal.ics")
    assert client.get("/feeds/municipal.ics", headers={
        "If-None-Match": before.headers["etag"]}).status_code == 304
    changed = [dict(e) for e in TOWN]
    changed[1]["title"] = "Kommunfullmäktige (flyttat)"
    project.clock.advance(timedelta(hours=1))
    project.write(town=changed)
    project.sync()
    after = client.get("/feeds/municipal.ics", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "flyttat" in after.text


def test_a_write_through_another_engine_shows(project: Project, db_url: str,
                                              make_runtime: Callable[..., Runtime]) -> None:
    """Another process (here: another engine, so no in-process signal) changes an event.
    SQLite's data_version shows it on the next request; PostgreSQL's notification arrives
    within milliseconds of the commit."""
    engine = project.runtime.engine
    _live(engine)
    client = project.client
    before = client.get("/feeds/municipal.ics")
    other = make_engine(db_url)
    try:
        with other.begin() as conn:
            conn.execute(update(events).where(events.c.title == "Kommunfullmäktige")
                         .values(title="Kommunfullmäktige (extra)",
                                 sequence=events.c.sequence + 1,
                                 updated_at=project.clock.now() + timedelta(minutes=5)))
    finally:
        other.dispose()
    deadline = time.monotonic() + (0 if engine.dialect.name == "sqlite" else 10)
    while True:
        after = client.get("/feeds/municipal.ics",
                           headers={"If-None-Match": before.headers["etag"]})
        if after.status_code == 200 or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    assert after.status_code == 200 and "(extra)" in after.text


def test_the_token_stays_while_nothing_is_written(project: Project) -> None:
    engine = project.runtime.engine
    _live(engine)
    token = watch(engine).token()
    with engine.connect() as conn:  # reads do not move it
        conn.execute(events.select()).all()
    assert watch(engine).token() == token
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.title == "Kommunfullmäktige")
                     .values(sequence=events.c.sequence + 1))
    deadline = time.monotonic() + 10
    while watch(engine).token() == token and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watch(engine).token() != token


def test_a_remembered_value_follows_the_store_across_a_dispose(project: Project) -> None:
    """`Remembered` keeps the watch it asks; once `engine.dispose()` closed it, the next
    call asks the engine's new watch: never the closed one's stale token, and the value
    is kept again (no query per request) once the new watch is live."""
    engine = project.runtime.engine
    _live(engine)

    def newest(conn: Any) -> Any:
        return conn.execute(select(func.max(events.c.sequence))).scalar()

    value = Remembered(engine, newest)
    first = value.get()
    assert value.peek() == first
    old = watch(engine)
    engine.dispose()
    assert old.closed and old.token() is None
    with engine.begin() as conn:
        conn.execute(update(events).values(sequence=events.c.sequence + 1))
    assert value.peek() is None  # the closed watch's token is never taken for current
    _live(engine)
    assert watch(engine) is not old
    deadline = time.monotonic() + 10  # PostgreSQL: the new listener's first notification
    while value.get() != first + 1 or value.peek() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert value.peek() == first + 1
