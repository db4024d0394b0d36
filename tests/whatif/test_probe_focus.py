"""Differential tests of the what-if's date probes (`calsync.rules.probe.Probe`) and of
the answer they make, against the straightforward computation: every rule evaluated in
full on a timeline of every event, the change applied.

Rules of every kind, with caps small enough to be reached, a lookback and horizons;
the events generated (hypothesis) so that a moved event is in A only (focused), in B
only of a precedes/within rule of every pick (B-side focus), in A and another selection
(evaluated in full) or in no selection of a rule (silent).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from calsync.config import load_config_text
from calsync.model import Event, EventData
from calsync.rules.engine import evaluate
from calsync.rules.findings import Finding
from calsync.rules.probe import Probe, naming
from calsync.rules.timeline import Timeline, item_from_event
from calsync.store.events import list_events
from calsync.whatif import Move, run_whatif
from calsync.whatif.changes import Cancel, Change, cancelled, shifted
from calsync.whatif.run import SEARCH_DAYS, _diff
from tests.rules.timelines import ev
from tests.rules.timelines import store as store_events

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

RULES = """
selectors:
  cofin: {kind: decision}
  close: {kind: deadline}
rules:
  P-next:
    kind: precedes
    a: cofin
    b: close
    join: {keys: [programme], pick: next}
    min_lead: P10D
    max_findings: 2
  P-all:
    kind: precedes
    a: cofin
    b: close
    join: {keys: [programme], pick: all}
    max_lead: P120D
    horizon: P200D
    max_findings: 3
  P-both:
    kind: precedes
    a: {kind: [decision, deadline]}
    b: close
    join: {keys: [programme], pick: nearest}
    max_findings: 2
  W-abs:
    kind: within
    a: {kind: consultation}
    window: {from: 2026-01-01, to: 2026-09-30}
    max_findings: 2
  W-rel:
    kind: within
    a: {kind: consultation}
    point: end
    relative_to: {selector: cofin, join: {keys: [programme], pick: previous},
                  anchor: start, from: -P60D, to: P90D}
    max_findings: 2
  W-all:
    kind: within
    a: {kind: consultation}
    relative_to: {selector: {kind: report}, join: {keys: [programme], pick: all},
                  anchor: end, from: -P40D, to: P10D}
    max_findings: 2
  W-next:
    kind: within
    a: {kind: meeting}
    point: end
    relative_to: {selector: {kind: election}, join: {keys: [actor], pick: next},
                  anchor: start, from: -P30D, to: P0D}
    max_findings: 2
  W-near:
    kind: within
    a: {kind: budget}
    relative_to: {selector: {kind: report}, join: {keys: [actor], pick: nearest},
                  anchor: start, from: -P20D, to: P20D}
    max_findings: 1
  P-end:
    kind: precedes
    a: {kind: report}
    b: {kind: period}
    b_point: end
    join: {keys: ["@year"], pick: all}
    min_lead: P5D
    max_findings: 2
  P-prev:
    kind: precedes
    a: {kind: election}
    b: {kind: meeting}
    join: {keys: [actor], pick: previous}
    min_lead: P20D
    max_findings: 3
  P-next-b:
    kind: precedes
    a: {kind: report}
    b: {kind: budget}
    join: {keys: [actor], pick: next}
    max_lead: P60D
    max_findings: 3
  B-july:
    kind: blackout
    a: {kind: [consultation, deadline]}
    windows: [{yearly: {from: --07-01, to: --07-31}}, {yearly: {from: --12-23, to: --01-06}}]
    max_findings: 2
  B-nwd:
    kind: blackout
    a: close
    point: start
    windows: [{non_working_days: SE}]
    max_findings: 3
  B-events:
    kind: blackout
    a: cofin
    windows: [{selector: {kind: election}, before: P14D, after: P3D}]
    max_findings: 2
  B-match:
    kind: blackout
    a: {kind: consultation}
    point: end
    windows: [{selector: {kind: meeting}, match: [programme], before: P2D}]
    max_findings: 2
  B-effective:
    kind: blackout
    a: {kind: consultation}
    windows: [{yearly: {from: --07-01, to: --08-15}, in_years_of: {kind: election}}]
    min_effective_working_days: 10
    max_findings: 2
  B-self:
    kind: blackout
    a: {kind: meeting}
    windows: [{selector: {kind: meeting, tags: [board]}}]
  N-actor:
    kind: no_overlap
    a: {kind: meeting}
    partition: [actor]
    min_separation: P1D
    max_findings: 2
  N-b:
    kind: no_overlap
    a: cofin
    b: {kind: election}
    partition: []
  N-prog:
    kind: no_overlap
    a: {kind: [decision, deadline]}
    b: {kind: [deadline, election]}
    partition: [programme]
    max_findings: 2
  N-year:
    kind: no_overlap
    a: {kind: report}
    partition: ["@year"]
    min_separation: P3D
    max_findings: 3
  C-fixed:
    kind: coverage
    a: {kind: period}
    span: {from: 2026-01-01, to: 2026-12-31}
    max_gap: P20D
    max_findings: 2
  C-span:
    kind: coverage
    a: {kind: period}
    span: {selector: {kind: report}, join: {keys: [programme]}}
    partition: [actor]
  D-budget:
    kind: deadline
    a: {kind: budget}
    partition: [actor]
    by: --11-30
    variants: [{when: {tags: [late]}, by: --12-31}]
    max_findings: 2
