"""The `no_overlap` side of a what-if probe (`calsync.rules.probe`): a moved event that
only a rule's A selection holds (`Clashes`).

`no_overlap` sweeps one partition after another and pairs events of one partition only,
so the findings of the partitions swept before the moved event's are a prefix of the
reference's (the probe's timeline without the moved event). Inside its partition, the
sweep pairs an event X with every event before it in (start, id) order whose reach
(`no_overlap.reach`: end plus `min_separation`) is past X's start, whatever else is on
the timeline. So inserting the moved event M leaves every pair of two other events as
it was, at the same sweep step (the later event's place); M's own pairs are the events
before it still reaching past its start (all at M's step), and the events after it that
start before M's reach (one at each such event's step). The index M's first kept pair
would have among the rule's findings is then counted from the reference's findings'
steps (`_Partition`), without sweeping the partition again. Only within one step is the
order not known (the sweep visits its active events in heap order): where that step
straddles the cap, `Clashes` sweeps the partition with M as before (`_exact`).
`tests/whatif/test_probe_focus.py` checks the answers against the full evaluation.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from calsync.config.schema import Config
from calsync.rules.engine import KINDS, bounds
from calsync.rules.findings import Context, Finding
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.kinds.no_overlap import reach
from calsync.rules.probesides import Among, Unbounded
from calsync.rules.timeline import Item, Shift, Timeline

__all__ = ["Clashes"]

_LAST = (1 << 62, 0)
"""The place of a partition of B events only: after every other."""


class _Partition:
    """One partition of the reference in the sweep's order, with where the sweep yields
    its first findings.

    `order`/`starts`/`reaches`: per member (an event in A and in B is a member twice,
    A first, as the kind has it) its (start, id), start and reach. `pairs[j]`: how many of
    the members before j the moved event (in A only) may be paired with: all without
    `b`, the B members with it. `steps`: the (start, id) of the later event of each of
    the partition's first `limit` reference findings, in the order they are yielded;
    `complete` says there are no more.
    """

    def __init__(self, members: list[tuple[Item, int]], sep: Shift, steps: list[tuple[int, int]],
                 limit: int) -> None:
        self.order = [(m.s, m.id) for m, _ in members]
        self.starts = [m.s for m, _ in members]
        self.reaches = [reach(m, sep) for m, _ in members]
        self.pairs = [0]
        for _, side in members:
            self.pairs.append(self.pairs[-1] + (side != 1))
        # How far past its start any member that may pair with the moved event reaches.
        self.longest = max((r - s for (_, side), r, s in zip(members, self.reaches,
                                                             self.starts, strict=True)
                            if side != 1), default=0)
        self.steps = steps
        self.complete = len(steps) < limit

    def before(self, place: tuple[int, int]) -> int | None:
        """How many of the reference's findings of the partition come at steps before
        `place` (None: more than were read, so past the cap)."""
        n = bisect.bisect_left(self.steps, place)
        return None if n == len(self.steps) and not self.complete else n

    def at(self, place: tuple[int, int], before: int) -> int | None:
        """How many come at the step `place` itself (None: not known, maybe past the
        read ones)."""
        n = bisect.bisect_right(self.steps, place)
        return None if n == len(self.steps) and not self.complete else n - before

    def own(self, k: int, item: Item) -> int:
        """How many members before place `k` still reach past `item`'s start: the sweep
        pairs `item` with each of them at its own step."""
        first = bisect.bisect_right(self.starts, item.s - self.longest)
        return sum(1 for j in range(first, k) if self.pairs[j + 1] > self.pairs[j]
                   and self.reaches[j] > item.s)


class Clashes:
    """One `no_overlap` rule whose A selection (only) holds the moved event.

    `no_overlap` sweeps one partition after another, in the order of their first A event
    (then the partitions of B events only), and pairs events of one partition only. So
    adding an A event changes its own partition's findings alone, and moves that
    partition at most earlier (its first A event may now be the moved one). The findings
    before it are a prefix of the reference's (the partitions whose first A event comes
    before), read lazily; its own are counted from the partition's reference sweep
    (`_Partition`, made once per partition key), or where that leaves the order open,
    come from the kind run on that partition's events only (`Among`), in the order the
    full sweep would yield them.
    """

    def __init__(self, config: Config, rule_id: str, rule: Any, ctx: Context,
                 reference: Timeline, now: datetime) -> None:
        self.rule_id, self.rule = rule_id, rule
        self.config, self.reference, self.now = config, reference, now
        self.cap = ctx.cap(rule) - 1
        self.cutoff, self.ahead = bounds(config, rule, ctx)
        self.sep = Shift.of(rule.min_separation)
        self.part = tuple_key([key_fn(k) for k in rule.partition])
        self.a_sel = ctx.resolve(rule.a)
        self.b_sel = ctx.resolve(rule.b) if rule.b is not None else None
        self.a_items: dict[tuple[str, ...], list[Item]] = {}
        self.b_items: dict[tuple[str, ...], list[Item]] = {}
        self.key_of: dict[str, tuple[str, ...]] = {}
        sides = [(self.a_items, ctx.select(rule.a))]
        if rule.b is not None:
            sides.append((self.b_items, ctx.select(rule.b)))
        for out, items in sides:
            for item in items:
                key = self.part(item)
                if key is not None:
                    out.setdefault(key, []).append(item)
                    self.key_of[item.uid] = key
        # Where each partition comes in the sweep: by its first A event, B-only ones last.
        self.first = {key: (found[0].s, found[0].id) for key, found in self.a_items.items()}
        self._found: Iterator[Finding] = KINDS[rule.kind](
            rule_id, rule, Unbounded(reference, config, now))
        self.before: list[tuple[int, int]] = []  # each finding's partition's place
        self._done = False
        self._partitions: dict[tuple[str, ...], _Partition] = {}

    def _entry(self, n: int) -> tuple[int, int] | None:
        """The `n`-th reference finding's partition's place, read on demand (None: no
        such finding)."""
        while len(self.before) <= n and not self._done:
            finding = next(self._found, None)
            if finding is None:
                self._done = True
                break
            self.before.append(self.first.get(self.key_of[finding.subject.uid], _LAST))
        return self.before[n] if n < len(self.before) else None

    def _sides(self, key: tuple[str, ...], a_items: list[Item]) -> tuple[tuple[Any, list[Item]],
                                                                         ...]:
        sides: list[tuple[Any, list[Item]]] = [(self.a_sel, a_items)]
        if self.b_sel is not None:
            sides.append((self.b_sel, self.b_items.get(key, [])))
        return tuple(sides)

    def _partition(self, key: tuple[str, ...]) -> _Partition:
        """The reference's partition `key`, swept once (as far as the cap)."""
        if key not in self._partitions:
            a_items = self.a_items.get(key, [])
            members = [(a, 0 if self.b_sel is None else 1) for a in a_items]
            if self.b_sel is not None:
                members += [(b, 2) for b in self.b_items.get(key, [])]
            members.sort(key=lambda pair: (pair[0].s, pair[0].id))  # stable: A first
            place = {m.uid: (m.s, m.id) for m, _ in members}
            ctx = Among(self.reference, self.config, self.now, set(), self._sides(key, a_items))
            steps = [place[f.subject.uid]
                     for f in KINDS[self.rule.kind](self.rule_id, self.rule, ctx)]
            self._partitions[key] = _Partition(members, self.sep, steps, ctx.cap(self.rule))
        return self._partitions[key]

    def _kept(self, due: int) -> bool:
        return (self.cutoff is None or due >= self.cutoff) and (
            self.ahead is None or due <= self.ahead)

    def counted(self, key: tuple[str, ...], item: Item, prior: int) -> bool | None:
        """Whether `item`'s first kept pair falls within the cap, counted (None: its
        step straddles the cap, so the order inside the step decides)."""
        part = self._partition(key)
        mine = (item.s, item.id)
        k = bisect.bisect_left(part.order, mine)
        before = part.before(mine)
        if before is None or prior + before >= self.cap:
            return False  # even its first pair would be past the cap
        own = part.own(k, item)
        if own and self._kept(item.s):  # its own step: all its pairs, due at its start
            return True
        # Then one pair at the step of each member after it starting before its reach.
        last = bisect.bisect_left(part.starts, reach(item, self.sep))
        first = k if self.cutoff is None else max(k, bisect.bisect_left(part.starts,
                                                                        self.cutoff))
        if first >= last:
            return False
        j = bisect.bisect_right(part.pairs, part.pairs[first]) - 1  # the first it pairs with
        if j >= last or not self._kept(part.starts[j]):
            return False  # none, or past the horizon like every later one
        step = part.order[j]
        others = part.before(step)
        if others is None:
            return False
        lower = prior + others + own + part.pairs[j] - part.pairs[k]
        if lower >= self.cap:
            return False
        same = part.at(step, others)
        if same is not None and lower + same < self.cap:
            return True
        return None

    def names(self, config: Config, timeline: Callable[[], Timeline], now: datetime,
              item: Item, uid: str) -> bool:
        key = self.part(item)
        if key is None:
            return False  # in no partition: it clashes with nothing
        mine = (item.s, item.id)
        first = min(self.first.get(key, mine), mine)
        prior = 0  # the reference's findings of partitions swept before this one
        while prior < self.cap:
            place = self._entry(prior)
            if place is None or place >= first:
                break
            prior += 1
        if prior >= self.cap:
            return False
        focused = self.counted(key, item, prior)
        if focused is not None:
            return focused
        return self._exact(config, timeline(), now, key, item, uid, prior)

    def _exact(self, config: Config, timeline: Timeline, now: datetime,
               key: tuple[str, ...], item: Item, uid: str, prior: int) -> bool:
        """The partition swept with `item` in it, its findings counted from `prior`."""
        a_items = list(self.a_items.get(key, []))
        a_items.insert(bisect.bisect_left(a_items, (item.s, item.id),
                                          key=lambda a: (a.s, a.id)), item)
        ctx = Among(timeline, config, now, set(), self._sides(key, a_items))
        found = KINDS[self.rule.kind](self.rule_id, self.rule, ctx)
        for n, finding in enumerate(found, start=prior):
            if n >= self.cap:
                return False
            named = uid in (finding.subject.uid, finding.object.uid if finding.object else None)
            if named and self._kept(finding.due):
                return True
        return False
