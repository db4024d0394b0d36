"""The rules' timeline as a new process starts from it: every stored event's facts in one
row, with the events table's version they were read at (`calsync.alerts.kept`).

A long-running instance keeps its timeline in memory; a new process (`calsync evaluate`,
a restarted `serve` or `worker`, a what-if's first engine) would read and decode all the
events again. At 100,000 events that read is the larger part of loading the timeline
(about 0.55 s: the query and the decoding of each row's JSON and tags), while unmarshalling
the same facts from one blob takes about 0.15 s. The snapshot is a cache and only that:
whoever reads it also reads the events changed since (`changed_ids`) and checks the result
against the table's version, so a stale, foreign or damaged snapshot costs a full read,
never a wrong timeline.

`marshal`, not `pickle` or JSON: the facts are plain values (ints, strings, tuples, the
decoded attribute dicts), marshal writes shared objects once and reads them back shared,
and reading builds values only (unpickling may call any class it names). Its format
belongs to one Python version: `FORMAT` names it; a snapshot of another is not read.
"""

from __future__ import annotations

import marshal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from calsync.model import EventFacts
from calsync.store.clock import db_time
from calsync.store.tables import timeline_snapshots

__all__ = ["FORMAT", "Snapshot", "read_snapshot", "write_snapshot"]

_NAME = "facts"
FORMAT = (f"python {sys.version_info[0]}.{sys.version_info[1]} marshal {marshal.version} "
          f"facts {','.join(EventFacts._fields)}")


@dataclass(frozen=True)
class Snapshot:
    """Stored facts and the version of the events table they hold: (rows, sum of
    sequences, highest id) as `calsync.store.facts.events_version` counts them, and the
    newest `updated_at` among them."""

    facts: list[EventFacts]
    rows: int
    sequences: int
    top_id: int
    newest: datetime | None


def read_snapshot(conn: Connection) -> Snapshot | None:
    """The stored snapshot, or None when there is none, it is of another format or it does
    not unmarshal into facts (the caller then reads every event)."""
    c = timeline_snapshots.c
    row = conn.execute(select(c.format, c.rows, c.sequences, c.top_id, c.newest, c.payload)
                       .where(c.name == _NAME)).first()
    if row is None or row.format != FORMAT:
        return None
    try:
        rows = marshal.loads(row.payload)
    except (EOFError, ValueError, TypeError):
        return None
    width = len(EventFacts._fields)
    if not isinstance(rows, list) or not all(type(r) is tuple and len(r) == width
                                             for r in rows):
        return None
    new = tuple.__new__  # as `iter_facts` builds them
    return Snapshot([new(EventFacts, r) for r in rows], row.rows, row.sequences, row.top_id,
                    row.newest)


def write_snapshot(conn: Connection, facts: Sequence[EventFacts], *, rows: int,
                   sequences: int, top_id: int, newest: datetime | None) -> int:
    """Replace the snapshot with `facts` (every stored event, cancelled ones too) read at
    this version; returns the payload's size in bytes."""
    payload = marshal.dumps([tuple(f) for f in facts])
    conn.execute(delete(timeline_snapshots).where(timeline_snapshots.c.name == _NAME))
    conn.execute(insert(timeline_snapshots).values(
        name=_NAME, format=FORMAT, rows=rows, sequences=sequences, top_id=top_id,
        newest=newest, payload=payload, written_at=db_time(conn.dialect.name)))
    return len(payload)
