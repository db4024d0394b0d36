"""The shipped pilot as a subscriber sees it: a month view stays readable and Umeå's
events link to Umeå (issue 13). Bundled config -> schedules connector -> sync -> feed."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.conftest import REPO
from tests.pilotdb import served_pilot


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The bundled config and schedules, synced, served."""
    with served_pilot(tmp_path_factory.mktemp("pilot")) as client:
        yield client


@pytest.fixture(scope="module")
def pilot_feed(pilot: TestClient) -> Calendar:
    response = pilot.get("/feeds/all.ics")
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def test_a_month_view_has_only_a_handful_of_events_over_any_day(pilot_feed: Calendar
                                                                ) -> None:
    covering: Counter[date] = Counter()
    for event in pilot_feed.walk("VEVENT"):
        start = _day(event["DTSTART"].dt)
        end = _day(event["DTEND"].dt) if "DTEND" in event else start + timedelta(days=1)
        if end - start > timedelta(days=1):  # spans more than its own day
            day = start
            while day < end:
                covering[day] += 1
                day += timedelta(days=1)
    month = [date(2026, 12, 1) + timedelta(days=n) for n in range(31)]
    assert max(covering[d] for d in month) <= 5, sorted(covering.items())[:10]


def test_umea_events_link_to_umea(pilot_feed: Calendar) -> None:
    umea = [e for e in pilot_feed.walk("VEVENT")
            if str(e.get("X-CALSYNC-ACTOR", "")) == "Umeå kommun"]
    assert len(umea) > 20
    hosts = Counter(str(e["URL"]).split("/")[2] for e in umea)
    assert set(hosts) == {"www.umea.se"}, hosts


def test_the_readmes_adhoc_filter_example_returns_events(pilot: TestClient) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"`(/feeds/all\.ics\?[^`]+)`", readme)
    body = pilot.get(example).text
    assert body.count("BEGIN:VEVENT") == 15  # one budget adoption per municipality
