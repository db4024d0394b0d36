"""`within`: A's start, end or whole span must fall inside a window.

Absolute windows are dates (inclusive) and compare by day. Relative windows are built
around the paired event of another selector: [anchor + from, anchor + to] (or up to
the event's own `to_anchor` point); A must be inside at least one of its windows.
"""

from __future__ import annotations

from collections.abc import Iterator

from calsync.config.rules import WithinRule
from calsync.rules import texts
from calsync.rules.findings import Context, EventRef, Finding, days_text, plural_days
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
    what = {"start": "start", "end": "end", "span": "whole span"}[rule.point]
    if rule.window is not None:
        lo = wall_of_date(rule.window.from_) if rule.window.from_ else -_INF
        hi = wall_of_date(rule.window.to) if rule.window.to else _INF
        text = (f"{texts.day(rule.window.from_) if rule.window.from_ else '…'} – "
                f"{texts.day(rule.window.to) if rule.window.to else '…'}")
        for a in ctx.select(rule.a):
            ok, off = _inside(a, rule.point, lo, hi, True)
            if ok:
                continue
            yield _finding(rule_id, rule, ctx, a, None, lo, hi, off, text, what)
            count += 1
            if count >= ctx.cap(rule):
                return
        return
    rel = rule.relative_to
    assert rel is not None
    start_shift = Shift.of(rel.from_) if rel.from_ is not None else None
    end_shift = Shift.of(rel.to) if rel.to is not None else None
    for a, chosen in pairs(ctx.select(rule.a), ctx.select(rel.selector), rel.join,
                           "start", rel.anchor):
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
        parts = []
        if rel.from_ is not None:
            parts.append(f"from {texts.duration(rel.from_)}")
        if rel.to_anchor is not None:
            parts.append(f"to its {rel.to_anchor}")
        elif rel.to is not None:
            parts.append(f"to {texts.duration(rel.to)}")
        text = f"{' '.join(parts)} around the {rel.anchor} of {b.title}".strip()
        yield _finding(rule_id, rule, ctx, a, b, lo, hi, off, text, what)
        count += 1
        if count >= ctx.cap(rule):
            return


def _finding(rule_id: str, rule: WithinRule, ctx: Context, a: Item, b: Item | None,
             lo: int, hi: int, off: int, text: str, what: str) -> Finding:
    a_ref = EventRef.of(a)
    b_ref = EventRef.of(b) if b is not None else None
    if off > 0:
        edge = wall_date(hi)
        how = f"{plural_days(days_text(off))} after the window closes ({texts.day(edge)})"
        fix = ctx.fix_by(a.actor, hi, earliest=lo if lo > -_INF else None)
        due = hi
    else:
        edge = wall_date(lo)
        how = f"{plural_days(days_text(off))} before the window opens ({texts.day(edge)})"
        fix = ctx.fix_from(a.actor, lo, latest=hi if hi < _INF else None)
        due = a.s - a.s % DAY
    summary = f"{a_ref.label()}: its {what} is {how}; rule {rule_id} requires it within {text}"
    identity = {"subject_uid": a.uid}
    return ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, identity, summary, a_ref, b_ref, due=due,
        required=f"{what} within {text}", actual=f"{days_text(off):g} days outside",
        slack_days=-abs(days_text(off)), fix=fix))
