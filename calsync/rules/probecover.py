"""The `coverage` side of a what-if probe (`calsync.rules.probe`): a moved event that only
a rule's A selection holds (`Covers`).

`coverage` yields its findings span by span, and within a span partition by partition
(sorted), each the gaps one (join key, partition) group's union leaves in the span
(`coverage.gaps`). Adding an A event M changes only its own group's union, and only
inside the interval M covers: a span M does not overlap sees the same gaps, opened and
closed by the same events (M can only be the first or last event of a merged part that
reaches into such a span at an end the span does not see). So the probe's findings are
the reference's (the probe's timeline without M) except in the slots (span, M's
partition) of the spans M overlaps whose join key is M's; there the gaps come from M's
group's union with M in it. M is named iff one of those gaps opens with it, or has no
opening event and closes with it (the finding's subject), within the cap (counted from
the reference's slots before, `Covers._before`) and the kept due dates.
`tests/whatif/test_probe_focus.py` checks the answers against the full evaluation.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import datetime
from typing import Any

from calsync.config.schema import Config
from calsync.rules.engine import bounds, evaluate
from calsync.rules.findings import Context, Finding
from calsync.rules.kinds.coverage import Union, gaps, group_of, spans_of
from calsync.rules.timeline import Item, Shift, Timeline
from calsync.rules.wallclock import DAY

__all__ = ["Covers"]


class Covers:
    """One `coverage` rule whose A selection (only) holds the moved event."""

    def __init__(self, config: Config, rule_id: str, rule: Any, ctx: Context,
                 reference: Timeline, now: datetime) -> None:
        self.rule_id, self.rule = rule_id, rule
        self.cap = ctx.cap(rule) - 1  # the findings `evaluate` keeps at most
        self.cutoff, self.ahead = bounds(config, rule, ctx)
        self.allowed = Shift.of(rule.max_gap)
        self.spans = spans_of(rule, ctx)  # in start order (timeline order or one span)
        self.starts = [start for start, *_ in self.spans]
        self.longest = max((end - start for start, end, *_ in self.spans), default=0)
        self.group = group_of(rule)
        self.groups: dict[tuple[tuple[str, ...] | None, tuple[str, ...]], list[Item]] = {}
        for a in ctx.select(rule.a):
            key = self.group(a)
            if key is not None:
                self.groups.setdefault(key, []).append(a)
        self.partitions = sorted({pk for _, pk in self.groups}) or [()]
        self.place = {pk: n for n, pk in enumerate(self.partitions)}
        self.unions = {key: Union(members) for key, members in self.groups.items()}
        self.counted = [0]  # the reference's findings before each slot (span, partition)

    def _before(self, slot: int) -> int:
        """How many findings the reference yields before slot `slot` (span index times
        the partitions, plus the partition's index), counted on demand."""
        empty = Union([])
        while len(self.counted) <= slot:
            n = len(self.counted) - 1
            start, end, _, jk = self.spans[n // len(self.partitions)]
            pk = self.partitions[n % len(self.partitions)]
            union = self.unions.get((jk, pk), empty)
            self.counted.append(self.counted[-1] + len(gaps(union, start, end, self.allowed)))
        return self.counted[slot]

    def _kept(self, due: int) -> bool:
        return (self.cutoff is None or due >= self.cutoff) and (
            self.ahead is None or due <= self.ahead)

    def names(self, config: Config, timeline: Callable[[], Timeline], now: datetime,
              item: Item, uid: str) -> bool:
        key = self.group(item)
        if key is None:
            return False  # in no group: it covers nothing
        jk, pk = key
        p = self.place.get(pk)
        if p is None:  # a new partition: every span gets its slot, so evaluate in full
            def named(f: Finding) -> bool:
                return uid in (f.subject.uid, f.object.uid if f.object else None)
            return any(named(f) for f in evaluate(config, timeline(), now, [self.rule_id],
                                                  until=named).findings)
        members = list(self.groups.get(key, []))
        members.insert(bisect.bisect_left(members, (item.s, item.id),
                                          key=lambda a: (a.s, a.id)), item)
        union = Union(members)
        covered = item.e if item.e > item.s else item.s + DAY  # as `Union` counts it
        shift = 0  # how many more findings the changed slots before yield than before
        first = bisect.bisect_right(self.starts, item.s - self.longest)
        for n in range(first, bisect.bisect_left(self.starts, covered)):
            start, end, _, span_jk = self.spans[n]
            if end <= item.s or span_jk != jk:
                continue  # a span it does not overlap, or of another join key
            slot = n * len(self.partitions) + p
            base = self._before(slot) + shift
            if base >= self.cap:
                return False  # every later slot starts past the cap too
            mine = gaps(union, start, end, self.allowed)
            for q, (g0, _, prev, nxt) in enumerate(mine):
                if base + q >= self.cap:
                    return False
                subject = prev if prev is not None else nxt
                if subject is not None and subject.uid == uid and self._kept(g0):
                    return True
            shift += len(mine) - (self._before(slot + 1) - self._before(slot))
        return False
