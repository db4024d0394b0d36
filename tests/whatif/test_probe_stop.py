"""A what-if probe's evaluation stops at the first finding that names the moved event
(`evaluate(..., until=...)`); property: on random moves of random events it answers
exactly what the full evaluation of the touched rules answers, caps reached or not."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from calsync.alerts.kept import kept_timeline
from calsync.config import load_config_text
from calsync.rules.engine import rules_touched
from calsync.rules.probe import naming
from calsync.store.events import list_events
from calsync.whatif.changes import shifted
from calsync.whatif.run import _evaluate_with, _pool
from tests.rules.timelines import data
from tests.rules.timelines import store as store_events

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

RULES = """
selectors:
  cofin: {kind: decision, tags: [co-financing]}
  close: {kind: deadline, tags: [call]}
rules:
  R1:
    kind: precedes
    a: cofin
    b: close
    join: {keys: [programme], pick: nearest}
    max_findings: 4
  R2:
    kind: precedes
    a: cofin
    b: close
    join: {keys: [programme], pick: all}
  july:
    kind: blackout
    a: {kind: consultation}
    windows: [{name: July, yearly: {from: --07-01, to: --07-31}}]
    max_findings: 3
alerts: {lookback: null}
"""


def seed(engine: Engine) -> None:
    rng = random.Random(18)

    def day() -> str:
        return (date(2026, 3, 1) + timedelta(days=rng.randrange(300))).isoformat()

    found = []
    for n in range(24):
        found.append(data(f"call-{n}", f"Call {n} closes", day(), kind="deadline",
                          tags=["call"], attrs={"programme": f"p{n % 5}"}))
        found.append(data(f"cofin-{n}", f"Co-financing {n}", day(), kind="decision",
                          tags=["co-financing"], actor=f"Kommun {n % 3}",
                          attrs={"programme": f"p{n % 5}"}))
        found.append(data(f"cons-{n}", f"Consultation {n}", day(), kind="consultation"))
    store_events(engine, found)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def _check(state: tuple[object, ...], drawn: st.DataObject) -> None:
    config, base, stored = state
    event = drawn.draw(st.sampled_from(stored))
    offset = drawn.draw(st.integers(-200, 200))
    rules = rules_touched(config, base, [event])
    pool = _pool(config, base, rules)
    kept = [i for i in pool if i.id != event.id]
    first = event.start.date() if isinstance(event.start, datetime) else event.start
    moved = shifted(event, first + timedelta(days=offset))
    names = naming(event.uid)
    full = _evaluate_with(config, kept, [moved], base, NOW, rules)
    stopped = _evaluate_with(config, kept, [moved], base, NOW, rules, until=names)
    assert any(names(f) for f in full) == any(names(f) for f in stopped)
    # What the stopped evaluation found is the full one's beginning, to the named finding.
    assert [repr(f) for f in stopped] == [repr(f) for f in full[:len(stopped)]]


def test_a_stopped_probe_answers_what_the_full_evaluation_answers(engine: Engine) -> None:
    seed(engine)
    config = load_config_text(RULES)
    with engine.connect() as conn:
        base = kept_timeline(engine, conn, config.timezone)
        stored = list_events(conn, limit=1000)
        _check((config, base, stored))
