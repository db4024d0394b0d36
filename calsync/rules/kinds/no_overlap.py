"""`no_overlap`: events must not clash (and keep `min_separation` between them).

A sweep per partition with a min-heap of active ends: O(n log n + clashes). Instants
count as one second long, so two events at the same moment clash. With `b`, only
pairs of one A and one B event count (each pair once).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from calsync.rules import texts
from calsync.rules.config import NoOverlapRule
from calsync.rules.findings import Context, EventRef, Finding, days_text, plural_days
from calsync.rules.timeline import Item, Shift, key_fn, tuple_key

__all__ = ["evaluate"]


def evaluate(rule_id: str, rule: NoOverlapRule, ctx: Context) -> Iterator[Finding]:
    sep = Shift.of(rule.min_separation)
    part = tuple_key([key_fn(k) for k in rule.partition])
    a_items = ctx.select(rule.a)
    b_items = ctx.select(rule.b) if rule.b is not None else None
    groups: dict[tuple[str, ...], list[tuple[Item, int]]] = {}
    if b_items is None:
        for item in a_items:
            key = part(item)
            if key is not None:
                groups.setdefault(key, []).append((item, 0))
    else:
        for side, found in ((1, a_items), (2, b_items)):
            for item in found:
                key = part(item)
                if key is not None:
                    groups.setdefault(key, []).append((item, side))
        for members in groups.values():
            members.sort(key=lambda pair: (pair[0].s, pair[0].id))
    count = 0
    seen: set[tuple[int, int]] = set()
    for members in groups.values():
        active: list[tuple[int, int, Item, int]] = []
        for item, side in members:
            while active and active[0][0] <= item.s:
                heapq.heappop(active)
            for _, _, other, other_side in active:
                if b_items is not None and (other_side == side or other is item):
                    continue
                pair = (min(other.idx, item.idx), max(other.idx, item.idx))
                if pair in seen:
                    continue
                seen.add(pair)
                yield _finding(rule_id, rule, ctx, other, item, _reach(other, sep))
                count += 1
                if count >= ctx.cap(rule):
                    return
            heapq.heappush(active, (_reach(item, sep), item.idx, item, side))


def _reach(item: Item, sep: Shift) -> int:
    """Where the next event may start at the earliest."""
    return sep(item.e if item.e > item.s else item.s + 1)


def _finding(rule_id: str, rule: NoOverlapRule, ctx: Context, first: Item, later: Item,
             reach: int) -> Finding:
    first_ref, later_ref = EventRef.of(first), EventRef.of(later)
    overlap = reach - later.s
    clash = later.s < (first.e if first.e > first.s else first.s + 1)
    sep_text = texts.duration(rule.min_separation)
    how = "clashes with" if clash else f"is less than {sep_text} after"
    summary = (f"{later_ref.label()} {how} {first_ref.label()}; rule {rule_id} requires "
               + ("them not to overlap" if not rule.min_separation
                  else f"at least {sep_text} between them"))
    uids = sorted((first.uid, later.uid))
    return ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, {"events": " ".join(uids)}, summary, later_ref, first_ref,
        due=later.s, required=f"separation ≥ {sep_text}",
        actual=f"{plural_days(days_text(overlap))} too close",
        slack_days=-days_text(overlap),
        fix=ctx.fix_from(later.actor, reach, verb="move it")))
