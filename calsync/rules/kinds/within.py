"""`within`: A's start, end or whole span must fall inside a window.

Absolute windows are dates (inclusive) and compare by day. Relative windows are built
around the paired event of another selector: [anchor + from, anchor + to] (or up to
the event's own `to_anchor` point); A must be inside at least one of its windows.
"""

from __future__ import annotations

from collections.abc import Iterator

from calsync.config.rules import WithinRule
from calsync.rules import kindtexts, texts
from calsync.rules.findings import Context, EventRef, Finding, days_text, length_between
from calsync.rules.kinds.pairing import pairs
from calsync.rules.timeline import Item, Shift
from calsync.rules.wallclock import DAY, wall_date, wall_of_date

__all__ = ["evaluate"]

_INF = 1 << 62


def _inside(a: Item, point: str, lo: int, hi: int, day: bool) -> tuple[bool, int]:
    """(inside?, signed distance outside: <0 too early, >0 too late)."""
    first = a.point("start", day)
    last = a.point("end", day)
    if point == "start":
        first = last = first
    elif point == "end":
        first = last
    if first < lo:
        return False, first - lo
    if last > hi:
        return False, last - hi
    return True, 0


def evaluate(rule_id: str, rule: WithinRule, ctx: Context) -> Iterator[Finding]:
    count = 0
    if rule.window is not None:
        lo = wall_of_date(rule.window.from_) if rule.window.from_ else -_INF
        hi = wall_of_date(rule.window.to) if rule.window.to else _INF
        for a in ctx.subjects(ctx.select(rule.a)):
            ok, off = _inside(a, rule.point, lo, hi, True)
            if ok:
                continue
            yield _finding(rule_id, rule, ctx, a, None, lo, hi, off)
            count += 1
            if count >= ctx.cap(rule):
                return
        return
    rel = rule.relative_to
    assert rel is not None
    start_shift = Shift.of(rel.from_) if rel.from_ is not None else None
    end_shift = Shift.of(rel.to) if rel.to is not None else None
    subjects = ctx.subjects(ctx.select(rule.a))  # all, or a what-if probe's one
    for a, chosen in pairs(subjects, ctx.select(rel.selector), rel.join, "start", rel.anchor):
        best: tuple[int, Item, int, int, int] | None = None
        for b in chosen:
            day = a.all_day or b.all_day
            anchor = b.point(rel.anchor, day)
            lo = start_shift(anchor) if start_shift is not None else -_INF
            if rel.to_anchor is not None:
                hi = b.point(rel.to_anchor, day)
            else:
                hi = end_shift(anchor) if end_shift is not None else _INF
            ok, off = _inside(a, rule.point, lo, hi, day)
            if ok:
                best = None
                break
            if best is None or abs(off) < abs(best[0]):
                best = (off, b, lo, hi, off)
        if best is None:
            continue
        _, b, lo, hi, off = best
        yield _finding(rule_id, rule, ctx, a, b, lo, hi, off)
        count += 1
        if count >= ctx.cap(rule):
            return


def _finding(rule_id: str, rule: WithinRule, ctx: Context, a: Item, b: Item | None,
             lo: int, hi: int, off: int) -> Finding:
    a_ref = EventRef.of(a)
    b_ref = EventRef.of(b) if b is not None else None
    late = off > 0
    if late:
        edge = hi
        fix = ctx.fix_by(a.actor, hi, verb="move", earliest=lo if lo > -_INF else None)
        due = hi
    else:
        edge = lo
        fix = ctx.fix_from(a.actor, lo, latest=hi if hi < _INF else None)
        due = a.s - a.s % DAY
    first = wall_date(lo) if lo > -_INF else None
    last = wall_date(hi) if hi < _INF else None
    around = b_ref.label() if b_ref is not None else None
    gap = length_between(edge, edge + off)
    summary = kindtexts.within_outside(
        subject=a_ref.label(), point=rule.point, multi_day=a_ref.multi_day, gap=gap,
        late=late, edge=wall_date(edge), lo=first, hi=last, around=around,
        rule=texts.rule_ref(rule_id, rule.title))
    identity = {"subject_uid": a.uid}
    return ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, identity, summary, a_ref, b_ref, due=due,
        need=kindtexts.within_required(first, last, around), got=kindtexts.outside(gap),
        slack_days=-abs(days_text(off)), fix=fix))
