"""Differential tests of the `no_overlap` focus of the what-if probes
(`calsync.rules.probeclashes.Clashes`): a moved event in A only, its pairs counted from
the reference's sweep, against every rule evaluated in full on a fresh timeline.

Large, dense partitions (so the moved event's pairs sit at every place relative to the
cap), caps that bind, separations, a lookback and a horizon, with and without `b` (and
with events in both A and B, which the sweep holds twice).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calsync.config import load_config_text
from calsync.model import Event
from calsync.rules.engine import KINDS as KINDS_OF
from calsync.rules.engine import evaluate
from calsync.rules.findings import Context
from calsync.rules.probe import naming
from calsync.rules.probeclashes import Clashes
from calsync.rules.probesides import Unbounded
from calsync.rules.timeline import Timeline, item_from_event
from calsync.whatif.changes import shifted
from tests.rules.timelines import ev
from tests.whatif.probing import assert_focused_probes_agree, first_day

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

RULES = """
rules:
  N-all:
    kind: no_overlap
    a: {kind: meeting}
    partition: []
    max_findings: 6
  N-sep:
    kind: no_overlap
    a: {kind: meeting}
    partition: [actor]
    min_separation: P2D
    max_findings: 15
  N-b:
    kind: no_overlap
    a: {kind: [meeting, decision]}
    b: {kind: [decision, election]}
    partition: []
    max_findings: 9
  N-b-year:
    kind: no_overlap
    a: {kind: meeting}
    b: {kind: election}
    partition: ["@year"]
    min_separation: P1D
    horizon: P300D
    max_findings: 25
  N-wide:
    kind: no_overlap
    a: {kind: meeting}
    b: {kind: [election, decision]}
    partition: [programme]
    max_findings: 300
alerts: {lookback: P60D, max_findings: 10}
"""

CONFIG = load_config_text(RULES)
KINDS = ("meeting", "election", "decision")

# kind, first day (from 2025-12-01), hours long (0: an instant), all-day days (0: timed),
# actor, programme
Shape = tuple[int, int, int, int, int, int]
shapes = st.tuples(st.integers(0, 2), st.integers(0, 240), st.integers(0, 30),
                   st.sampled_from((0, 0, 0, 1, 3, 12)), st.integers(0, 1), st.integers(0, 1))


def events_of(drawn: list[Shape]) -> list[Event]:
    out = []
    for n, (kind, first, hours, days, actor, programme) in enumerate(drawn):
        day = date(2025, 12, 1) + timedelta(days=first)
        if days:
            start, end = day.isoformat(), (day + timedelta(days=days)).isoformat()
        else:
            begin = datetime(day.year, day.month, day.day, 8 + n % 9, tzinfo=UTC)
            start = begin.isoformat()
            end = (begin + timedelta(hours=hours)).isoformat() if hours else None
        out.append(ev(f"e{n}", f"{KINDS[kind]} {n}", start, end, kind=KINDS[kind],
                      actor=f"Kommun {actor}", attrs={"programme": f"p{programme}"}))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(shapes, min_size=20, max_size=120), st.data())
def test_a_moved_event_in_a_is_named_as_the_full_evaluation_names_it(
        drawn: list[Shape], data: st.DataObject) -> None:
    found = events_of(drawn)
    meetings = [e for e in found if e.data.kind == "meeting"]
    if not meetings:
        return
    moving = data.draw(st.sampled_from(meetings))
    offsets = data.draw(st.lists(st.integers(-120, 120), min_size=1, max_size=6))
    assert_focused_probes_agree(CONFIG, NOW, found, moving, offsets, Clashes)


def test_the_count_decides_almost_every_date_in_a_large_partition() -> None:
    """1,500 events in one partition, the cap set to bind near the moved event's place:
    the pairs counted from the reference's sweep answer (as the full evaluation does) for
    all but the few dates whose step straddles the cap, and the answer changes across
    the dates (before the cap, past it)."""
    rng = random.Random(15)
    drawn: list[Shape] = [(rng.randrange(3), rng.randrange(240), rng.randrange(6),
                           rng.choice((0, 0, 0, 0, 1, 2)), 0, 0) for _ in range(1500)]
    found = events_of(drawn)
    moving = next(e for e in found[700:] if e.data.kind == "meeting")
    others = [e for e in found if e is not moving]
    reference = Timeline.from_events(others, CONFIG.timezone)
    sample = item_from_event(moving, reference.tz)
    assert sample is not None
    for rule_id in ("N-all", "N-b", "N-wide"):
        rule = CONFIG.rules[rule_id]
        earlier = sum(1 for f in KINDS_OF[rule.kind](rule_id, rule, Unbounded(
            reference, CONFIG, NOW)) if f.due < sample.s)
        rule = rule.model_copy(update={"max_findings": earlier + 3})
        config = CONFIG.model_copy(update={"rules": {**CONFIG.rules, rule_id: rule}})
        clashes = Clashes(config, rule_id, rule, Context(reference, config, NOW), reference,
                          NOW)
        decided = 0
        answers = set()
        for offset in range(-60, 61, 3):
            moved = shifted(moving, first_day(moving) + timedelta(days=offset))
            item = item_from_event(moved, reference.tz)
            assert item is not None
            key = clashes.part(item)
            assert key is not None
            counted = clashes.counted(key, item, 0)
            timeline = Timeline.from_events([*others, moved], config.timezone)
            full = any(naming(moving.uid)(f) for f in evaluate(
                config, timeline, NOW, [rule_id]).findings)
            if counted is not None:
                decided += 1
                answers.add(counted)
                assert counted == full, (rule_id, offset)
        assert decided >= 35, (rule_id, decided)  # of 41 dates
        assert answers == {True, False}, rule_id
