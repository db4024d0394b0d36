"""Parking a sync's plan batches on disk between planning and writing.

A sync plans (maps every record) before it writes, so that the mass-removal guard can
hold a sync back before anything is written and so that the write transaction lasts
only as long as the writes. On SQLite that transaction holds the database's one write
lock: mapping a 100k-event calendar inside it would keep every other writer (the
scheduler's leases, other sources' syncs, the API) waiting for minutes, where the busy
timeout is 30 s. Holding the mapped batches in memory instead was most of a large cold
sync's peak (about 240k `EventData` at 100k events). So batches go to an anonymous
temporary file (unlinked on creation, gone when closed or when the process dies) and
are read back one at a time inside the one write transaction (pickle: the file is
written and read by this process only): all or nothing, and at most one batch mapped in
memory at a time.

A sync of one batch (every small or unchanged sync) never touches the disk.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO

from calsync.sync.plan import Plan

__all__ = ["Spill"]


class Spill:
    """Plans in, the same plans out in the same order, once."""

    def __init__(self) -> None:
        self._first: Plan | None = None
        self._file: IO[bytes] | None = None
        self._count = 0

    def put(self, plan: Plan) -> None:
        if self._count == 0:
            self._first = plan
        else:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="calsync-sync-")  # noqa: SIM115 (closed by close())
                self._dump(self._first)
                self._first = None
            self._dump(plan)
        self._count += 1

    def _dump(self, plan: Plan | None) -> None:
        assert self._file is not None
        pickle.dump(plan, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[Plan]:
        if self._file is None:
            if self._first is not None:
                first, self._first = self._first, None
                yield first
            return
        self._file.seek(0)
        for _ in range(self._count):
            plan = pickle.load(self._file)
            assert isinstance(plan, Plan)
            yield plan

    def close(self) -> None:
        self._first = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
