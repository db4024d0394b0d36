"""Expanding cycle definitions: the shipped EU and national files, and each date shape."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calsync.config.yamlfile import parse_yaml
from calsync.cycles.catalog import load_catalog
from calsync.cycles.expand import expand_entry
from calsync.model import EventData, Status
from calsync.sdk.contract import Horizon
from calsync.workdays import is_working_day, next_working_day

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "schedules").glob("*.yaml"))


def expand(cycle_id: str, first: date, last: date, files: list[Path] | None = None
           ) -> list[EventData]:
    catalog = load_catalog(files or SHIPPED)
    return list(expand_entry(catalog, cycle_id, first, last, "Europe/Stockholm"))


def starts(events: list[EventData]) -> list[date | datetime]:
    return [e.start for e in events]


def test_general_elections_second_sunday_of_september_every_four_years() -> None:
    found = expand("se.elections.general", date(2018, 1, 1), date(2035, 12, 31))
    assert starts(found) == [date(2018, 9, 9), date(2022, 9, 11), date(2026, 9, 13),
                             date(2030, 9, 8), date(2034, 9, 10)]
    assert [e.external_uid for e in found][2] == "se.elections.general/2026"
    assert found[2].title.startswith("General election 2026")


def test_spring_bill_moves_to_the_next_working_day() -> None:
    found = {e.start.year: e.start for e in expand(  # type: ignore[union-attr]
        "se.budget.spring-fiscal-policy-bill", date(2017, 1, 1), date(2027, 12, 31))}
    assert found[2017] == date(2017, 4, 18)  # 15 Apr 2017 was Easter Saturday
    assert found[2018] == date(2018, 4, 16)  # a Sunday
    assert found[2026] == date(2026, 4, 15)  # a Wednesday: no shift
    assert all(is_working_day(d) for d in found.values())  # type: ignore[arg-type]


def test_budget_bill_follows_the_election_year_rule() -> None:
    normal = expand("se.budget.budget-bill", date(2025, 1, 1), date(2031, 12, 31))
    election = expand("se.budget.budget-bill.election-year", date(2025, 1, 1),
                      date(2031, 12, 31))
    assert starts(normal) == [date(2025, 9, 22), date(2027, 9, 20), date(2028, 9, 20),
                              date(2029, 9, 20), date(2031, 9, 22)]  # 2025/2031: Sat -> Mon
    assert starts(election) == [date(2026, 11, 15), date(2030, 11, 15)]
    assert election[0].title == ("Budget bill for 2027 in an election year, new government "
                                 "(within three weeks of taking office, at the latest 15 "
                                 "November)")
    unchanged = expand("se.budget.budget-bill.election-year.unchanged", date(2025, 1, 1),
                       date(2031, 12, 31))
    assert starts(unchanged) == [date(2026, 10, 1), date(2030, 10, 1)]  # both tentative cases
    assert {e.attrs["case"] for e in [*election, *unchanged]} == {"government-changed",
                                                                   "government-unchanged"}


def test_relative_cycle_follows_its_anchor() -> None:
    council = expand("eu.budget.council-position", date(2026, 1, 1), date(2026, 12, 31))
    reading = expand("eu.budget.ep-reading", date(2026, 1, 1), date(2026, 12, 31))
    assert starts(council) == [date(2026, 10, 1)]
    assert starts(reading) == [date(2026, 11, 12)]  # 42 days later
    assert reading[0].external_uid == "eu.budget.ep-reading/2026"


def test_periods_are_all_day_with_exclusive_end() -> None:
    [mff] = expand("eu.mff.2021-2027", date(2026, 1, 1), date(2026, 12, 31))
    assert (mff.start, mff.end, mff.all_day) == (date(2021, 1, 1), date(2028, 1, 1), True)
    assert mff.status == Status.CONFIRMED and mff.level == "eu"
    [proposed] = expand("eu.mff.2028-2034", date(2026, 1, 1), date(2030, 1, 1))
    assert proposed.status == Status.TENTATIVE  # legal_status: proposed
    assert "Sources:" in proposed.description and proposed.url


def test_horizon_bounds_every_expansion() -> None:
    found = expand("se.elections.general", date(2027, 1, 1), date(2029, 12, 31))
    assert found == []
    bills = expand("se.budget.spring-fiscal-policy-bill", date(2026, 1, 1), date(2028, 12, 31))
    assert [d.year for d in starts(bills)] == [2026, 2027, 2028]


def test_shipped_connectors_sync_through_the_horizon() -> None:
    from calsync.config import load_config
    from calsync.runtime import build_connectors
    from calsync.sdk.contract import FetchContext

    config = load_config(REPO / "config.yaml")
    connector = build_connectors(config)["national-cycles"]
    horizon = Horizon(datetime(2021, 11, 29, tzinfo=UTC), datetime(2036, 11, 29, tzinfo=UTC))
    ctx = FetchContext(http=None, clock=None, bookmark=None, horizon=horizon)  # type: ignore[arg-type]
    snapshot = asyncio.run(connector.fetch(ctx))
    uids = [r.data.external_uid for r in snapshot.records]  # type: ignore[union-attr]
    assert len(uids) == len(set(uids)) > 100
    assert "se.elections.general/2030" in uids and "se.elections.general/2018" not in uids


TIMED = """
defaults: {level: regional, actor: Regionstyrelsen, kind: meeting}
cycles:
  - id: rs.meeting
    title: Board meeting
    when: {rrule: "FREQ=MONTHLY;BYMONTHDAY=28", dtstart: 2026-01-28, time: "14:00",
           duration: PT2H}
  - id: christmas
    title: Christmas blackout
    kind: blackout
    when: {window: {from: --12-23, to: --01-06}, since: 2025}
  - id: deadline
    title: Deadline
    kind: deadline
    when: {date: 2026-03-28, time: "16:00"}
