"""Planning a sync in batches: the upstream's records against what the store holds.

`Planner.batches` maps records into `Plan`s of about `BATCH` events each, so a large
payload is never mapped into memory all at once (a 100k-event calendar is about 240k
mapped events: holding them all was most of a cold sync's peak memory). It is pure: no
database, the same semantics for every connector, testable on plain data.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime

from calsync.errors import PartialRecordError, SkippableRecordError
from calsync.model import EventData, Status
from calsync.sdk.contract import Horizon, Record
from calsync.sync.plan import Known, Limits, Plan, Settle, Tally, ToEvents
from calsync.sync.series import pair_retimed, series_of

__all__ = ["BATCH", "Planner", "plan_sync"]

BATCH = 2000
"""Events (added, changed or unchanged) per batch: large enough that each batch's
statements stay bulk ones, small enough that its mapped events are a few MB."""


class Planner:
    """Sorts the upstream's records against the known events of the source, a batch at a
    time.

    `reuse_keys`: records whose key the store already has are unchanged without being
    mapped (valid only while the connector's config and the horizon are unchanged).
    Upcoming events missing from a complete payload are planned for cancellation;
    events already in the past are left alone, as history.

    Unreadable is not removed: the stored events of a record that cannot be read (or of
    what a partly read one left out) are kept as they are, by the record's `identity`; a
    record without one makes the payload incomplete, so nothing is cancelled. The same
    holds for the records left unread when a `limits` bound is reached.

    Across batches only what the end of the sync needs is kept: the ids seen (duplicates,
    cancellations), the identities to keep, and the new occurrences of series the store
    already has (they may be retimed ones, `calsync.sync.series`, which can only be
    paired once every vanished occurrence is known: on a cold sync there are none).
    Everything else leaves in the batch it was mapped in; the last batch carries the
    pairs and the cancellations, and `tally` sums the whole sync.
    """

    def __init__(self, to_events: ToEvents, settle: Settle, known: dict[str, Known], *,
                 horizon: Horizon, now: datetime, reuse_keys: bool, complete: bool = True,
                 limits: Limits | None = None, batch: int = BATCH) -> None:
        self.to_events, self.settle, self.known = to_events, settle, known
        self.horizon, self.now, self.complete, self.batch = horizon, now, complete, batch
        self.limits = limits or Limits()
        self.deadline = None if self.limits.max_seconds is None \
            else time.monotonic() + self.limits.max_seconds
        self.produced = 0
        self.keep: set[str] = set()
        self.by_key: dict[str, list[Known]] = {}
        if reuse_keys:
            for item in known.values():
                if item.record_key is not None:
                    self.by_key.setdefault(item.record_key, []).append(item)
        self.seen: set[str] = set()
        self.bound: str | None = None
        self.tally = Tally()
        self.series = {series for uid, item in known.items()
                       if item.status != Status.CANCELLED
                       and (series := series_of(uid)) is not None}
        self.deferred: list[tuple[EventData, str, str]] = []

    def batches(self, records: Iterable[Record]) -> Iterator[Plan]:
        """The plan in batches of about `batch` events; the last one always comes, with
        the retimed pairs and the disappeared events, and completes `tally`."""
        plan = Plan()
        for record in records:
            self._record(record, plan)
            if len(plan.added) + len(plan.changed) + len(plan.unchanged) >= self.batch:
                yield self._counted(plan)
                plan = Plan()
        yield self._counted(self._finish(plan))

    def _counted(self, plan: Plan) -> Plan:
        self.tally.added += len(plan.added)
        self.tally.changed += len(plan.changed)
        self.tally.unchanged += len(plan.unchanged)
        return plan

    def _record(self, record: Record, plan: Plan) -> None:
        tally = self.tally
        reused = self.by_key.get(record.key)
        if reused is not None:
            for item in reused:
                if item.external_uid not in self.seen:
                    self.seen.add(item.external_uid)
                    plan.unchanged.append(item.id)
            return
        if self.bound is None:
            self.bound = _bound(self.limits, self.produced, self.deadline)
        if self.bound is not None:  # not read: keep what it gave last time
            self.complete = _keep(record, self.keep) and self.complete
            return
        try:
            drafts = list(self.to_events(record, self.horizon))
        except PartialRecordError as exc:
            tally.skip(str(exc))
            drafts = exc.events
            self.complete = _keep(record, self.keep) and self.complete
        except SkippableRecordError as exc:
            tally.skip(str(exc))
            if not _keep(record, self.keep):
                self.complete = False
                tally.warn("a record without an id could not be read, so nothing is "
                           "cancelled in this sync")
            return
        self.produced += len(drafts)
        for draft in drafts:
            try:
                data = self.settle(draft, record.data)
            except SkippableRecordError as exc:
                tally.skip(str(exc))
                continue
            if data.external_uid in self.seen:
                tally.skip(f"duplicate id {data.external_uid!r} in one payload (kept the first)")
                continue
            self.seen.add(data.external_uid)
            digest = data.content_hash()
            old = self.known.get(data.external_uid)
            if old is None:
                (self.deferred if self._may_be_retimed(data) else plan.added).append(
                    (data, digest, record.key))
            elif old.content_hash == digest:
                plan.unchanged.append(old.id)
                if old.record_key != record.key:
                    plan.rekeyed.append((old.id, record.key))
            else:
                plan.changed.append((old, data, digest, record.key))

    def _may_be_retimed(self, data: EventData) -> bool:
        """A new timed occurrence of a series the store has (`pair_retimed` pairs only
        those): held until the payload's end."""
        if not self.series or data.all_day:
            return False
        return series_of(data.external_uid) in self.series

    def _finish(self, plan: Plan) -> Plan:
        """The last batch: new occurrences that are vanished ones retimed become changes
        of the stored events (which keeps their UIDs), the others additions; then what a
        complete payload no longer has."""
        if self.deferred:
            vanished = [uid for uid, item in self.known.items()
                        if uid not in self.seen and item.status != Status.CANCELLED]
            pairs = pair_retimed((data for data, _, _ in self.deferred), vanished)
            for data, digest, key in self.deferred:
                old_uid = pairs.get(data.external_uid)
                if old_uid is None:
                    plan.added.append((data, digest, key))
                else:
                    plan.changed.append((self.known[old_uid], data, digest, key))
                    self.seen.add(old_uid)
            self.deferred = []
        if self.bound is not None:
            self.tally.warn(f"stopped reading: {self.bound}; the stored events of the "
                            "records not read are kept as they were")
        for item in self.known.values():
            active = item.status != Status.CANCELLED and item.upcoming(self.now)
            self.tally.upcoming_active += active
            if item.external_uid not in self.seen and _kept(item.external_uid, self.keep):
                self.seen.add(item.external_uid)
                plan.unchanged.append(item.id)
            elif self.complete and active and item.external_uid not in self.seen:
                plan.disappeared.append(item)
        self.tally.disappeared = plan.disappeared
        plan.upcoming_active = self.tally.upcoming_active
        return plan


def plan_sync(records: Iterable[Record], to_events: ToEvents, settle: Settle,
              known: dict[str, Known], *, horizon: Horizon, now: datetime,
              reuse_keys: bool, complete: bool = True, limits: Limits | None = None) -> Plan:
    """The whole plan in one piece (the batches of a `Planner`, joined): for callers
    whose payload is small, and for tests of the semantics on plain data."""
    planner = Planner(to_events, settle, known, horizon=horizon, now=now,
                      reuse_keys=reuse_keys, complete=complete, limits=limits)
    whole = Plan()
    for plan in planner.batches(records):
        whole.added += plan.added
        whole.changed += plan.changed
        whole.unchanged += plan.unchanged
        whole.rekeyed += plan.rekeyed
        whole.disappeared += plan.disappeared
    tally = planner.tally
    whole.skipped, whole.skip_reasons = tally.skipped, tally.skip_reasons
    whole.warnings, whole.upcoming_active = tally.warnings, tally.upcoming_active
    return whole


def _bound(limits: Limits, produced: int, deadline: float | None) -> str | None:
    """Which bound the sync has reached, in words (None: none yet)."""
    if limits.max_events is not None and produced >= limits.max_events:
        return f"the source gave {produced} events, its limit is {limits.max_events} " \
               "(max_events)"
    if deadline is not None and time.monotonic() > deadline:
        return f"reading took longer than {limits.max_seconds:g} s (max_mapping_seconds)"
    return None


def _keep(record: Record, keep: set[str]) -> bool:
    """Remember to keep the stored events of `record`; False if it has no identity."""
    if record.identity is None:
        return False
    keep.add(record.identity)
    return True


def _kept(external_uid: str, keep: set[str]) -> bool:
    # An occurrence's id is `identity/RECURRENCE-ID`; the id itself may contain "/".
    return bool(keep) and (external_uid in keep or external_uid.rsplit("/", 1)[0] in keep)
