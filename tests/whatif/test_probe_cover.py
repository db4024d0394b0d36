"""Differential tests of the `coverage` focus of the what-if probes
(`calsync.rules.probecover.Covers`): a moved event in A only, the gaps of its group
recomputed in the spans it overlaps and the rest counted from the reference, against
the rule evaluated in full on a fresh timeline.

Fixed spans and span events (with and without a join), partitions, allowed gaps, caps
that bind, a lookback and a horizon; a moved event whose partition is new (evaluated in
full) or that covers nothing (in no group).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from functools import partial

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calsync.config import load_config_text
from calsync.model import Event
from calsync.rules.probe import Probe
from calsync.rules.probecover import Covers
from calsync.rules.timeline import Timeline, item_from_event
from calsync.whatif.changes import shifted
from tests.rules.timelines import ev
from tests.whatif.probing import assert_focused_probes_agree, first_day, fully_named

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

RULES = """
rules:
  C-fixed:
    kind: coverage
    a: {kind: period}
    span: {from: 2026-01-01, to: 2026-12-31}
    max_gap: P5D
    max_findings: 4
  C-part:
    kind: coverage
    a: {kind: period}
    span: {from: 2025-12-01, to: 2026-09-30}
    partition: [actor]
    max_findings: 7
  C-spans:
    kind: coverage
    a: {kind: period}
    span: {selector: {kind: report}}
    partition: [programme]
    max_gap: P2D
    horizon: P200D
    max_findings: 12
  C-join:
    kind: coverage
    a: {kind: period}
    span: {selector: {kind: report}, join: {keys: [programme]}}
    partition: [actor]
    max_findings: 9
  C-wide:
    kind: coverage
    a: {kind: period}
    span: {selector: {kind: report}, join: {keys: [actor]}}
    max_findings: 400
alerts: {lookback: P60D, max_findings: 10}
"""

CONFIG = load_config_text(RULES)
KINDS = ("period", "report")

# kind, first day (from 2025-12-01), days long (0: an instant), all-day?, actor, programme
Shape = tuple[int, int, int, bool, int, int]
shapes = st.tuples(st.integers(0, 1), st.integers(0, 300), st.integers(0, 40), st.booleans(),
                   st.integers(0, 2), st.integers(0, 2))


def events_of(drawn: list[Shape]) -> list[Event]:
    out = []
    for n, (kind, first, days, all_day, actor, programme) in enumerate(drawn):
        day = date(2025, 12, 1) + timedelta(days=first)
        if KINDS[kind] == "report":
            days = 10 + days * 2
        start = day.isoformat() if all_day else f"{day.isoformat()}T{8 + n % 9:02}:00:00+01:00"
        end = None
        if days:
            last = day + timedelta(days=days)
            end = last.isoformat() if all_day else f"{last.isoformat()}T17:00:00+01:00"
        out.append(ev(f"e{n}", f"{KINDS[kind]} {n}", start, end, kind=KINDS[kind],
                      actor=f"Kommun {actor}", attrs={"programme": f"p{programme}"}))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(shapes, min_size=5, max_size=80), st.data())
def test_a_moved_event_in_a_is_named_as_the_full_evaluation_names_it(
        drawn: list[Shape], data: st.DataObject) -> None:
    found = events_of(drawn)
    periods = [e for e in found if e.data.kind == "period"]
    if not periods:
        return
    moving = data.draw(st.sampled_from(periods))
    offsets = data.draw(st.lists(st.integers(-150, 150), min_size=1, max_size=6))
    assert_focused_probes_agree(CONFIG, NOW, found, moving, offsets, Covers)


def test_many_spans_and_a_binding_cap() -> None:
    """2,000 events, hundreds of report spans: the answer changes across the dates (the
    moved event's gaps before the cap, past it) and is the full evaluation's."""
    rng = random.Random(15)
    drawn: list[Shape] = [(int(rng.random() < 0.8), rng.randrange(300), rng.randrange(12),
                           rng.random() < 0.5, rng.randrange(3), rng.randrange(3))
                          for _ in range(2000)]
    found = events_of(drawn)
    moving = next(e for e in found[1000:] if e.data.kind == "period")
    others = [e for e in found if e is not moving]
    reference = Timeline.from_events(others, CONFIG.timezone)
    sample = item_from_event(moving, reference.tz)
    answers = set()
    for rule in ("C-wide", "C-spans", "C-fixed"):
        probe = Probe(CONFIG, reference, NOW, [rule], moving.uid, sample)
        assert [type(b) for b in probe.b_side] == [Covers]
        for offset in range(-150, 151, 10):
            moved = shifted(moving, first_day(moving) + timedelta(days=offset))
            item = item_from_event(moved, reference.tz)
            assert item is not None
            got = probe.names(item, partial(reference.with_items, [item]))
            full = fully_named(CONFIG, NOW, [*others, moved], rule, moving.uid)
            assert got == full, (rule, offset)
            answers.add((rule, got))
    assert ("C-wide", True) in answers and ("C-wide", False) in answers