alerts: {lookback: P120D, max_findings: 4}
"""

KINDS = ("decision", "deadline", "consultation", "meeting", "election", "period",
         "report", "budget")

# One generated event: kind, first day (from 2025-06-01), days long (0: an instant),
# all-day?, actor, programme, tagged?
Shape = tuple[int, int, int, bool, int, int, bool]
shapes = st.tuples(st.integers(0, len(KINDS) - 1), st.integers(0, 700), st.integers(0, 60),
                   st.booleans(), st.integers(0, 2), st.integers(0, 2), st.booleans())


def events_of(drawn: list[Shape]) -> list[Event]:
    out = []
    for n, (kind, first, length, all_day, actor, programme, tagged) in enumerate(drawn):
        day = date(2025, 6, 1) + timedelta(days=first)
        if KINDS[kind] in ("period", "report"):
            length = 10 + length * 5
        start = day.isoformat() if all_day else f"{day.isoformat()}T{9 + n % 8:02}:00:00+01:00"
        end = None
        if length:
            last = day + timedelta(days=length)
            end = last.isoformat() if all_day else f"{last.isoformat()}T17:00:00+01:00"
        tags = (["board"] if KINDS[kind] == "meeting" else ["late"]) if tagged else []
        out.append(ev(f"e{n}", f"{KINDS[kind]} {n}", start, end, kind=KINDS[kind],
                      actor=f"Kommun {actor}", tags=tags, attrs={"programme": f"p{programme}"}))
    return out


CONFIG = load_config_text(RULES)


def full_names(found: list[Event], rules: list[str], uid: str) -> bool:
    """The straightforward answer: every rule run to its end on a fresh timeline."""
    timeline = Timeline.from_events(found, CONFIG.timezone)
    return any(naming(uid)(f) for f in evaluate(CONFIG, timeline, NOW, rules).findings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(shapes, min_size=1, max_size=40), st.data())
def test_a_probe_answers_what_the_full_evaluation_answers(drawn: list[Shape],
                                                          data: st.DataObject) -> None:
    found = events_of(drawn)
    moving = data.draw(st.sampled_from(found))
    others = [e for e in found if e is not moving]
    rules = list(CONFIG.rules)
    first = moving.start.date() if isinstance(moving.start, datetime) else moving.start
    reference = Timeline.from_events(others, CONFIG.timezone)
    tz = reference.tz
    probe = Probe(CONFIG, reference, NOW, rules, moving.uid, item_from_event(moving, tz))
    for offset in data.draw(st.lists(st.integers(-250, 250), min_size=1, max_size=6)):
        moved = shifted(moving, first + timedelta(days=offset))
        item = item_from_event(moved, tz)
        assert item is not None
        got = probe.names(item, partial(reference.with_items, [item]))
        assert got == full_names([*others, moved], rules, moving.uid), offset


ALONE = [r for r, rule in CONFIG.rules.items()
          if rule.kind in ("precedes", "within", "no_overlap")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(shapes, min_size=12, max_size=40), st.data())
def test_each_rule_answers_alone(drawn: list[Shape], data: st.DataObject) -> None:
    """One rule at a time, so that a B-side or no_overlap move is not hidden by another
    rule naming the event first."""
    found = events_of(drawn)
    moving = data.draw(st.sampled_from(found))
    others = [e for e in found if e is not moving]
    first = moving.start.date() if isinstance(moving.start, datetime) else moving.start
    reference = Timeline.from_events(others, CONFIG.timezone)
    tz = reference.tz
    offsets = data.draw(st.lists(st.integers(-250, 250), min_size=1, max_size=4))
    for rule in ALONE:
        probe = Probe(CONFIG, reference, NOW, [rule], moving.uid, item_from_event(moving, tz))
        for offset in offsets:
            moved = shifted(moving, first + timedelta(days=offset))
            item = item_from_event(moved, tz)
            assert item is not None
            got = probe.names(item, partial(reference.with_items, [item]))
            assert got == full_names([*others, moved], [rule], moving.uid), (rule, offset)


def _stored() -> list[EventData]:
    """A fixed timeline of 90 events of every kind (the store is made once)."""
    drawn: list[Shape] = [(n * 5 % len(KINDS), n * 37 % 700, n * 11 % 45, n % 3 == 0, n % 3,
                           n * 7 % 3, n % 4 == 0) for n in range(90)]
    return [e.data for e in events_of(drawn)]


def straightforward(stored: list[Event], changes: list[Change], move: Move,
                    rules: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The per-rule diff and the moved event's range from full evaluations of `rules` on
    every stored event with the changes applied (no pool, no probe, no early stop)."""
    before = {e.uid: e for e in stored}
    after = dict(before)
    for change in changes:
        event = after[change.uid]
        after[change.uid] = shifted(event, change.to, change.last) \
            if isinstance(change, Move) else cancelled(event)

    def findings(events: dict[str, Event]) -> list[Finding]:
        timeline = Timeline.from_events(events.values(), CONFIG.timezone)
        return evaluate(CONFIG, timeline, NOW, rules).findings

    diff = _diff(rules, findings(before), findings(after), CONFIG.language)

    def ok(day: date) -> bool:
        last = day + (move.last - move.to) if move.last is not None else None
        probed = {**after, move.uid: shifted(before[move.uid], day, last)}
        return not any(naming(move.uid)(f) for f in findings(probed))

    days = [move.to + timedelta(days=n) for n in range(-SEARCH_DAYS, SEARCH_DAYS + 1)]
    good = {day: ok(day) for day in days}
    nearest = sorted(good, key=lambda d: (abs((d - move.to).days), d < move.to))
    anchor = next((d for d in nearest if good[d]), None)
    if anchor is None:
        return diff, {"from": None, "to": None}
    first = last = anchor
    while good.get(first - timedelta(1)):
        first -= timedelta(1)
    while good.get(last + timedelta(1)):
        last += timedelta(1)
    return diff, {"from": first.isoformat(), "to": last.isoformat()}


@settings(max_examples=12, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_answer_is_the_straightforward_one(sqlite_engine: Engine,
                                               data: st.DataObject) -> None:
    with sqlite_engine.connect() as conn:
        if not list_events(conn, limit=1):
            store_events(sqlite_engine, _stored())
        stored = list_events(conn, limit=1000)
        moving = data.draw(st.sampled_from(stored))
        first = moving.start.date() if isinstance(moving.start, datetime) else moving.start
        to = first + timedelta(days=data.draw(st.integers(-200, 200)))
        last = to + timedelta(days=data.draw(st.integers(0, 30))) \
            if data.draw(st.booleans()) else None
        move = Move(moving.uid, to, last)
        changes: list[Change] = [move]
        other = data.draw(st.sampled_from(stored))
        if other.uid != moving.uid and data.draw(st.booleans()):
            changes.append(Cancel(other.uid))
        answer = run_whatif(conn, CONFIG, NOW, changes)
    diff, found = straightforward(stored, changes, move, answer["rules"])
    assert answer["per_rule"] == diff
    [got] = answer["ranges"]
    assert (got["from"], got["to"]) == (found["from"], found["to"])
