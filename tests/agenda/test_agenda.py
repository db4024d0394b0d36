"""The organisation's agenda on the synced pilot with the frozen clock (2026-11-29),
through `calsync agenda` and `GET /api/agenda`: date order, the organisation's events
only, the open misalignments that involve each, relative dates, bad input, and iCalendar
output that strict parsers (vobject, ical.js) accept."""

from __future__ import annotations

import json
import re
from pathlib import Path

import vobject
from click.testing import CliRunner
from fastapi.testclient import TestClient

from calsync.cli import cli
from calsync.config.organisations import Organisations
from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.feeds.test_real_clients import icaljs
from tests.pilotdb import pilot, snapshot

__all__ = ["pilot"]

REGION = "Region Västerbotten"


def agenda(runtime: Runtime, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["agenda", *args], obj={"runtime": runtime})
    return result.exit_code, result.output


def test_the_regions_year_in_date_order_with_its_misalignments(pilot: Runtime) -> None:
    before = snapshot(pilot.engine)
    code, out = agenda(pilot, "--org", REGION, "--from", "today", "--next", "P1Y",
                       "--format", "json")
    assert code == 0, out
    answer = json.loads(out)
    assert (answer["start"], answer["end"]) == ("2026-11-29", "2027-11-29")
    items = answer["items"]
    assert len(items) >= 5
    days = [i["day"] for i in items]
    assert days == sorted(days)
    owners = Organisations.of(pilot.config.organisations)
    for item in items:
        assert item["organisation"] == REGION
        assert owners.owner(item["actor"]) == REGION or item["actor"] in (
            pilot.config.organisations[REGION].bodies)
        assert item["kind"] in ("deadline", "decision", "budget", "meeting")
        assert item["last_day"] >= "2026-11-29" and item["day"] <= "2027-11-29"
        assert item["link"].endswith(f"/events/{item['uid']}")
    misaligned = [i for i in items if i["misalignments"]]
    assert misaligned, "the pilot's region has open findings (R13)"
    assert answer["misaligned"] == len(misaligned)
    found = misaligned[0]["misalignments"][0]
    assert found["rule"] and found["summary"] and found["link"].startswith("http")
    # the same alert, by the API
    alert = TestClient(create_app(pilot)).get(f"/api/alerts/{found['alert_id']}").json()
    assert misaligned[0]["uid"] in (alert["subject_uid"], alert["object_uid"])
    assert alert["status"] == "firing"
    # the API gives the same JSON
    api = TestClient(create_app(pilot)).get(
        "/api/agenda", params={"org": REGION, "from": "today", "next": "P1Y"})
    assert api.status_code == 200 and api.json() == answer
    assert snapshot(pilot.engine) == before


def test_filters_and_relative_dates_match_explicit_dates(pilot: Runtime) -> None:
    code, relative = agenda(pilot, "--level", "municipal", "--from", "+P3D", "--to",
                            "+P1Y", "--format", "json")
    assert code == 0, relative
    code, explicit = agenda(pilot, "--level", "municipal", "--from", "2026-12-02", "--to",
                            "2027-11-29", "--format", "json")
    assert json.loads(relative) == json.loads(explicit)
    items = json.loads(explicit)["items"]
    assert items and {i["level"] for i in items} == {"municipal"}
    code, out = agenda(pilot, "--actor", "Skellefteå*", "--kind", "budget", "--next", "P1Y",
                       "--format", "json")
    skelleftea = json.loads(out)["items"]
    assert skelleftea and all(i["actor"].startswith("Skellefteå") and i["kind"] == "budget"
                              for i in skelleftea)
    client = TestClient(create_app(pilot))
    api = client.get("/api/agenda", params={"actor": "Skellefteå*", "kind": "budget",
                                            "to": "+P1Y"}).json()
    assert [i["uid"] for i in api["items"]] == [i["uid"] for i in skelleftea]


