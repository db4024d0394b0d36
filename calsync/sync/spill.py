"""Parking a sync's plan batches on disk between planning and writing.

A sync plans (maps every record) before it writes, so that the mass-removal guard can
hold a sync back before anything is written and so that the write transaction lasts
only as long as the writes. On SQLite that transaction holds the database's one write
lock: mapping a 100k-event calendar inside it would keep every other writer (the
scheduler's leases, other sources' syncs, the API) waiting for minutes, where the busy
timeout is 30 s. Holding the mapped batches in memory instead was most of a large cold
sync's peak (about 240k `EventData` at 100k events). So past `MEMORY_BATCHES`, batches
go to an anonymous temporary file (unlinked on creation, gone when closed or when the
process dies) and are read back one at a time inside the one write transaction (pickle:
the file is written and read by this process only): all or nothing, with the mapped
events in memory bounded whatever the payload's size.

A sync whose plan fits `MEMORY_BATCHES` batches (every small or unchanged sync, and the
benchmark's 10k-event calendar) never touches the disk.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO

from calsync.sync.plan import Plan

__all__ = ["MEMORY_BATCHES", "Spill"]


MEMORY_BATCHES = 16
"""Batches held in memory before the spill goes to disk (16 × 2000 events: tens of MB).
Pickling costs about 7 % of the CPU spent mapping what it stores (10k-event benchmark
calendar), so a sync whose plan fits never pays it; a larger one pays it and keeps its
memory bounded."""


class Spill:
    """Plans in, the same plans out in the same order, once."""

    def __init__(self, memory_batches: int = MEMORY_BATCHES) -> None:
        self._held: list[Plan] = []
        self._file: IO[bytes] | None = None
        self._count = 0
        self._memory_batches = memory_batches

    def put(self, plan: Plan) -> None:
        self._count += 1
        if self._file is None:
            self._held.append(plan)
            if len(self._held) <= self._memory_batches:
                return
            self._file = tempfile.TemporaryFile(prefix="calsync-sync-")  # noqa: SIM115
            held, self._held = self._held, []
            for one in held:
                self._dump(one)
            return
        self._dump(plan)

    def _dump(self, plan: Plan) -> None:
        assert self._file is not None
        pickle.dump(plan, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[Plan]:
        if self._file is None:
            while self._held:
                yield self._held.pop(0)
            return
        self._file.seek(0)
        for _ in range(self._count):
            plan = pickle.load(self._file)
            assert isinstance(plan, Plan)
            yield plan

    def close(self) -> None:
        self._held = []
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
