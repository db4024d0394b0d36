"""Knowing that the store has not changed, without a query per request.

A feed answered from memory (a 304, a kept body, its gzip form) only needs to know that
no event changed since its fingerprint was computed. Asking the database costs a round
trip per request (about half a millisecond, more than the rest of a 304), so each engine
gets one `StoreWatch` whose `token()` changes whenever the store may have changed:

- **SQLite**: `PRAGMA data_version` on one connection kept for the purpose (it never
  writes). SQLite changes the value whenever *any other* connection, in this process or
  another, has committed; reading it touches the WAL index in shared memory, not the
  tables. A change shows on the very next request.
- **PostgreSQL**: a listener thread holds a connection doing `LISTEN calsync_store`; the
  migration `0005_store_notify` adds statement triggers on `events` and `sync_runs` that
  `pg_notify` the schema's name at commit. Each notification moves the token. Commits
  through this engine move it as the connection goes back to the pool, so a change made
  in this process shows on the next request; one made by another process shows once its
  notification arrives (sub-millisecond on one host). While the listener is not
  connected the token is `None`: callers ask the store, as before.
- Anything else (an in-memory SQLite database): `None`, ask the store.

`watch(engine)` returns the engine's one watch; `engine.dispose()` stops it.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url

__all__ = ["CHANNEL", "Remembered", "StoreWatch", "watch"]

log = logging.getLogger("calsync.store.watch")

CHANNEL = "calsync_store"
_SERIALS = itertools.count(1)  # one per watch, part of its tokens
_POLL = 0.5  # seconds the listener waits for a notification before checking for close
_RETRY = 2.0  # seconds between reconnection attempts of a lost listener


class StoreWatch(Protocol):
    """A token that differs whenever the store may have changed; None: unknown. Tokens of
    two watches never compare equal (a new watch after `engine.dispose()` counts afresh:
    a bare counter could repeat the old watch's and pass for "nothing changed")."""

    @property
    def closed(self) -> bool:
        """Stopped (`engine.dispose()`): `watch(engine)` starts another one."""
        ...

    def token(self) -> Hashable | None: ...

    def close(self) -> None: ...


class _Unknown:
    """No cheap signal for this database: every caller asks the store."""

    closed = False

    def token(self) -> Hashable | None:
        return None

    def close(self) -> None:
        return None


class _SqliteWatch:
    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._cursor = self._conn.cursor()  # one cursor: a new one per request costs more
        self._lock = threading.Lock()
        self._serial = next(_SERIALS)
        self.closed = False

    def token(self) -> Hashable | None:
        with self._lock:
            try:
                row = self._cursor.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
        return self._serial, int(row[0])

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._conn.close()


class _PostgresWatch:
    def __init__(self, engine: Engine) -> None:
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._serial = next(_SERIALS)
        self._version = 0
        self._live = False
        self._closed = threading.Event()
        self._engine = weakref.ref(engine)
        event.listen(engine, "commit", _mark_dirty)
        event.listen(engine, "checkin", self._checkin)
        self._thread = threading.Thread(target=self._listen, name="calsync-store-watch",
                                        daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def token(self) -> Hashable | None:
        with self._lock:  # closed: the listener may still run a moment, commits unseen
            return (self._serial, self._version) if self._live \
                and not self._closed.is_set() else None

    def close(self) -> None:
        self._closed.set()
        engine = self._engine()
        if engine is not None:
            event.remove(engine, "commit", _mark_dirty)
            event.remove(engine, "checkin", self._checkin)

    def _bump(self) -> None:
        with self._lock:
            self._version += 1

    def _checkin(self, _dbapi: Any, record: Any) -> None:
        # After the commit has landed (the commit event fires just before it does).
        if record.info.pop(_DIRTY, False):
            self._bump()

    def _listen(self) -> None:
        import psycopg

        while not self._closed.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    schema = conn.execute("SELECT current_schema()").fetchone()
                    mine = schema[0] if schema else None
                    conn.execute(f"LISTEN {CHANNEL}")
                    with self._lock:  # changes before LISTEN: the token moves once
                        self._version += 1
                        self._live = True
                    while not self._closed.is_set():
                        for note in conn.notifies(timeout=_POLL):
                            if note.payload in (mine, ""):
                                self._bump()
            except psycopg.Error as exc:
                with self._lock:
                    self._live = False
                log.warning("store watch lost its PostgreSQL connection (%s); feeds ask "
                            "the database on every request until it is back", exc)
                self._closed.wait(_RETRY)
        with self._lock:
            self._live = False


_DIRTY = "calsync_committed"


def _mark_dirty(conn: Any) -> None:
    conn.info[_DIRTY] = True


T = TypeVar("T")


class Remembered(Generic[T]):
    """A value read from the store, read again only when the engine's watch moved."""

    def __init__(self, engine: Engine, read: Callable[[Connection], T]) -> None:
        self.engine = engine
        self._read = read
        self._lock = threading.Lock()
        self._known: tuple[Hashable, T] | None = None
        self._watch: StoreWatch | None = None

    def _token(self) -> Hashable | None:
        """The engine's watch's token; the watch is looked up again only once it closed
        (a lookup per request cost a lock and a weak reference each time)."""
        found = self._watch
        if found is None or found.closed:
            found = self._watch = watch(self.engine)
        return found.token()

    def peek(self) -> T | None:
        """The value if the watch says it is still current, else None: never waits for a
        pooled connection, so the event loop may ask."""
        token = self._token()
        with self._lock:
            known = self._known
        if token is not None and known is not None and known[0] == token:
            return known[1]
        return None

    def get(self) -> T:
        token = self._token()  # before reading: a later change moves it
        with self._lock:
            known = self._known
        if token is not None and known is not None and known[0] == token:
            return known[1]
        with self.engine.connect() as conn:
            value = self._read(conn)
        if token is not None:
            with self._lock:
                self._known = (token, value)
        return value


_WATCHES: weakref.WeakKeyDictionary[Engine, StoreWatch] = weakref.WeakKeyDictionary()
_CREATE = threading.Lock()


def watch(engine: Engine) -> StoreWatch:
    """The engine's one watch, started on first use and stopped by `engine.dispose()`."""
    with _CREATE:
        found = _WATCHES.get(engine)
        if found is None:
            found = _WATCHES[engine] = _start(engine)
            event.listen(engine, "engine_disposed", _stopper(engine))
        return found


def _stopper(engine: Engine) -> Any:
    ref = weakref.ref(engine)

    def stop(_engine: Engine) -> None:
        target = ref()
        with _CREATE:
            gone = _WATCHES.pop(target, None) if target is not None else None
        if gone is not None:
            gone.close()
    return stop


def _start(engine: Engine) -> StoreWatch:
    url = make_url(engine.url)
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:"):
        return _SqliteWatch(url.database)
    if backend == "postgresql":
        return _PostgresWatch(engine)
    return _Unknown()