def test_bad_input_is_exit_2_and_422_naming_the_value(pilot: Runtime) -> None:
    code, out = agenda(pilot, "--from", "tomorrow")
    assert code == 2 and "'tomorrow'" in out and "--from" in out
    code, out = agenda(pilot, "--org", "Atlantis kommun")
    assert code == 2 and "Atlantis kommun" in out and "Umeå kommun" in out
    code, out = agenda(pilot, "--next", "90 days")
    assert code == 2 and "--next" in out
    code, out = agenda(pilot, "--from", "2027-01-10", "--to", "2027-01-01")
    assert code == 2 and "before" in out
    client = TestClient(create_app(pilot))
    for params, name in (({"from": "soon"}, "from"), ({"org": "Atlantis"}, "org"),
                         ({"next": "P"}, "next"), ({"level": "galactic"}, "level"),
                         ({"to": "+P1Q"}, "to")):
        response = client.get("/api/agenda", params=params)
        assert response.status_code == 422, (params, response.text)
        assert name in response.text and next(iter(params.values())) in response.text


def test_markdown_and_icalendar(pilot: Runtime, tmp_path: Path) -> None:
    code, md = agenda(pilot, "--org", REGION, "--next", "P1Y", "--format", "md")
    assert code == 0, md
    # The pilot's config says `language: sv`: the CLI writes Swedish, `?lang=en` English.
    assert md.startswith(f"# Kalendarium: {REGION}, 2026-11-29 – 2027-11-29")
    assert "## december 2026" in md and "Inte i takt (varning, R13)" in md
    assert "8000/alerts/" in md and "/api/alerts/" not in md  # links open the dashboard
    assert "Out of step" not in md and "upcoming" not in md
    client = TestClient(create_app(pilot))
    english = client.get("/api/agenda", params={"org": REGION, "next": "P1Y", "format": "md",
                                                "lang": "en"})
    assert english.status_code == 200, english.text
    assert english.text.startswith(f"# Agenda: {REGION}, 2026-11-29 – 2027-11-29")
    assert "## December 2026" in english.text and "Out of step" in english.text
    assert client.get("/api/agenda", params={"format": "md"}).text.startswith("# Kalendarium")
    assert client.get("/api/agenda", params={"lang": "xx"}).status_code == 422
    code, ics = agenda(pilot, "--org", REGION, "--next", "P1Y", "--format", "ics")
    assert code == 0, ics
    calendar = vobject.readOne(ics, validate=True)
    assert calendar.validate(raiseException=True)
    code, out = agenda(pilot, "--org", REGION, "--next", "P1Y", "--format", "json")
    items = json.loads(out)["items"]
    assert {e.uid.value for e in calendar.vevent_list} == {i["uid"] for i in items}
    assert calendar.contents["x-wr-calname"][0].value.startswith("Kalendarium")
    noted = [e for e in calendar.vevent_list if "Inte i takt" in e.description.value]
    assert len(noted) == sum(1 for i in items if i["misalignments"])
    # titles and descriptions in Swedish as the feeds write them (they were the stored
    # English), the misalignment notes still first
    summaries = {e.summary.value for e in calendar.vevent_list}
    assert {i["title"] for i in items} <= {s.removeprefix("Väntas: ") for s in summaries}
    assert any("ses över under mandatperioden" in s for s in summaries), summaries
    assert all(e.description.value.index("Inte i takt") < 200 for e in noted)
    # the organisation and its level by the level's Swedish name, as in the feeds
    assert any(f"{REGION} (Regional)" in e.description.value for e in calendar.vevent_list)
    assert not any("(regional)" in e.description.value for e in calendar.vevent_list)
    path = tmp_path / "agenda.ics"
    path.write_text(ics, encoding="utf-8")
    read = icaljs(path)
    assert len(read["events"]) == len(items)
    api = client.get("/api/agenda", params={"org": REGION, "next": "P1Y", "format": "ics",
                                            "lang": "en"})
    assert api.status_code == 200 and api.headers["content-type"].startswith("text/calendar")
    english_calendar = vobject.readOne(api.text)
    assert {e.uid.value for e in english_calendar.vevent_list} == {i["uid"] for i in items}
    assert len([e for e in english_calendar.vevent_list
                if "Out of step" in e.description.value]) == len(noted)


