"""The rules' materialised selectors agree with `Selector.matches`, the reference."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from calsync.model import Event, Status
from calsync.rules.timeline import Timeline
from calsync.selectors import Selector
from tests.rules.timelines import ev

LEVELS = ["eu", "national", "regional", "municipal"]
KINDS = ["decision", "meeting", "deadline", "budget"]
ACTORS = ["Umeå kommun", "Vindelns kommun", "Region Västerbotten", "Riksdagen", ""]
TAGS = ["a", "b", "c", "d"]

events = st.lists(st.builds(
    lambda i, level, kind, actor, tags, status, prog, day: ev(
        f"x{i}", f"event {i}", f"2026-0{1 + day % 9}-1{day % 10}", level=level, kind=kind,
        actor=actor, tags=sorted(tags), status=status,
        attrs={"programme": prog} if prog else {}),
    st.integers(0, 10**9), st.sampled_from(LEVELS), st.sampled_from(KINDS),
    st.sampled_from(ACTORS), st.sets(st.sampled_from(TAGS), max_size=3),
    st.sampled_from([Status.CONFIRMED, Status.TENTATIVE, Status.CANCELLED]),
    st.sampled_from(["", "ERDF", "ESF"]), st.integers(0, 89)),
    max_size=25, unique_by=lambda e: e.uid)

def _selector(level: list[str] | None, kind: list[str] | None, actor: list[str] | None,
              tags_all: list[str], tags_any: list[str], tags_none: list[str],
              status: list[str] | None, where: list[str] | None) -> Selector:
    return Selector.model_validate({
        "level": level, "kind": kind, "actor": actor,
        "tags": {"all": tags_all, "any": tags_any, "none": tags_none},
        "status": status, "where": {"programme": where} if where else None})


selectors = st.builds(
    _selector,
    st.none() | st.lists(st.sampled_from(LEVELS), min_size=1, max_size=2),
    st.none() | st.lists(st.sampled_from(KINDS), min_size=1, max_size=2),
    st.none() | st.lists(st.sampled_from(["* kommun", "Region*", "Riksdagen", "*"]),
                         min_size=1, max_size=2),
    st.lists(st.sampled_from(TAGS), max_size=2), st.lists(st.sampled_from(TAGS), max_size=2),
    st.lists(st.sampled_from(TAGS), max_size=1),
    st.none() | st.lists(st.sampled_from(["confirmed", "tentative"]), min_size=1),
    st.none() | st.lists(st.sampled_from(["ERDF", "ESF"]), min_size=1, max_size=2))


@settings(max_examples=300, deadline=None)
@given(events, selectors)
def test_select_equals_matches_for_every_non_cancelled_event(found: list[Event],
                                                            selector: Selector) -> None:
    timeline = Timeline.from_events(found, "Europe/Stockholm")
    expected = {e.uid for e in found
                if e.status != Status.CANCELLED and selector.matches(e.data, e.source)}
    assert {i.uid for i in timeline.select(selector)} == expected


@settings(max_examples=200, deadline=None)
@given(events, st.integers(0, 3), st.lists(selectors, min_size=1, max_size=3))
def test_with_items_is_the_timeline_of_all_the_items(found: list[Event], added: int,
                                                     chosen: list[Selector]) -> None:
    """A what-if probe's timeline (`with_items`: shared selections, a few added items)
    selects exactly what a timeline built from scratch from every item selects, in the
    same order, whether the base materialised a selection before or not."""
    whole = Timeline.from_events(found, "Europe/Stockholm")
    extra = whole.items[:added]
    base = Timeline([i for i in whole.items if i not in extra], whole.tz)
    for selector in chosen[:1]:  # one materialised before the probe, the others not
        base.select(selector)
    probe = base.with_items(extra)
    for selector in chosen:
        assert [i.id for i in probe.select(selector)] == [i.id for i in whole.select(selector)]
    assert [i.id for i in probe.items] == [i.id for i in whole.items]
    assert set(probe.by_id) == set(whole.by_id)
    # `by_id` is a view over the base's (not a copy): each id finds the same item, also
    # through a probe of a probe (the range search adds the moved event to the others).
    assert all(probe.by_id.get(i) is item for i, item in whole.by_id.items())
    again = Timeline(base.items, whole.tz)
    chained = again.with_items(extra[:1]).with_items(extra[1:])
    assert {i: chained.by_id.get(i) for i in whole.by_id} == dict(whole.by_id)
    assert [i.id for i in chained.items] == [i.id for i in whole.items]


@settings(max_examples=200, deadline=None)
@given(events, st.randoms(use_true_random=False), selectors)
def test_items_and_selections_are_in_start_then_id_order_whatever_order_they_came_in(
        found: list[Event], rng: random.Random, selector: Selector) -> None:
    """The timeline sorts by (start, id) in two stable sorts (`Timeline.__init__`): items
    given in any order, ties on the start included, come out the same, and so does each
    selection."""
    ordered = Timeline.from_events(found, "Europe/Stockholm")
    shuffled = list(ordered.items)
    rng.shuffle(shuffled)
    timeline = Timeline(shuffled, ordered.tz)
    assert [(i.s, i.id) for i in timeline.items] == sorted((i.s, i.id) for i in shuffled)
    picked = [(i.s, i.id) for i in timeline.select(selector)]
    assert picked == sorted(picked) == [(i.s, i.id) for i in ordered.select(selector)]
