"""The rules' timeline kept in memory between evaluations, in step with the store.

Loading 100,000 events from the database and turning them into rule items costs more
than evaluating the rules, and a long-running instance (`calsync serve`, `calsync
worker`) evaluates after every sync. So each engine keeps its last timeline: the next
evaluation asks the store for its version (`calsync.store.events.events_version`: row
count, sum of sequences, highest id — one aggregate query) and

- reuses the timeline as it is (with its materialised selectors) when nothing changed
  and no ids were given;
- otherwise re-reads only the events that changed — the ids the caller names (a sync's:
  `apply_plan` returns them; they are read even when the version did not move), every
  id above the highest one kept and every row updated after the newest `updated_at`
  seen — and rebuilds the timeline from the kept items;
- and, should the result still disagree with the store's version (a writer whose clock
  was behind, say), reloads everything. A stale timeline is never evaluated.

A new process starts from the store's snapshot of the facts (`calsync.store.snapshots`)
where there is one of its format, and catches up with the events changed since exactly as
above; `save_snapshot` writes a new one when it found none or one more than `STALE_SHARE`
behind.

Evaluations through one engine take turns (`lock(engine)`): they share the kept items.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from calsync.model import EventFacts, Status
from calsync.perf import no_gc_pauses
from calsync.rules.timeline import Item, Timeline, items_from_facts
from calsync.store.facts import changed_ids, events_version, iter_facts
from calsync.store.snapshots import read_snapshot, write_snapshot

__all__ = ["STALE_SHARE", "KeptTimeline", "kept_for", "kept_timeline", "lock",
           "save_snapshot"]

log = logging.getLogger("calsync.alerts")

_CANCELLED = str(Status.CANCELLED)

# A snapshot this far behind the store (events changed since, as a share of its rows) is
# written anew by the process that caught up from it: each later start then re-reads a
# small share, and a store that changes slowly is not rewritten on every start.
STALE_SHARE = 0.05


@dataclass
class KeptTimeline:
    """One engine's timeline and what it was built from."""

    tz: str
    items: dict[int, Item] = field(default_factory=dict)  # non-cancelled events, by id
    sequences: dict[int, int] = field(default_factory=dict)  # every stored event
    top_id: int = 0
    newest: datetime | None = None
    timeline: Timeline | None = None
    loads: int = 0  # starts from the store: a full read or a snapshot (tests, the bench)
    refreshes: int = 0  # partial refreshes
    from_snapshot: bool = False  # the last start caught up from the store's snapshot
    # What `save_snapshot` is to write: facts, the version they make and their newest.
    unsaved: tuple[list[EventFacts], tuple[int, int, int], datetime | None] | None = None

    @property
    def version(self) -> tuple[int, int, int]:
        return len(self.sequences), sum(self.sequences.values()), self.top_id

    def take(self, found: Iterable[EventFacts]) -> list[EventFacts]:
        """Bring these rows (as stored now) into the kept items; returns them."""
        facts = list(found)
        if not facts:
            return facts
        ids = [f.id for f in facts]
        self.sequences.update(zip(ids, [f.sequence for f in facts], strict=True))
        if self.items:
            for event_id in ids:
                self.items.pop(event_id, None)
        self.top_id = max(self.top_id, *ids)
        live = [f for f in facts if f.status != _CANCELLED]
        self.items.update((item.id, item) for item in items_from_facts(live, ZoneInfo(self.tz)))
        return facts

    def build(self) -> Timeline:
        with no_gc_pauses():
            self.timeline = Timeline(self.items.values(), ZoneInfo(self.tz))
        return self.timeline


_kept: weakref.WeakKeyDictionary[Engine, KeptTimeline] = weakref.WeakKeyDictionary()
_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def lock(engine: Engine) -> threading.RLock:
    """The lock evaluations through `engine` hold while they use its kept timeline."""
    with _guard:
        found = _locks.get(engine)
        if found is None:
            found = _locks[engine] = threading.RLock()
        return found