def test_relative_dates_in_the_timeline_the_api_and_the_feeds(pilot: Runtime) -> None:
    result = CliRunner().invoke(cli, ["timeline", "--from", "today", "--to", "+P30D",
                                      "--format", "json"], obj={"runtime": pilot})
    assert result.exit_code == 0, result.output
    relative = json.loads(result.output)
    result = CliRunner().invoke(cli, ["timeline", "--from", "2026-11-29", "--to",
                                      "2026-12-29", "--format", "json"], obj={"runtime": pilot})
    assert relative and relative == json.loads(result.output)
    result = CliRunner().invoke(cli, ["timeline", "--from", "yesterday"],
                                obj={"runtime": pilot})
    assert result.exit_code == 2 and "'yesterday'" in result.output
    client = TestClient(create_app(pilot))
    api = client.get("/api/events", params={"from": "today", "to": "+P30D", "limit": 1000})
    assert api.status_code == 200
    same = client.get("/api/events", params={"from": "2026-11-29", "to": "2026-12-29",
                                             "limit": 1000}).json()
    assert api.json() == same and api.json()["total"] > 0
    past = client.get("/api/timeline", params={"from": "-P1Y", "to": "today"}).json()
    assert past["start"].startswith("2025-11-2")
    bad = client.get("/api/events", params={"from": "+P1X"})
    assert bad.status_code == 422 and "+P1X" in bad.text and "from" in bad.text
    feed = client.get("/feeds/all.ics", params={"from": "today", "to": "+P30D"})
    dated = client.get("/feeds/all.ics", params={"from": "2026-11-29", "to": "2026-12-29"})
    assert feed.status_code == 200 and feed.text.count("BEGIN:VEVENT") == \
        dated.text.count("BEGIN:VEVENT") > 0


def test_the_table_speaks_the_configs_language_or_lang(pilot: Runtime) -> None:
    """Headings, counts, fixes, titles and misalignments of the table follow `language:`
    (the pilot: sv) or `--lang`, through the catalogs; --lang reaches md and JSON too."""
    code, out = agenda(pilot, "--org", REGION, "--next", "P1Y")
    assert code == 0, out
    for word in ("Kalendarium", "händelser", "inte i takt", "dag", "nivå", "typ", "händelse",
                 "Åtgärd:"):
        assert word in out, word
    for word in ("events,", "out of step", "Fix:", " kind "):
        assert word not in out, word
    assert "ses över under mandatperioden" in out  # the review's Swedish title
    code, english = agenda(pilot, "--org", REGION, "--next", "P1Y", "--lang", "en")
    assert code == 0, english
    for word in ("Agenda:", "events,", "out of step", "day", "level", "kind", "Fix:",
                 "reviewed during the term"):
        assert word in english, word
    assert "Kalendarium" not in english and "Åtgärd:" not in english
    code, md = agenda(pilot, "--org", REGION, "--next", "P1Y", "--format", "md",
                      "--lang", "en")
    assert md.startswith("# Agenda:") and "Out of step" in md
    code, out = agenda(pilot, "--org", REGION, "--next", "P1Y", "--format", "json",
                       "--lang", "en")
    found = [m for i in json.loads(out)["items"] for m in i["misalignments"]]
    api = TestClient(create_app(pilot)).get(
        "/api/agenda", params={"org": REGION, "next": "P1Y", "lang": "en"}).json()
    assert found and found == [m for i in api["items"] for m in i["misalignments"]]
    swedish = TestClient(create_app(pilot)).get(
        "/api/agenda", params={"org": REGION, "next": "P1Y"}).json()
    assert [m["summary"] for i in swedish["items"] for m in i["misalignments"]] != [
        m["summary"] for m in found]
    code, nothing = agenda(pilot, "--org", REGION, "--from", "2099-01-01", "--next", "P1D")
    assert "Inget på agendan" in nothing
    assert agenda(pilot, "--lang", "de")[0] == 2


