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
  id above the highest one kept and every row updated since the newest `updated_at`
  seen — and rebuilds the timeline from the kept items;
- and, should the result still disagree with the store's version (a writer whose clock
  was behind, say), reloads everything. A stale timeline is never evaluated.

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

from calsync.model import EventFacts, Status
from calsync.perf import no_gc_pauses
from calsync.rules.timeline import Item, Timeline, items_from_facts
from calsync.store.facts import changed_ids, events_version, iter_facts

__all__ = ["KeptTimeline", "kept_for", "kept_timeline", "lock"]

log = logging.getLogger("calsync.alerts")

_CANCELLED = str(Status.CANCELLED)


@dataclass
class KeptTimeline:
    """One engine's timeline and what it was built from."""

    tz: str
    items: dict[int, Item] = field(default_factory=dict)  # non-cancelled events, by id
    sequences: dict[int, int] = field(default_factory=dict)  # every stored event
    top_id: int = 0
    newest: datetime | None = None
    timeline: Timeline | None = None
    loads: int = 0  # full loads from the store (for tests and the bench)
    refreshes: int = 0  # partial refreshes

    @property
    def version(self) -> tuple[int, int, int]:
        return len(self.sequences), sum(self.sequences.values()), self.top_id

    def take(self, found: Iterable[EventFacts]) -> None:
        """Bring these rows (as stored now) into the kept items."""
        facts = list(found)
        if not facts:
            return
        ids = [f.id for f in facts]
        self.sequences.update(zip(ids, [f.sequence for f in facts], strict=True))
        if self.items:
            for event_id in ids:
                self.items.pop(event_id, None)
        self.top_id = max(self.top_id, *ids)
        live = [f for f in facts if f.status != _CANCELLED]
        self.items.update((item.id, item) for item in items_from_facts(live, ZoneInfo(self.tz)))

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
    wrote (looked at even if their rows look older than the kept timeline)."""
    rows, sequences, top, newest = events_version(conn)
    kept = _kept.get(engine)
    if kept is not None and kept.tz == tz and kept.timeline is not None:
        wanted = set(changed or ())
        if not wanted and kept.version == (rows, sequences, top) and kept.newest == newest:
            return kept.timeline
        ids = wanted | set(changed_ids(conn, after_id=kept.top_id, updated_since=kept.newest))
        kept.take(iter_facts(conn, ids=ids, cancelled=True))
        if kept.version == (rows, sequences, top):
            kept.newest = newest
            kept.refreshes += 1
            return kept.build()
        log.info("kept timeline out of step with the store (%s, expected %s): reloading",
                 kept.version, (rows, sequences, top))
    loads = kept.loads if kept is not None and kept.tz == tz else 0
    kept = _kept[engine] = KeptTimeline(tz=tz, newest=newest, loads=loads + 1)
    with no_gc_pauses():  # also for the callers that do not pause it (what-if, --dry-run)
        kept.take(iter_facts(conn, cancelled=True))
        return kept.build()


def kept_for(engine: Engine) -> KeptTimeline | None:
    """What `engine` keeps (None before its first evaluation)."""
    return _kept.get(engine)
