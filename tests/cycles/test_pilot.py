"""The Västerbotten pilot as shipped: real dates from schedules/ and the bundled config.

Dates pinned here are facts from the domain pack (elections, the election-year budget
bill, the Local Government Act deadlines, holidays, Skellefteå's 2018 budget), so a
change to a schedule file that moves one of them fails loudly.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import cli
from calsync.config import load_config
from calsync.cycles.catalog import Catalog, load_catalog
from calsync.cycles.expand import expand_entry
from calsync.model import EventData, Status

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "schedules").glob("*.yaml"))
MUNICIPALITIES = {
    "2401": "Nordmalings kommun", "2403": "Bjurholms kommun", "2404": "Vindelns kommun",
    "2409": "Robertsfors kommun", "2417": "Norsjö kommun", "2418": "Malå kommun",
    "2421": "Storumans kommun", "2422": "Sorsele kommun", "2425": "Dorotea kommun",
    "2460": "Vännäs kommun", "2462": "Vilhelmina kommun", "2463": "Åsele kommun",
    "2480": "Umeå kommun", "2481": "Lycksele kommun", "2482": "Skellefteå kommun",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SHIPPED)


def expand(catalog: Catalog, cycle_id: str, first: date, last: date) -> list[EventData]:
    return list(expand_entry(catalog, cycle_id, first, last, "Europe/Stockholm"))


def test_the_fifteen_municipalities_have_their_official_names_and_codes(
        catalog: Catalog) -> None:
    found = {}
    for item in catalog.entries.values():
        if item.entry.id.endswith(".budget.council-adoption") and item.entry.id.startswith(
                "kommun-"):
            found[item.entry.attrs["municipality_code"]] = item.entry.actor
    assert found == MUNICIPALITIES


def test_an_admin_adds_a_sixteenth_municipality_with_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    shutil.copytree(REPO / "schedules", folder)
    municipal = folder / "se-municipalities-vasterbotten.yaml"
    line = '- {template: municipality, vars: {code: "2584", name: Kiruna kommun}}\n'
    municipal.write_text(municipal.read_text(encoding="utf-8") + line, encoding="utf-8")
    catalog = load_catalog(sorted(folder.glob("*.yaml")))
    adoptions = {item.entry.actor for cid, item in catalog.entries.items()
                 if cid.startswith("kommun-") and cid.endswith(".budget.council-adoption")}
    assert adoptions == {*MUNICIPALITIES.values(), "Kiruna kommun"}
    [kiruna] = expand(catalog, "kommun-2584.budget.council-adoption.election-year",
                      date(2030, 1, 1), date(2030, 12, 31))
    assert kiruna.start == date(2030, 10, 15) and kiruna.level == "municipal"


def test_elections_and_the_election_year_budget_bill(catalog: Catalog) -> None:
    elections = expand(catalog, "se.elections.general", date(2026, 1, 1), date(2030, 12, 31))
    assert [e.start for e in elections] == [date(2026, 9, 13), date(2030, 9, 8)]
    normal = expand(catalog, "se.budget.budget-bill", date(2026, 1, 1), date(2026, 12, 31))
    late = expand(catalog, "se.budget.budget-bill.election-year", date(2026, 1, 1),
                  date(2026, 12, 31))
    assert normal == []  # no 20 September budget bill in the 2026 election year
    assert [e.start for e in late] == [date(2026, 11, 15)]


@pytest.mark.parametrize("code", sorted(MUNICIPALITIES))
def test_every_municipality_has_the_end_of_november_budget_deadline(
        catalog: Catalog, code: str) -> None:
    found = expand(catalog, f"kommun-{code}.budget.council-adoption", date(2026, 1, 1),
                   date(2030, 12, 31))
    assert [e.start for e in found] == [date(y, 11, 30) for y in range(2026, 2031)]
    first = found[0]
    assert first.actor == MUNICIPALITIES[code] and first.level == "municipal"
    assert first.title == (f"{MUNICIPALITIES[code]}: Kommunfullmäktige adopts the 2027 "
                           "budget, tax rate and three-year plan (by 30 November)")
    assert {k: first.attrs[k] for k in ("org", "municipality_code", "budget_year", "body",
                                        "precision", "legal_status")} == {
        "org": f"kommun-{code}", "municipality_code": code, "budget_year": "2027",
        "body": "Kommunfullmäktige", "precision": "no_later_than", "legal_status": "in_force"}
    assert {"budget-adoption", "statutory", "municipality"} <= set(first.tags)
    election = expand(catalog, f"kommun-{code}.budget.council-adoption.election-year",
                      date(2026, 1, 1), date(2030, 12, 31))
    assert [(e.start, e.end) for e in election] == [
        (date(2026, 10, 15), date(2026, 12, 1)), (date(2030, 10, 15), date(2030, 12, 1))]
    proposal = expand(catalog, f"kommun-{code}.budget.board-proposal", date(2027, 1, 1),
                      date(2027, 12, 31))
    assert [(e.start, e.attrs["body"]) for e in proposal] == [
        (date(2027, 10, 31), "Kommunstyrelsen")]


def test_reports_and_discharge_follow_the_local_government_act(catalog: Catalog) -> None:
    def one(cycle: str) -> EventData:
        [event] = expand(catalog, f"kommun-2481.{cycle}", date(2027, 1, 1), date(2027, 12, 31))
        return event

    assert (one("accounts.annual-report").start,
            one("accounts.annual-report").attrs["accounts_year"]) == (date(2027, 4, 15), "2026")
    assert one("accounts.discharge").start == date(2027, 6, 30)
    interim = one("accounts.interim-report")
    assert interim.start == date(2027, 10, 31) and interim.attrs["legal_status"] == "convention"
    december = one("budget.council-adoption.deferred")
    assert (december.start, december.end) == (date(2027, 12, 1), date(2028, 1, 1))
    assert december.status == Status.TENTATIVE  # only on the special-reasons track


def test_skelleftea_2018_election_year_budget(catalog: Catalog) -> None:
    found = [e for cycle in ("budget.2018.outgoing-council", "budget.2018.new-council")
             for e in expand(catalog, f"kommun-2482.{cycle}", date(2018, 1, 1),
                             date(2018, 12, 31))]
    assert [(e.start, e.attrs["budget_year"], e.attrs["track"]) for e in found] == [
        (date(2018, 6, 18), "2019", "outgoing-council"), (date(2018, 12, 18), "2019", "deferred")]
    assert all(e.attrs["legal_status"] == "historical" for e in found)


@pytest.mark.parametrize("code", ["2480", "2482"])
def test_umea_and_skelleftea_adopt_in_june(catalog: Catalog, code: str) -> None:
    normal = expand(catalog, f"kommun-{code}.budget.june-adoption", date(2026, 1, 1),
                    date(2027, 12, 31))
    outgoing = expand(catalog, f"kommun-{code}.budget.june-adoption.election-year",
                      date(2026, 1, 1), date(2027, 12, 31))
    assert [(e.start, e.end, e.attrs["budget_year"]) for e in normal] == [
        (date(2027, 6, 1), date(2027, 7, 1), "2028")]
    assert [(e.start, e.attrs["track"]) for e in outgoing] == [
        (date(2026, 6, 1), "outgoing-council")]
    assert normal[0].status == Status.TENTATIVE  # observed practice, approximate date
    assert "observed" in normal[0].tags and "statutory" not in normal[0].tags


def test_other_municipalities_have_no_june_adoption(catalog: Catalog) -> None:
    june = {cid for cid in catalog.entries if ".budget.june-adoption" in cid}
    assert {cid.split(".")[0] for cid in june} == {"kommun-2480", "kommun-2482"}


def test_region_vasterbotten(catalog: Catalog) -> None:
    [adoption] = expand(catalog, "region-24.budget.council-adoption", date(2026, 1, 1),
                        date(2026, 12, 31))
    assert (adoption.start, adoption.actor, adoption.level, adoption.attrs["body"]) == (
        date(2026, 11, 30), "Region Västerbotten", "regional", "Regionfullmäktige")
    [rus] = expand(catalog, "region-24.rus.2020-2030", date(2026, 1, 1), date(2026, 12, 31))
    assert rus.end == date(2031, 1, 1) and {"strategy", "rus"} <= set(rus.tags)
    months = expand(catalog, "se.sfp-ovre-norrland.prioritisation", date(2026, 1, 1),
                    date(2026, 12, 31))
    assert [(e.start, e.end) for e in months] == [
        (date(2026, 6, 1), date(2026, 7, 1)), (date(2026, 12, 1), date(2027, 1, 1))]


def test_holidays_and_blackouts(catalog: Catalog) -> None:
    de_facto = expand(catalog, "se.calendar.de-facto-holidays", date(2026, 1, 1),
                      date(2026, 12, 31))
    assert [(e.start, e.title) for e in de_facto] == [
        (date(2026, 6, 19), "Midsummer Eve"), (date(2026, 12, 24), "Christmas Eve"),
        (date(2026, 12, 31), "New Year's Eve")]
    public = {e.start: e.title for e in expand(catalog, "se.calendar.public-holidays",
                                               date(2026, 1, 1), date(2026, 12, 31))}
    assert public[date(2026, 6, 20)] == "Midsummer Day" and len(public) == 13
    assert public[date(2026, 6, 6)] == "National Day"
    [july] = expand(catalog, "se.calendar.summer-holiday-blackout", date(2026, 1, 1),
                    date(2026, 12, 31))
    assert (july.start, july.end, july.kind) == (date(2026, 7, 1), date(2026, 8, 1), "blackout")
    christmas = expand(catalog, "se.calendar.christmas-blackout", date(2026, 12, 1),
                       date(2026, 12, 31))
    assert [(e.start, e.end) for e in christmas] == [(date(2026, 12, 23), date(2027, 1, 7))]
    assert christmas[0].attrs["legal_status"] == "convention"
    assert {"blackout", "convention"} <= set(christmas[0].tags)


def test_campaign_period_only_in_election_years(catalog: Catalog) -> None:
    found = expand(catalog, "se.elections.campaign-period", date(2025, 1, 1), date(2030, 12, 31))
    assert [(e.start, e.end) for e in found] == [
        (date(2026, 8, 1), date(2026, 10, 15)), (date(2030, 8, 1), date(2030, 10, 15))]


def test_bundled_config_has_a_feed_per_level_and_per_municipality() -> None:
    config = load_config(REPO / "config.yaml")
    assert {"eu", "national", "regional", "municipal", "calendar"} <= set(config.feeds)
    for code, name in MUNICIPALITIES.items():
        feed = config.feeds[f"kommun-{code}"]
        assert feed.title == name and feed.select.actor == [name]
    enabled = {c.type for c in config.connectors.values() if c.enabled}
    assert enabled == {"schedules"}  # offline out of the box


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(cli, ["sync"])
    assert result.exit_code == 0, result.output
    return tmp_path


def timeline(actor: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["timeline", "--from", "2026-01-01", "--to", "2027-12-31",
                                      "--actor", actor, "--format", "json"])
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.output)
    return found


def test_acceptance_timeline_per_actor(project: Path) -> None:
    skelleftea = timeline("Skellefteå kommun")
    assert {e["actor"] for e in skelleftea} == {"Skellefteå kommun"}
    titles = [str(e["title"]) for e in skelleftea]
    # 2026 is an election year: the outgoing council's June budget, the new council's window.
    assert "Skellefteå kommun: the outgoing Kommunfullmäktige adopts the 2027 budget in June " \
           "(election year - the new council must adopt it again)" in titles
    assert "Skellefteå kommun: election year - the newly elected Kommunfullmäktige adopts the " \
           "2027 budget (15 October - 30 November)" in titles
    assert "Skellefteå kommun: Kommunfullmäktige adopts the 2028 budget in June (local " \
           "practice)" in titles
    assert not any("election year" in t and "2028 budget" in t for t in titles)
    assert sum("budget, tax rate and three-year plan (by 30 November)" in t for t in titles) == 2

    region = timeline("Region Västerbotten")
    assert {e["level"] for e in region} == {"regional"}
    assert any("newly elected Regionfullmäktige adopts the 2027 budget" in str(e["title"])
               for e in region)
    asele = timeline("Åsele kommun")
    assert any(e["start"] == "2026-11-30" and "2027 budget" in str(e["title"]) for e in asele)
    assert not any("in June" in str(e["title"]) for e in asele)

    result = CliRunner().invoke(cli, ["timeline", "--from", "2026-01-01", "--to", "2027-12-31",
                                      "--actor", "Skellefteå kommun"])
    assert result.exit_code == 0 and "oktober 2026" in result.output  # the pilot speaks sv
