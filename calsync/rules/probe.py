"""Probing dates for one moved event: does some finding of the touched rules name it?

A what-if's range search (`calsync.whatif.run`) asks this for up to 241 dates. Evaluating
the rules in full for each date runs a rule to its cap whenever the moved event is fine
there (most dates), so `Probe` answers per rule with less work and the same answer:

- **Silent rules.** A finding names only events of some of its rule's selections
  (`_NAMED`: A and B, not a blackout's windows), and which selections hold an event
  does not depend on its dates (selectors name none): a rule none of whose naming
  selections holds the moved event never names it.
- **Focused rules.** `precedes`, `within` and `blackout` yield findings A event by A
  event, in timeline order, and what they find for one A event depends on that event
  and on the rule's other selections only (for `blackout` also on the years A spans:
  `blackout.keeps`). So when the moved event is in A and in no other selection of the
  rule, every other A event's findings are those of the `reference` timeline (the
  probe's without the moved event), computed once; the moved event's own come at the
  place of its (start, id) among them. It is named iff one of its own findings (the
  kind run on the probe's timeline with `Context.focus` set to it) falls within the
  rule's cap and between its kept due dates (`engine.bounds`), as `evaluate` would keep
  it. When its place is past the reference's first `cap` findings, not even that runs.
- **B-side rules.** `precedes` and `within` (relative) pair each A event with B events
  of its join key (`kinds.pairing.pairs`). When the moved event is in B and in no other
  selection of the rule, only the A events of its join group can change, and of those
  (unless `pick: all`) only the ones whose point lies near its place among the group's B
  events (`_BSide.group`). Their findings are computed on the probe's timeline with
  that group's A and B events only (`_Among`); every other A event's findings are the
  reference's (read lazily, past the cap if need be). The moved event is named iff one
  of the group's findings that names it falls within the cap and the kept due dates.
- **Other rules** (`no_overlap`, `coverage`, `deadline`; an event in several selections
  of a rule, one that may supersede an expected step, or none on the timeline) are
  evaluated in full, stopping at the first finding that names the event.

`tests/whatif/test_probe_focus.py` checks every kind against the full evaluation.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from calsync.config.rules import Rule
from calsync.config.schema import Config
from calsync.rules.engine import KINDS, bounds, evaluate
from calsync.rules.findings import Context, Finding
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.kinds import blackout
from calsync.rules.timeline import Item, Timeline

__all__ = ["Probe", "naming"]


def _always(rule: Any, a_items: list[Item]) -> Callable[[Item], bool]:
    return lambda item: True


_NAMED: dict[str, set[tuple[str | int, ...]]] = {
    "precedes": {("a",), ("b",)},
    "within": {("a",), ("relative_to", "selector")},
    "no_overlap": {("a",), ("b",)},
    "blackout": {("a",)},
    "coverage": {("a",), ("span", "selector")},
    "deadline": {("a",), ("not_before", "selector")},
}
"""Per kind, the selections (`selector_refs` paths) whose events a finding may name as
its subject or object; the others only shape the findings (blackout windows, the years
of `in_years_of`, deadline variants)."""

_FOCUSED: dict[str, Callable[[Any, list[Item]], Callable[[Item], bool]]] = {
    "precedes": _always,
    "within": _always,
    "blackout": blackout.keeps,
}
"""The kinds that yield findings A event by A event (`Context.subjects`), each with what
says whether adding an event to A leaves the other A events' findings as they are."""


