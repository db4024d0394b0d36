"""`coverage`: the events of `a` must leave no gap longer than `max_gap` in a span.

The span is a pair of dates or each event of another selector (a programme period);
with `partition`, each partition of `a` (per actor, per programme) must cover it on
its own. One sorted pass per span: O(n) after the shared sort.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta

from calsync.config.rules import CoverageRule
from calsync.rules import texts
from calsync.rules.findings import Context, EventRef, Finding, days_text
from calsync.rules.timeline import Item, Shift, key_fn, tuple_key
from calsync.rules.wallclock import DAY, wall_date, wall_of_date

__all__ = ["evaluate", "humanise"]


def humanise(start: int, end: int) -> str:
    """`4 years`, `1 year 2 months`, `25 days` between two wall instants."""
    delta = relativedelta(wall_date(end), wall_date(start))
    parts = [(delta.years, "year"), (delta.months, "month"), (delta.days, "day")]
    text = " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)
    return text or "less than a day"


def evaluate(rule_id: str, rule: CoverageRule, ctx: Context) -> Iterator[Finding]:
    a_items = ctx.select(rule.a)
    allowed = Shift.of(rule.max_gap)
    spans: list[tuple[int, int, Item | None, tuple[str, ...] | None]] = []
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
    join = rule.span.join
    a_join = tuple_key([key_fn(k) for k in join.sides()[0]]) if join else None
    part = tuple_key([key_fn(k) for k in rule.partition])
    groups: dict[tuple[tuple[str, ...] | None, tuple[str, ...]], list[Item]] = {}
    for a in a_items:
        jk = a_join(a) if a_join is not None else None
        pk = part(a)
        if (a_join is not None and jk is None) or pk is None:
            continue
        groups.setdefault((jk, pk), []).append(a)
    partitions = sorted({pk for _, pk in groups}) or [()]
    unions = {key: _Union(members) for key, members in groups.items()}
    empty = _Union([])
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


class _Union:
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


def _gaps(rule_id: str, rule: CoverageRule, ctx: Context, union: _Union, start: int,
          end: int, span: Item | None, pk: tuple[str, ...], allowed: Shift
          ) -> Iterator[Finding]:
    cursor = start
    before: Item | None = None
    gaps: list[tuple[int, int, Item | None, Item | None]] = []
    for s0, e0, first, last in union.within(start, end):
        if s0 > cursor:
            gaps.append((cursor, s0, before, first))
        if e0 > cursor:
            cursor, before = e0, last
    if cursor < end:
        gaps.append((cursor, end, before, None))
    span_text = (f"{span.title} ({texts.when(span.day(), span.when())})" if span is not None
                 else f"{texts.day(wall_date(start))} – {texts.day(wall_date(end - DAY))}")
    for g0, g1, prev, nxt in gaps:
        if g1 <= allowed(g0):
            continue
        position = ("start" if g0 == start else f"after {prev.uid}" if prev is not None
                    else "start")
        subject = prev or nxt or span
        gap_text = (f"{texts.day(wall_date(g0))} – {texts.day(wall_date(g1 - 1))} "
                    f"({humanise(g0, g1)})")
        who = f"{', '.join(pk)}: " if pk else ""
        if g1 == end and prev is not None:
            summary = (f"{who}{texts.with_owner(prev.title, prev.actor)} runs out "
                       f"{humanise(g0, g1)} before {span_text} ends; uncovered {gap_text}")
        else:
            summary = f"{who}nothing covers {span_text}: gap {gap_text}"
        allowed_text = texts.duration(rule.max_gap) if rule.max_gap else "no gap"
        summary += f"; rule {rule_id} allows {allowed_text}"
        identity = {"span": span.uid if span is not None else span_text,
                    "partition": "|".join(pk), "position": position}
        actor = subject.actor if subject is not None else ""
        subject_ref = EventRef.of(subject) if subject is not None else EventRef(
            uid="", title=span_text, actor="", level="", kind="", when=span_text, url=None,
            day=wall_date(start))
        yield ctx.finish(rule_id, rule, Finding(
            rule_id, rule.kind, identity, summary, subject_ref,
            EventRef.of(span) if span is not None and span is not subject else None,
            due=g0, required=f"gap ≤ {allowed_text}",
            actual=f"gap {humanise(g0, g1)}", slack_days=-days_text(g1 - allowed(g0)),
            fix=ctx.fix_by(actor, g0 - DAY, verb="adopt a successor in force from "
                                                  f"{texts.day(wall_date(g0))}, i.e. decide")))
