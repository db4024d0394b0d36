"""`coverage`: the events of `a` must leave no gap longer than `max_gap` in a span.

The span is a pair of dates or each event of another selector (a programme period);
with `partition`, each partition of `a` (per actor, per programme) must cover it on
its own. One sorted pass per span: O(n) after the shared sort.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator

from calsync.config.rules import CoverageRule
from calsync.rules import kindtexts, texts, wording
from calsync.rules.findings import Context, EventRef, Finding, days_text, length_between
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.timeline import Item, Shift
from calsync.rules.wallclock import DAY, wall_date, wall_of_date

__all__ = ["Span", "Union", "evaluate", "gaps", "group_of", "spans_of"]


Span = tuple[int, int, "Item | None", "tuple[str, ...] | None"]
"""A span to cover: start, end (wall seconds), the span event (None: fixed dates) and its
join key (None: no join)."""


def spans_of(rule: CoverageRule, ctx: Context) -> list[Span]:
    """The spans in the order the rule sweeps them."""
    spans: list[Span] = []
    if rule.span.selector is not None:
        join = rule.span.join
        b_key = tuple_key([key_fn(k) for k in join.sides()[1]]) if join else None
        for b in ctx.select(rule.span.selector):
            k = b_key(b) if b_key is not None else None
            if b_key is not None and k is None:
                continue
            spans.append((b.s, b.e if b.e > b.s else b.s + DAY, b, k))
    else:
        assert rule.span.from_ is not None and rule.span.to is not None
        spans.append((wall_of_date(rule.span.from_), wall_of_date(rule.span.to) + DAY,
                      None, None))
    return spans


def group_of(rule: CoverageRule) -> Callable[[Item], tuple[tuple[str, ...] | None,
                                                            tuple[str, ...]] | None]:
    """An A event's (join key, partition) group (None: it covers nothing)."""
    join = rule.span.join
    a_join = tuple_key([key_fn(k) for k in join.sides()[0]]) if join else None
    part = tuple_key([key_fn(k) for k in rule.partition])

    def group(a: Item) -> tuple[tuple[str, ...] | None, tuple[str, ...]] | None:
        jk = a_join(a) if a_join is not None else None
        pk = part(a)
        if (a_join is not None and jk is None) or pk is None:
            return None
        return jk, pk
    return group


def evaluate(rule_id: str, rule: CoverageRule, ctx: Context) -> Iterator[Finding]:
    allowed = Shift.of(rule.max_gap)
    spans = spans_of(rule, ctx)
    group = group_of(rule)
    groups: dict[tuple[tuple[str, ...] | None, tuple[str, ...]], list[Item]] = {}
    for a in ctx.select(rule.a):
        key = group(a)
        if key is not None:
            groups.setdefault(key, []).append(a)
    partitions = sorted({pk for _, pk in groups}) or [()]
    unions = {key: Union(members) for key, members in groups.items()}
    empty = Union([])
    count = 0
    for start, end, span_item, jk in spans:
        for pk in partitions:
            union = unions.get((jk, pk), empty)
            for finding in _gaps(rule_id, rule, ctx, union, start, end, span_item, pk,
                                 allowed):
                yield finding
                count += 1
                if count >= ctx.cap(rule):
                    return


class Union:
    """The union of a partition's events as disjoint sorted intervals, each with the
    event that opens it and the one whose end closes it (for explanations)."""

    def __init__(self, members: list[Item]) -> None:
        self.parts: list[tuple[int, int, Item, Item]] = []
        for item in members:  # sorted by start
            end = item.e if item.e > item.s else item.s + DAY
            if self.parts and item.s <= self.parts[-1][1]:
                s0, e0, first, _ = self.parts[-1]
                if end > e0:
                    self.parts[-1] = (s0, end, first, item)
            else:
                self.parts.append((item.s, end, item, item))
        self.ends = [p[1] for p in self.parts]

    def within(self, start: int, end: int) -> list[tuple[int, int, Item, Item]]:
        out = []
        j = bisect.bisect_right(self.ends, start)
        while j < len(self.parts) and self.parts[j][0] < end:
            out.append(self.parts[j])
            j += 1
        return out


def gaps(union: Union, start: int, end: int, allowed: Shift
         ) -> list[tuple[int, int, Item | None, Item | None]]:
    """The gaps longer than allowed that `union` leaves in a span, in order: start, end,
    the event whose end opens it and the one whose start closes it (None: the span's
    edge). A finding's subject is the opening event, else the closing one."""
    cursor = start
    before: Item | None = None
    found: list[tuple[int, int, Item | None, Item | None]] = []
    for s0, e0, first, last in union.within(start, end):
        if s0 > cursor:
            found.append((cursor, s0, before, first))
        if e0 > cursor:
            cursor, before = e0, last
    if cursor < end:
        found.append((cursor, end, before, None))
    return [gap for gap in found if gap[1] > allowed(gap[0])]


def _gaps(rule_id: str, rule: CoverageRule, ctx: Context, union: Union, start: int,
          end: int, span: Item | None, pk: tuple[str, ...], allowed: Shift
          ) -> Iterator[Finding]:
    span_ref = EventRef.of(span) if span is not None else None
    span_text: wording.Value = span_ref.label() if span_ref is not None \
        else wording.Range(wall_date(start), wall_date(end - DAY))
    allowed_text = wording.Dur(rule.max_gap) if rule.max_gap else None
    ref = texts.rule_ref(rule_id, rule.title)
    for g0, g1, prev, nxt in gaps(union, start, end, allowed):
        position = ("start" if g0 == start else f"after {prev.uid}" if prev is not None
                    else "start")
        subject = prev or nxt or span
        uncovered = wording.Range(wall_date(g0), wall_date(g1 - 1))
        gap = length_between(g0, g1)
        who = f"{', '.join(pk)}: " if pk else ""
        if g1 == end and prev is not None:
            summary = kindtexts.coverage_runs_out(
                who=who, last=EventRef.of(prev).label(), gap=gap, span=span_text,
                uncovered=uncovered, allowed=allowed_text, rule=ref)
        else:
            summary = kindtexts.coverage_gap(who=who, span=span_text, uncovered=uncovered,
                                         gap=gap, allowed=allowed_text, rule=ref)
        identity = {"span": span.uid if span is not None else _identity_text(start, end),
                    "partition": "|".join(pk), "position": position}
        actor = subject.actor if subject is not None else ""
        subject_ref = EventRef.of(subject) if subject is not None else EventRef(
            uid="", title=_identity_text(start, end), actor="", level="", kind="",
            when=_identity_text(start, end), url=None,
            day=wall_date(start), last=wall_date(end - DAY))
        yield ctx.finish(rule_id, rule, Finding(
            rule_id, rule.kind, identity, summary, subject_ref,
            span_ref if span is not None and span is not subject else None,
            due=g0, need=kindtexts.coverage_required(allowed_text),
            got=kindtexts.coverage_actual(gap), slack_days=-days_text(g1 - allowed(g0)),
            fix=ctx.fix_by(actor, g0 - DAY, verb="successor")))


def _identity_text(start: int, end: int) -> str:
    """The span's part of a fixed-dates rule's identity: as it always was (an alert keeps
    its fingerprint when the wording changes)."""
    first, last = wall_date(start), wall_date(end - DAY)
    return (f"{first.day} {first.strftime('%B')} {first.year} – "
            f"{last.day} {last.strftime('%B')} {last.year}")