class _Focused:
    """One focusable rule: the (start, id) of the subjects of the reference's first `cap`
    findings, and what keeps them valid for a probe."""

    def __init__(self, config: Config, rule_id: str, rule: Rule, ctx: Context) -> None:
        self.rule_id, self.rule = rule_id, rule
        self.cap = ctx.cap(rule) - 1  # the findings `evaluate` keeps at most
        self.cutoff, self.ahead = bounds(config, rule, ctx)
        a_items = ctx.select(dict(rule.selector_refs())[("a",)])
        by_uid = {a.uid: a for a in a_items}
        first = islice(KINDS[rule.kind](rule_id, rule, ctx), self.cap)
        self.before = [(by_uid[f.subject.uid].s, by_uid[f.subject.uid].id) for f in first]
        self.keeps = _FOCUSED[rule.kind](rule, a_items)

    def place(self, item: Item) -> int:
        """How many findings of the rule come before the moved event's own."""
        return bisect.bisect_left(self.before, (item.s, item.id))

    def names(self, config: Config, timeline: Timeline, now: datetime, item: Item,
              place: int) -> bool:
        """Whether one of `item`'s own findings, the first at `place`, is kept."""
        ctx = Context(timeline, config, now)
        ctx.focus = item
        found = KINDS[self.rule.kind](self.rule_id, self.rule, ctx)
        for n, finding in enumerate(found, start=place):
            if n >= self.cap:
                return False
            if (self.cutoff is None or finding.due >= self.cutoff) and (
                    self.ahead is None or finding.due <= self.ahead):
                return True
        return False


_PAIRED: dict[str, tuple[str | int, ...]] = {
    "precedes": ("b",),
    "within": ("relative_to", "selector"),
}
"""The kinds whose A events are paired with B events (`kinds.pairing.pairs`), with the
path of their B selection: a move on that side is focused by `_BSide`."""


class _Among(Context):
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


class _Unbounded(Context):
    """A context whose kinds run past the rule's cap (the reference of `_BSide`, which
    is read lazily and may need more than `cap` findings)."""

    def cap(self, rule: Any) -> int:
        return 1 << 62


