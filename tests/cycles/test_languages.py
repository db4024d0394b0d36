"""Schedules in two languages: `title`/`description` as {sv, en} or one plain string."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from calsync.cycles.catalog import load_catalog
from calsync.cycles.expand import expand_entry
from calsync.errors import ConfigError
from calsync.i18n.events import in_language
from calsync.model import EventData

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "schedules").glob("*.yaml"))

BILINGUAL = """\
cycles:
- id: council.budget
  title: {sv: "Fullmäktige beslutar budget {next_year}", en: "Council adopts budget {next_year}"}
  description:
    sv: Beslutas i november.
    en: Decided in November.
  kind: decision
  when: {rrule: "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=20", dtstart: 2020-11-20}
  precision: no_later_than
  certainty: medium
  sources: [{url: "https://example.org/budget"}]
- id: plain
  title: Our own meeting
  kind: meeting
  when: {date: 2027-02-03}
  verify: the room
"""


def _expand(tmp_path: Path, text: str, cycle: str) -> list[EventData]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog([path])
    return list(expand_entry(catalog, cycle, date(2027, 1, 1), date(2027, 12, 31),
                             "Europe/Stockholm"))


def test_a_bilingual_cycle_renders_in_each_language(tmp_path: Path) -> None:
    [event] = _expand(tmp_path, BILINGUAL, "council.budget")
    sv, en = in_language(event, "sv"), in_language(event, "en")
    assert en.title == event.title == "Council adopts budget 2028"
    assert sv.title == "Fullmäktige beslutar budget 2028"
    assert en.description.splitlines() == [
        "Decided in November.", "Date: no later than this date.",
        "Certainty: medium; status: in force.", "Sources:", "- https://example.org/budget"]
    assert sv.description.splitlines() == [
        "Beslutas i november.", "Datum: senast detta datum.",
        "Säkerhet: medel; status: gällande.", "Källor:", "- https://example.org/budget"]


def test_a_plain_title_is_the_same_in_both_and_the_added_lines_are_translated(
        tmp_path: Path) -> None:
    [event] = _expand(tmp_path, BILINGUAL, "plain")
    sv = in_language(event, "sv")
    assert sv.title == event.title == "Our own meeting"
    assert "title.sv" not in event.attrs
    assert "Att kontrollera: the room" in sv.description
    assert "To verify: the room" in event.description


@pytest.mark.parametrize(("title", "where"), [
    ("{sv: Bara svenska}", "s.yaml:3: cycles[0].title.en"),
    ("{sv: Budget, en: Budget, de: Haushalt}", "s.yaml:3: cycles[0].title.de"),
])
def test_a_title_lacking_a_language_is_a_located_problem(tmp_path: Path, title: str,
                                                         where: str) -> None:
    text = f"cycles:\n- id: x\n  title: {title}\n  when: {{date: 2027-01-01}}\n"
    with pytest.raises(ConfigError) as info:
        _expand(tmp_path, text, "x")
    [problem] = [str(p) for p in info.value.problems]
    assert where in problem, problem


def test_holidays_carry_their_swedish_names() -> None:
    catalog = load_catalog(SHIPPED)
    found = {e.start: e for e in expand_entry(catalog, "se.calendar.public-holidays",
                                              date(2027, 1, 1), date(2027, 12, 31),
                                              "Europe/Stockholm")}
    midsummer = found[date(2027, 6, 26)]
    assert midsummer.title == "Midsummer Day"
    assert in_language(midsummer, "sv").title == "Midsommardagen"
    assert in_language(found[date(2027, 1, 6)], "sv").title == "Trettondedag jul"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_cycle_speaks_both_languages(path: Path) -> None:
    catalog = load_catalog(SHIPPED)
    plain = [cycle_id for cycle_id in catalog.ids_in(path)
             for text in (catalog.entries[cycle_id].entry.title,
                          catalog.entries[cycle_id].entry.description)
             if isinstance(text, str) and text.strip()]
    assert plain == []
