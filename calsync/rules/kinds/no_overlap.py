"""`no_overlap`: events must not clash (and keep `min_separation` between them).

A sweep per partition with a min-heap of active ends: O(n log n + clashes). Instants
count as one second long, so two events at the same moment clash. With `b`, only
pairs of one A and one B event count (each pair once).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from calsync.config.rules import NoOverlapRule
from calsync.rules import kindtexts, texts, wording
from calsync.rules.findings import Context, EventRef, Finding, days_text, length_between
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.timeline import Item, Shift
from calsync.rules.wallclock import DAY, wall_date

__all__ = ["evaluate", "reach"]


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
        active: list[tuple[int, int, int, Item, int]] = []
        for item, side in members:
            while active and active[0][0] <= item.s:
                heapq.heappop(active)
            for _, _, _, other, other_side in active:
                if b_items is not None and (other_side == side or other is item):
                    continue
                pair = (min(other.id, item.id), max(other.id, item.id))
                if pair in seen:
                    continue
                seen.add(pair)
                yield _finding(rule_id, rule, ctx, other, item, reach(other, sep))
                count += 1
                if count >= ctx.cap(rule):
                    return
            # (start, id) is the item's place on the timeline: the tie-break
            heapq.heappush(active, (reach(item, sep), item.s, item.id, item, side))


def reach(item: Item, sep: Shift) -> int:
    """Where the next event may start at the earliest: a later event starting before
    it clashes (what-if probes pair a moved event by it too: `calsync.rules.probeclashes`)."""
    return sep(item.e if item.e > item.s else item.s + 1)


def _finding(rule_id: str, rule: NoOverlapRule, ctx: Context, first: Item, later: Item,
             reach: int) -> Finding:
    first_ref, later_ref = EventRef.of(first), EventRef.of(later)
    overlap = reach - later.s
    first_end = first.e if first.e > first.s else first.s + 1
    clash = later.s < first_end
    sep_text = wording.Dur(rule.min_separation) if rule.min_separation else None
    apart = later.s - first_end
    gap = None if clash or (apart < DAY and wall_date(later.s) == wall_date(first_end)) \
        else length_between(first_end, later.s)
    summary = kindtexts.no_overlap(later=later_ref.label(), first=first_ref.label(), clash=clash,
                               gap=gap, separation=sep_text or wording.Dur(None),
                               rule=texts.rule_ref(rule_id, rule.title))
    uids = sorted((first.uid, later.uid))
    return ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, {"events": " ".join(uids)}, summary, later_ref, first_ref,
        due=later.s, need=kindtexts.no_overlap_required(sep_text),
        got=kindtexts.no_overlap_actual(clash, gap),
        slack_days=-days_text(overlap),
        fix=ctx.fix_from(later.actor, reach)))
