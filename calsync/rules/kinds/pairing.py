"""Pairing A events with B events: by join keys, then all / nearest / next / previous.

B is grouped once by key and sorted by the point compared, so `next` and `previous`
are a bisect per A event: O(|B| log |B| + |A| log |B|) per rule.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from calsync.config.rulebase import Join
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.timeline import Item

__all__ = ["pairs"]


def pairs(a_items: list[Item], b_items: list[Item], join: Join, a_point: str,
          b_point: str) -> Iterator[tuple[Item, list[Item]]]:
    """Each A event with the B events it is compared with (never itself)."""
    a_keys, b_keys = join.sides()
    a_key = tuple_key([key_fn(k) for k in a_keys])
    b_key = tuple_key([key_fn(k) for k in b_keys])
    groups: dict[tuple[str, ...], list[Item]] = {}
    for b in b_items:
        key = b_key(b)
        if key is not None:
            groups.setdefault(key, []).append(b)
    points: dict[tuple[str, ...], list[int]] = {}
    for key, found in groups.items():
        if b_point == "end":
            found.sort(key=lambda i: (i.e, i.id))
        points[key] = [b.point(b_point, False) for b in found]
    for a in a_items:
        key = a_key(a)
        if key is None or key not in groups:
            continue
        found, starts = groups[key], points[key]
        ap = a.point(a_point, False)
        if join.pick == "all":
            chosen = [b for b in found if b is not a]
        elif join.pick == "next":
            pos = bisect.bisect_left(starts, ap)
            while pos < len(found) and found[pos] is a:
                pos += 1
            chosen = found[pos:pos + 1]
        elif join.pick == "previous":
            pos = bisect.bisect_right(starts, ap) - 1
            while pos >= 0 and found[pos] is a:
                pos -= 1
            chosen = [found[pos]] if pos >= 0 else []
        else:  # nearest
            pos = bisect.bisect_left(starts, ap)
            near = [found[j] for j in (pos - 2, pos - 1, pos, pos + 1)
                    if 0 <= j < len(found) and found[j] is not a]
            chosen = [min(near, key=lambda b: (abs(b.point(b_point, False) - ap), b.s))] \
                if near else []
        if chosen:
            yield a, chosen
