"""Fuzzing the ingest path (issue 17): mutated real-world calendars (tests/golden/ics) and
generated ones through splitting, mapping and the store's cleaning, as a sync runs them.

Every case must end in events, a skipped record with a reason (SkippableRecordError) or a
payload-level FeedParseError: never another exception, never a runaway (each case has a
deadline; `scripts/fuzz` also caps the address space). CI runs a few hundred cases;
`scripts/fuzz` runs CALSYNC_FUZZ_EXAMPLES (10,000 by default) per test.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calsync.errors import FeedParseError, SkippableRecordError
from calsync.model import EventData
from calsync.sdk.contract import Horizon
from calsync.sdk.ingest.icalmap import group_to_events
from calsync.sdk.ingest.icalsplit import IcalGroup, split_records
from calsync.sync.settle import storable
from tests.conftest import NOW
from tests.reliability.fuzzing import fuzz_examples

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "golden" / "ics").glob("*.ics"))
TEXTS = [p.read_text(encoding="utf-8") for p in FIXTURES]
HORIZON = Horizon(NOW - timedelta(days=5 * 365), NOW + timedelta(days=10 * 365), now=NOW)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

HOSTILE_LINES = [
    "RRULE:FREQ=DAILY;INTERVAL=0", "RRULE:FREQ=SECONDLY", "RRULE:FREQ=MINUTELY;COUNT=9999999",
    "RRULE:FREQ=YEARLY;BYMONTH=13", "RRULE:FREQ=WEEKLY;UNTL=20270101", "RRULE:",
    "RRULE:FREQ=DAILY;UNTIL=20200101T000000Z;COUNT=5", "EXDATE:garbage", "RDATE:20270101",
    "DTSTART:20271301T250000", "DTSTART;TZID=Mars/Olympus:20270101T090000",
    "DTSTART;VALUE=DATE:20270101", "DTSTART:00010101T000000Z", "DTSTART:99991231T235959Z",
    "DTEND:19000101T000000Z", "DURATION:-P10D", "DURATION:P99999999D", "RECURRENCE-ID:x",
    "RECURRENCE-ID:20270101T090000Z", "SEQUENCE:-5", "SEQUENCE:99999999999999999999",
    "SUMMARY:\x00\x01", "URL:javascript:alert(1)", "URL:/relative", "UID:" + "u" * 700,
    "UID:", "STATUS:CANCELLED", "CATEGORIES:,,,", "BEGIN:VALARM", "END:VEVENT",
    "BEGIN:VEVENT", "END:VCALENDAR", " folded continuation", "X-WR-TIMEZONE:Nowhere/Land",
]


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real-world calendar with a few line-level mutations."""
    lines = _lines(draw(st.sampled_from(TEXTS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "replace", "cut",
                                       "bytes"]))
        if action == "delete" and lines:
            del lines[at]
        elif action == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif action == "insert":
            lines.insert(at, draw(st.sampled_from(HOSTILE_LINES)))
        elif action == "replace" and lines:
            name = lines[at].split(":", 1)[0]
            lines[at] = f"{name}:{draw(st.text(max_size=30))}"
        elif action == "cut":
            lines = lines[:at + 1]
        elif action == "bytes" and lines:
            lines[at] = draw(st.text(max_size=40))
    return "\r\n".join(lines)


PROPS = st.sampled_from(HOSTILE_LINES) | st.builds(
    lambda name, value: f"{name}:{value}",
    st.sampled_from(["SUMMARY", "DESCRIPTION", "LOCATION", "URL", "DTSTART", "DTEND",
                     "RRULE", "EXDATE", "RDATE", "UID", "SEQUENCE", "DTSTAMP"]),
    st.text(max_size=40))


@st.composite
def generated(draw: st.DrawFn) -> str:
    """A calendar built from scratch out of valid and hostile properties."""
    events = []
    for i in range(draw(st.integers(0, 4))):
        start = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)))
        props = draw(st.lists(PROPS, max_size=6))
        events.append("\r\n".join(["BEGIN:VEVENT", f"UID:g{i}@fuzz",
                                   f"DTSTART:{start:%Y%m%dT%H%M%S}Z", *props, "END:VEVENT"]))
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "\r\n".join(events) + "\r\nEND:VCALENDAR\r\n"


def ingest(text: str) -> int:
    """The connector's path: split, map each group, clean for the store. Events made."""
    try:
        records = split_records(text, "https://example.org/cal/feed.ics")
    except FeedParseError:
        return 0
    made = 0
    for record in records:
        group = record.data
        assert isinstance(group, IcalGroup)
        try:
            drafts = group_to_events(group, HORIZON, source="fuzz", default_tz="Europe/Stockholm",
                                     max_occurrences=500)
        except SkippableRecordError as exc:  # PartialRecordError carries what was read
            assert str(exc)
            drafts = getattr(exc, "events", [])
        for draft in drafts:
            assert isinstance(draft, EventData)
            clean = storable(draft)
            assert not _CONTROL.search(clean.title) and len(clean.external_uid) <= 500
            assert clean.url is None or clean.url.startswith(("http://", "https://"))
            assert clean.start_utc.tzinfo is UTC or clean.start_utc.utcoffset() == timedelta(0)
            made += 1
    return made


FUZZ = settings(max_examples=fuzz_examples(250), deadline=timedelta(seconds=30),
                database=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(mutated())
def test_mutated_real_world_calendars(text: str) -> None:
    ingest(text)


@FUZZ
@given(generated())
def test_generated_calendars(text: str) -> None:
    ingest(text)


def test_the_fixtures_themselves_give_events() -> None:
    assert sum(ingest(text) for text in TEXTS) > 100  # the mutation base is real data
