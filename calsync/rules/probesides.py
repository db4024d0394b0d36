"""The B side of a what-if probe (`calsync.rules.probe`): a moved event that only a
pairing rule's B selection holds (`BSide`, `precedes` and `within`). It answers "is the
moved event named?" from its join group alone plus the reference's findings, exactly as
the full evaluation would (`tests/whatif/test_probe_focus.py`). `Among` and `Unbounded`
serve `calsync.rules.probeclashes` too (a `no_overlap` rule's A side)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from calsync.config.schema import Config
from calsync.rules.engine import KINDS, bounds
from calsync.rules.findings import Context, Finding
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.timeline import Item, Timeline

__all__ = ["PAIRED", "Among", "BSide", "Unbounded"]

PAIRED: dict[str, tuple[str | int, ...]] = {
    "precedes": ("b",),
    "within": ("relative_to", "selector"),
}
"""The kinds whose A events are paired with B events (`kinds.pairing.pairs`), with the
path of their B selection: a move on that side is focused by `BSide`."""


class Among(Context):
    """A context whose kinds yield findings only for the A events `uids`, and whose A
    and B selections are those of one join group (`a`, `b`): `pairs` pairs an A event
    with B events of its own join key only, so the rest of B changes nothing for it."""

    def __init__(self, timeline: Timeline, config: Config, now: datetime, uids: set[str],
                 sides: tuple[tuple[Any, list[Item]], ...]) -> None:
        super().__init__(timeline, config, now)
        self.uids = uids
        self.sides = sides

    def select(self, ref: Any) -> list[Item]:
        selector = self.resolve(ref)
        for side, items in self.sides:
            if selector == side:
                return items
        return super().select(ref)

    def subjects(self, a_items: list[Item]) -> list[Item]:
        return [a for a in a_items if a.uid in self.uids]


class Unbounded(Context):
    """A context whose kinds run past the rule's cap (the reference of `BSide`, which
    is read lazily and may need more than `cap` findings)."""

    def cap(self, rule: Any) -> int:
        return 1 << 62


class BSide:
    """One pairing rule whose B selection (only) holds the moved event.

    Adding a B event changes only what `pairs` chooses for the A events of its join
    group (the A events whose join key equals its B key); every other A event keeps its
    pairs, so its findings are the reference's. The probe's findings are then the
    reference's minus those of the group, plus the group's own, computed on the probe's
    timeline (`Among`), all in A order. The moved event is named iff one of the group's
    findings that names it falls within the cap and the kept due dates.
    """

    def __init__(self, config: Config, rule_id: str, rule: Any, ctx: Context,
                 reference: Timeline, now: datetime) -> None:
        self.rule_id, self.rule = rule_id, rule
        self.cap = ctx.cap(rule) - 1  # the findings `evaluate` keeps at most
        self.cutoff, self.ahead = bounds(config, rule, ctx)
        join = rule.join if rule.kind == "precedes" else rule.relative_to.join
        a_keys, b_keys = join.sides()
        a_key = tuple_key([key_fn(k) for k in a_keys])
        self.b_key = tuple_key([key_fn(k) for k in b_keys])
        self.pick = join.pick
        self.a_point = rule.a_point if rule.kind == "precedes" else "start"
        self.b_point = rule.b_point if rule.kind == "precedes" else rule.relative_to.anchor
        refs = dict(rule.selector_refs())
        self.a_sel = ctx.resolve(refs[("a",)])
        self.b_sel = ctx.resolve(refs[PAIRED[rule.kind]])
        a_items = ctx.select(refs[("a",)])
        self.a_items: dict[tuple[str, ...], list[Item]] = {}
        self.b_items: dict[tuple[str, ...], list[Item]] = {}
        # Per join key: the A events by their point, and the B events in `pairs`' order.
        self.groups: dict[tuple[str, ...], list[tuple[int, int, str]]] = {}
        for a in a_items:
            key = a_key(a)
            if key is not None:
                self.groups.setdefault(key, []).append((a.point(self.a_point, False), a.id,
                                                        a.uid))
                self.a_items.setdefault(key, []).append(a)
        for members in self.groups.values():
            members.sort()
        self.b_groups: dict[tuple[str, ...], list[tuple[int, int, int]]] = {}
        for b in ctx.select(refs[PAIRED[rule.kind]]):
            key = self.b_key(b)
            if key is not None:
                self.b_groups.setdefault(key, []).append(self._b_order(b))
                self.b_items.setdefault(key, []).append(b)
        for order in self.b_groups.values():
            order.sort()
        self._by_uid = {a.uid: a for a in a_items}
        self._found: Iterator[Finding] = KINDS[rule.kind](
            rule_id, rule, Unbounded(reference, config, now))
        self.before: list[tuple[int, int, str]] = []  # (start, id, uid) of each subject
        self._done = False

    def _b_order(self, b: Item) -> tuple[int, int, int]:
        """Where `pairs` puts a B event in its group: (sort key..., its point)."""
        if self.b_point == "end":
            return (b.e, b.id, b.point("end", False))
        return (b.s, b.id, b.point("start", False))

    def group(self, key: tuple[str, ...], item: Item) -> set[str]:
        """The A events of the join group `key` whose chosen B events may change when
        `item` joins B: all for `pick: all`; else those whose point lies between the
        points of the second B event before it and the second after it in `pairs`' order
        (inclusive). `next` looks at the first B at or after A's point that is not A
        itself, `previous` the same backwards, `nearest` at the two either side of A's
        bisect place, so an A event outside that range sees the same B events."""
        members = self.groups.get(key, [])
        if self.pick == "all":
            return {uid for _, _, uid in members}
        order = self.b_groups.get(key, [])
        mine = self._b_order(item)
        j = bisect.bisect_left(order, mine)
        # With it at j, the second before is order[j - 2], the second after order[j + 1].
        lo = order[j - 2][2] if j >= 2 else None
        hi = order[j + 1][2] if j + 1 < len(order) else None
        first = 0 if lo is None else bisect.bisect_left(members, (lo,))
        last = len(members) if hi is None else bisect.bisect_right(members, (hi, 1 << 62))
        return {uid for _, _, uid in members[first:last]}

    def _entry(self, n: int) -> tuple[int, int, str] | None:
        """The reference's `n`-th finding's subject, read on demand."""
        while len(self.before) <= n and not self._done:
            finding = next(self._found, None)
            if finding is None:
                self._done = True
                break
            a = self._by_uid[finding.subject.uid]
            self.before.append((a.s, a.id, a.uid))
        return self.before[n] if n < len(self.before) else None

    def names(self, config: Config, timeline: Callable[[], Timeline], now: datetime,
              item: Item, uid: str) -> bool:
        key = self.b_key(item)
        if key is None:
            return False  # it takes no part in the pairing
        group = self.group(key, item)
        if not group:
            return False  # no A event is paired with it
        b_items = list(self.b_items.get(key, []))
        b_items.insert(bisect.bisect_left(b_items, (item.s, item.id),
                                          key=lambda b: (b.s, b.id)), item)
        ctx = Among(timeline(), config, now, group,
                     ((self.a_sel, self.a_items.get(key, [])), (self.b_sel, b_items)))
        n = 0  # the reference's findings read
        others = 0  # those of them outside the group, before the subject
        found = KINDS[self.rule.kind](self.rule_id, self.rule, ctx)
        for mine, finding in enumerate(found):  # mine: the group's findings before
            a = finding.subject
            place = (self._by_uid[a.uid].s, self._by_uid[a.uid].id)
            while others + mine < self.cap:
                entry = self._entry(n)
                if entry is None or entry[:2] >= place:
                    break
                if entry[2] not in group:
                    others += 1
                n += 1
            if others + mine >= self.cap:
                return False
            named = finding.object is not None and finding.object.uid == uid
            if named and (self.cutoff is None or finding.due >= self.cutoff) and (
                    self.ahead is None or finding.due <= self.ahead):
                return True
        return False
