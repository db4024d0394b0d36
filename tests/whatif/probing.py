"""What the differential tests of the what-if probes share (`test_probe_clashes.py`,
`test_probe_cover.py`): the full evaluation they compare with, and the check that a
focused probe answers as it does for every rule and every probed date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from calsync.config.schema import Config
from calsync.model import Event
from calsync.rules.engine import evaluate
from calsync.rules.probe import Probe, naming
from calsync.rules.timeline import Timeline, item_from_event
from calsync.whatif.changes import shifted

__all__ = ["assert_focused_probes_agree", "first_day", "fully_named"]


def fully_named(config: Config, now: datetime, found: list[Event], rule: str,
                uid: str) -> bool:
    """Whether the full evaluation of `rule` on `found` has a finding naming `uid`."""
    timeline = Timeline.from_events(found, config.timezone)
    return any(naming(uid)(f) for f in evaluate(config, timeline, now, [rule]).findings)


def first_day(event: Event) -> date:
    return event.start.date() if isinstance(event.start, datetime) else event.start


def assert_focused_probes_agree(config: Config, now: datetime, found: list[Event],
                                moving: Event, offsets: list[int], focus: type) -> None:
    """For every rule of `config`: the probe takes the focused path `focus` (not the full
    one), and at each offset it answers as the full evaluation does."""
    others = [e for e in found if e is not moving]
    reference = Timeline.from_events(others, config.timezone)
    sample = item_from_event(moving, reference.tz)
    for rule in config.rules:
        probe = Probe(config, reference, now, [rule], moving.uid, sample)
        assert [type(b) for b in probe.b_side] == [focus]  # the focus, not the full path
        for offset in offsets:
            moved = shifted(moving, first_day(moving) + timedelta(days=offset))
            item = item_from_event(moved, reference.tz)
            assert item is not None
            got = probe.names(item, partial(reference.with_items, [item]))
            assert got == fully_named(config, now, [*others, moved], rule, moving.uid), (
                rule, offset)