"""


def test_timed_cycles_keep_wall_clock_across_summer_time(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TIMED)
    meetings = expand("rs.meeting", date(2026, 3, 1), date(2026, 10, 31), [path])
    march, april = meetings[0], meetings[1]
    assert isinstance(march.start, datetime) and isinstance(april.start, datetime)
    # 14:00 Stockholm is 13:00 UTC in winter (28 Mar, before the switch on 29 Mar)
    # and 12:00 UTC in summer (28 Apr); 28 Oct is winter again.
    assert march.start_utc == datetime(2026, 3, 28, 13, 0, tzinfo=UTC)
    assert april.start_utc == datetime(2026, 4, 28, 12, 0, tzinfo=UTC)
    assert meetings[-1].start_utc == datetime(2026, 10, 28, 13, 0, tzinfo=UTC)
    assert march.end_utc == datetime(2026, 3, 28, 15, 0, tzinfo=UTC)
    assert march.external_uid == "rs.meeting/2026-03-28"
    [deadline] = expand("deadline", date(2026, 1, 1), date(2026, 12, 31), [path])
    assert deadline.start_utc == datetime(2026, 3, 28, 15, 0, tzinfo=UTC)


def test_windows_can_wrap_into_the_next_year(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TIMED)
    found = expand("christmas", date(2026, 1, 1), date(2026, 12, 31), [path])
    spans = [(e.start, e.end) for e in found]
    assert (date(2025, 12, 23), date(2026, 1, 7)) in spans
    assert (date(2026, 12, 23), date(2027, 1, 7)) in spans
    assert found[0].status == Status.CONFIRMED


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)))
def test_next_working_day_is_the_first_working_day_not_before(day: date) -> None:
    shifted = next_working_day(day)
    assert shifted >= day and is_working_day(shifted)
    probe = day
    while probe < shifted:
        assert not is_working_day(probe)
        probe = date.fromordinal(probe.toordinal() + 1)


def test_schedule_file_defaults_and_line_numbers() -> None:
    located = parse_yaml("cycles:\n  - id: x\n    title: X\n", "inline.yaml")
    assert located.line_of(("cycles", 0, "title")) == 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_cycle_cites_a_source_or_says_why_not(path: Path) -> None:
    catalog = load_catalog(SHIPPED)
    for cycle_id in catalog.ids_in(path):
        entry = catalog.entries[cycle_id].entry
        assert entry.sources or entry.verify or entry.certainty == "low", cycle_id


def test_an_all_day_event_ending_the_day_before_the_range_is_outside(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TIMED)
    # The 2025 window runs 23 Dec 2025 - 6 Jan 2026 (exclusive end 7 Jan).
    assert expand("christmas", date(2026, 1, 7), date(2026, 12, 1), [path]) == []
    [last_day] = expand("christmas", date(2026, 1, 6), date(2026, 1, 6), [path])
    assert last_day.start == date(2025, 12, 23)