def kept_timeline(engine: Engine, conn: Connection, tz: str,
                  changed: Iterable[int] | None = None) -> Timeline:
    """The timeline of every non-cancelled stored event, from memory where the store has
    not changed since (hold `lock(engine)` while using it). `changed`: ids a sync just
    wrote (looked at even if their rows look older than the kept timeline). A new
    snapshot it calls for is written by `save_snapshot`, once `conn` is closed (a what-if
    or `--dry-run`, which promise to write nothing, do not call it)."""
    rows, sequences, top, newest = events_version(conn)
    version = (rows, sequences, top)
    wanted = set(changed or ())
    kept = _kept.get(engine)
    if kept is not None and kept.tz == tz and kept.timeline is not None:
        if not wanted and kept.version == version and kept.newest == newest:
            return kept.timeline
        if _catch_up(kept, conn, wanted, version, newest) is not None:
            kept.refreshes += 1
            return kept.build()
        log.info("kept timeline out of step with the store (%s, expected %s): reloading",
                 kept.version, version)
    loads = kept.loads if kept is not None and kept.tz == tz else 0
    with no_gc_pauses():  # also for the callers that do not pause it (what-if, --dry-run)
        kept = _start(conn, tz, wanted, version, newest)
        kept.loads = loads + 1
        _kept[engine] = kept
        return kept.build()


def _catch_up(kept: KeptTimeline, conn: Connection, wanted: set[int],
              version: tuple[int, int, int], newest: datetime | None
              ) -> list[EventFacts] | None:
    """Re-read the events changed since `kept` was read (and `wanted`); the rows read, or
    None when `kept` still disagrees with the store's `version` after it."""
    ids = wanted | set(changed_ids(conn, after_id=kept.top_id, updated_since=kept.newest))
    found = kept.take(iter_facts(conn, ids=ids, cancelled=True))
    if kept.version != version:
        return None
    kept.newest = newest
    return found


def _start(conn: Connection, tz: str, wanted: set[int],
           version: tuple[int, int, int], newest: datetime | None) -> KeptTimeline:
    """A process's first timeline: the store's snapshot brought up to date, or every event
    read afresh when there is no usable one (either way `unsaved` says what to write)."""
    snapshot = read_snapshot(conn)
    if snapshot is not None:
        kept = KeptTimeline(tz=tz, top_id=snapshot.top_id, newest=snapshot.newest,
                            from_snapshot=True)
        kept.take(snapshot.facts)
        if kept.version == (snapshot.rows, snapshot.sequences, snapshot.top_id):
            caught_up = _catch_up(kept, conn, wanted, version, newest)
            if caught_up is not None:
                if len(caught_up) > STALE_SHARE * len(snapshot.facts):
                    kept.unsaved = (_merged(snapshot.facts, caught_up), kept.version, newest)
                return kept
        log.info("timeline snapshot out of step with the store: reading every event")
    kept = KeptTimeline(tz=tz, newest=newest)
    facts = kept.take(iter_facts(conn, cancelled=True))
    kept.unsaved = (facts, kept.version, newest)
    return kept


def _merged(facts: list[EventFacts], newer: list[EventFacts]) -> list[EventFacts]:
    """`facts` with the rows in `newer` in place of (or beside) theirs."""
    by_id = {f.id: f for f in facts}
    by_id.update((f.id, f) for f in newer)
    return list(by_id.values())


def save_snapshot(engine: Engine) -> None:
    """Write the snapshot the last start of `engine`'s timeline called for, if any, in a
    transaction of its own: call it with no connection of the caller's open (on the
    scheduler's SQLite engines even a read holds the write lock). A store that refuses
    (read-only, locked past the busy timeout) only costs the next process a full read."""
    kept = _kept.get(engine)
    if kept is None or kept.unsaved is None:
        return
    (facts, (rows, sequences, top), newest), kept.unsaved = kept.unsaved, None
    try:
        with engine.begin() as conn:
            size = write_snapshot(conn, facts, rows=rows, sequences=sequences, top_id=top,
                                  newest=newest)
    except SQLAlchemyError as exc:
        log.warning("could not write the timeline snapshot (%s); the next start reads "
                    "every event", exc.__class__.__name__)
        return
    log.debug("timeline snapshot written: %d events, %d bytes", rows, size)


def kept_for(engine: Engine) -> KeptTimeline | None:
    """What `engine` keeps (None before its first evaluation)."""
    return _kept.get(engine)