class _BSide:
    """One pairing rule whose B selection (only) holds the moved event.

    Adding a B event changes only what `pairs` chooses for the A events of its join
    group (the A events whose join key equals its B key); every other A event keeps its
    pairs, so its findings are the reference's. The probe's findings are then the
    reference's minus those of the group, plus the group's own, computed on the probe's
    timeline (`_Among`), all in A order. The moved event is named iff one of the group's
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
        self.b_sel = ctx.resolve(refs[_PAIRED[rule.kind]])
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
        for b in ctx.select(refs[_PAIRED[rule.kind]]):
            key = self.b_key(b)
            if key is not None:
                self.b_groups.setdefault(key, []).append(self._b_order(b))
                self.b_items.setdefault(key, []).append(b)
        for order in self.b_groups.values():
            order.sort()
        self._by_uid = {a.uid: a for a in a_items}
        self._found: Iterator[Finding] = KINDS[rule.kind](
            rule_id, rule, _Unbounded(reference, config, now))
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
        ctx = _Among(timeline(), config, now, group,
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


_LAST = (1 << 62, 0)
"""The place of a partition of B events only: after every other."""


class _Clashes:
    """One `no_overlap` rule whose A selection (only) holds the moved event.

    `no_overlap` sweeps one partition after another, in the order of their first A event
    (then the partitions of B events only), and pairs events of one partition only. So
    adding an A event changes its own partition's findings alone, and moves that
    partition at most earlier (its first A event may now be the moved one). The findings
    before it are a prefix of the reference's (the partitions whose first A event comes
    before), read lazily; its own come from the kind run on that partition's events only
    (`_Among`), in the order the full sweep would yield them.
    """

    def __init__(self, config: Config, rule_id: str, rule: Any, ctx: Context,
                 reference: Timeline, now: datetime) -> None:
        self.rule_id, self.rule = rule_id, rule
        self.cap = ctx.cap(rule) - 1
        self.cutoff, self.ahead = bounds(config, rule, ctx)
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
            rule_id, rule, _Unbounded(reference, config, now))
        self.before: list[tuple[int, int]] = []  # each finding's partition's place
        self._done = False

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

    def names(self, config: Config, timeline: Callable[[], Timeline], now: datetime,
              item: Item, uid: str) -> bool:
        key = self.part(item)
        if key is None:
            return False  # in no partition: it clashes with nothing
        mine = (item.s, item.id)
        first = min(self.first.get(key, mine), mine)
        ahead = 0  # the reference's findings of partitions swept before this one
        while ahead < self.cap:
            place = self._entry(ahead)
            if place is None or place >= first:
                break
            ahead += 1
        if ahead >= self.cap:
            return False
        a_items = list(self.a_items.get(key, []))
        a_items.insert(bisect.bisect_left(a_items, mine, key=lambda a: (a.s, a.id)), item)
        sides: list[tuple[Any, list[Item]]] = [(self.a_sel, a_items)]
        if self.b_sel is not None:
            sides.append((self.b_sel, self.b_items.get(key, [])))
        ctx = _Among(timeline(), config, now, set(), tuple(sides))
        found = KINDS[self.rule.kind](self.rule_id, self.rule, ctx)
        for n, finding in enumerate(found, start=ahead):
            if n >= self.cap:
                return False
            named = uid in (finding.subject.uid, finding.object.uid if finding.object else None)
            if named and (self.cutoff is None or finding.due >= self.cutoff) and (
                    self.ahead is None or finding.due <= self.ahead):
                return True
        return False


class Probe:
    """Does some finding of `rules` name the moved event `uid` at a probed date?

    `reference`: the timeline every probe adds the moved event to; `sample`: the moved
    event's item at any one date (None: it is not on the timeline, e.g. cancelled).
    """

    def __init__(self, config: Config, reference: Timeline, now: datetime, rules: list[str],
                 uid: str, sample: Item | None) -> None:
        self.config, self.now, self._names = config, now, naming(uid)
        self.full: list[str] = []
        self.focused: list[_Focused] = []
        self.b_side: list[_BSide | _Clashes] = []
        self.uid = uid
        ctx = Context(reference, config, now)
        # An event that may supersede an expected step changes more than its own place.
        plain = sample is not None and "period" not in sample.attrs
        alone = Timeline([sample] if sample is not None else [], reference.tz)
        for rule_id in rules:
            rule = config.rules.get(rule_id)
            if rule is None or not rule.enabled:
                continue
            if not plain:
                self.full.append(rule_id)
                continue
            holding = {path for path, ref in rule.selector_refs()
                       if alone.select(ctx.resolve(ref))}
            if not holding & _NAMED[rule.kind]:
                continue  # silent
            if rule.kind in _FOCUSED and holding == {("a",)}:
                self.focused.append(_Focused(config, rule_id, rule, ctx))
            elif rule.kind in _PAIRED and holding == {_PAIRED[rule.kind]}:
                self.b_side.append(_BSide(config, rule_id, rule, ctx, reference, now))
            elif rule.kind == "no_overlap" and holding == {("a",)}:
                self.b_side.append(_Clashes(config, rule_id, rule, ctx, reference, now))
            else:
                self.full.append(rule_id)

    def names(self, item: Item | None, timeline: Callable[[], Timeline]) -> bool:
        """Whether the evaluation of the rules on `timeline()` (the reference plus `item`,
        the moved event at the probed date) has a finding that names the event."""
        built: Timeline | None = None
        full = list(self.full)
        for focused in self.focused:
            if item is None or not focused.keeps(item):
                full.append(focused.rule_id)
                continue
            place = focused.place(item)
            if place >= focused.cap:  # past the cap, whatever it finds for the event
                continue
            built = built or timeline()
            if focused.names(self.config, built, self.now, item, place):
                return True
        if self.b_side and item is not None:
            def probed() -> Timeline:
                nonlocal built
                built = built or timeline()
                return built
            for b_side in self.b_side:
                if b_side.names(self.config, probed, self.now, item, self.uid):
                    return True
        elif self.b_side:
            full.extend(b.rule_id for b in self.b_side)
        if not full:
            return False
        found = evaluate(self.config, built or timeline(), self.now, full,
                         until=self._names).findings
        return any(self._names(f) for f in found)


def naming(uid: str) -> Callable[[Finding], bool]:
    """Whether a finding names the event `uid` (as its subject or its object)."""
    return lambda f: uid in (f.subject.uid, f.object.uid if f.object else None)