def test_the_table_names_what_was_asked_for_in_words(pilot: Runtime) -> None:
    """Tried as a coordinator would: `--actor` names whose agenda it is (it said "every
    organisation"), levels and kinds are words of the language ("Kommunal", "sammanträde",
    not `municipal`, `meeting`), an event's owner is written once (built-in titles
    already start with it), and one event is "1 händelse"."""
    actor = "Skellefteå kommun"
    code, out = agenda(pilot, "--actor", actor, "--next", "P1Y")
    assert code == 0, out
    flat = " ".join(out.split())
    assert flat.startswith(f"Kalendarium: {actor}, 2026-11-29"), flat[:80]
    assert "Kommunal" in out and "municipal" not in out
    assert f"{actor}: {actor}:" not in flat
    _code, english = agenda(pilot, "--actor", actor, "--next", "P1Y", "--lang", "en")
    assert " ".join(english.split()).startswith(f"Agenda: {actor}, 2026-11-29")
    assert "Municipal" in english
    _code, meetings = agenda(pilot, "--org", REGION, "--kind", "meeting,budget,deadline",
                             "--next", "P1Y")
    words = {w for w in ("sammanträde", "budget", "sista dag") if w in meetings}
    assert words and "deadline" not in meetings and "meeting" not in meetings, words
    _code, one = agenda(pilot, "--actor", actor, "--from", "2026-12-01", "--to",
                        "2026-12-01", "--kind", "budget")
    assert "(1 händelse," in " ".join(one.split()), one


def test_dashboard_and_api_name_the_levels_in_the_readers_language(pilot: Runtime) -> None:
    client = TestClient(create_app(pilot))
    swedish = client.get("/api/timeline", params={"lang": "sv"}).json()["levels"]
    english = client.get("/api/timeline", params={"lang": "en"}).json()["levels"]
    assert swedish["municipal"]["title"] == "Kommunal" and swedish["national"]["title"] == \
        "Nationell"
    assert english["municipal"]["title"] == "Municipal"
    lanes = re.findall(r'class="lane-title"[^>]*>([^<]+)<',
                       client.get("/", params={"lang": "sv"}).text)
    assert "Nationell" in lanes and "National" not in lanes, lanes
    assert "National" in re.findall(r'class="lane-title"[^>]*>([^<]+)<',
                                    client.get("/", params={"lang": "en"}).text)


def test_the_organisations_page_is_the_agenda_in_the_pages_language(pilot: Runtime) -> None:
    """`/org/<name>` lists what `calsync agenda --org` lists for the next year (budgets
    too: it had only deadlines, decisions and meetings, from a second implementation),
    with built-in steps' Swedish titles and a link per open misalignment."""
    client = TestClient(create_app(pilot))
    page = client.get(f"/org/{REGION}", params={"lang": "sv"}).text
    api = client.get("/api/agenda", params={"org": REGION, "next": "P365D"}).json()
    listed = re.findall(r"<li><time>(\d{4}-\d\d-\d\d)</time>", page)
    assert sorted(listed) == sorted(i["day"] for i in api["items"]) and listed
    assert "ses över under mandatperioden" in page  # the RUS review, in Swedish
    titles = {i["title"] for i in api["items"]}  # the JSON's titles too (the config's: sv)
    assert any("ses över under mandatperioden" in t for t in titles), titles
    english = client.get("/api/agenda", params={"org": REGION, "next": "P365D", "lang": "en"})
    assert any("reviewed during the term" in i["title"] for i in english.json()["items"])
    assert re.search(r'class="out-of-step sev-warning" href="[^"]*/alerts/\d+"[^>]*>'
                     r"inte i takt: R13<", page), page
    timeline = client.get("/", params={"lang": "sv"}).text
    assert "decemberspåret" in timeline and "December track" not in timeline
    assert ">okt.<" in timeline or ">okt. " in timeline
    english = client.get("/", params={"lang": "en"}).text
    assert "December track" in english and ">Oct<" in english
