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
  events (`BSide.group`). Their findings are computed on the probe's timeline with
  that group's A and B events only (`Among`); every other A event's findings are the
  reference's (read lazily, past the cap if need be). The moved event is named iff one
  of the group's findings that names it falls within the cap and the kept due dates.
- **Clashing rules.** A `no_overlap` rule whose A selection only holds the moved event
  changes only that event's partition, by the pairs with the moved event alone
  (`calsync.rules.probeclashes.Clashes`): counted from the reference's sweep.
- **Covering rules.** A `coverage` rule whose A selection only holds the moved event
  changes only its group's gaps in the spans it overlaps
  (`calsync.rules.probecover.Covers`); the other slots' counts are the reference's.
- **Other rules** (`deadline`, `no_overlap` or `coverage` with the event elsewhere; an
  event in several selections of a rule, one that may supersede an expected step, or
  none on the timeline) are evaluated in full, stopping at the first finding naming it.

`tests/whatif/test_probe_focus.py` checks every kind against the full evaluation.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import datetime
from itertools import islice
from typing import Any

from calsync.config.rules import Rule
from calsync.config.schema import Config
from calsync.rules.engine import KINDS, bounds, evaluate
from calsync.rules.findings import Context, Finding
from calsync.rules.kinds import blackout
from calsync.rules.probeclashes import Clashes
from calsync.rules.probecover import Covers
from calsync.rules.probesides import PAIRED, BSide
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
        self.b_side: list[BSide | Clashes | Covers] = []
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
            elif rule.kind in PAIRED and holding == {PAIRED[rule.kind]}:
                self.b_side.append(BSide(config, rule_id, rule, ctx, reference, now))
            elif rule.kind == "no_overlap" and holding == {("a",)}:
                self.b_side.append(Clashes(config, rule_id, rule, ctx, reference, now))
            elif rule.kind == "coverage" and holding == {("a",)}:
                self.b_side.append(Covers(config, rule_id, rule, ctx, reference, now))
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
