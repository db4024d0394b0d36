"""The pilot's feeds in Swedish (its config says `language: sv`) and in English on request.

Bundled config -> schedules connector -> sync -> store -> feed: the same stored events
render in both languages, with the same UIDs and different ETags; the words calsync adds
come from the catalog, the schedules' own texts from their `{sv, en}` titles and
descriptions, holidays from the `holidays` package's Swedish names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from calsync.i18n.maintain import _read
from tests.pilotdb import served_pilot


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with served_pilot(tmp_path_factory.mktemp("pilot-languages")) as client:
        yield client


def _events(body: bytes) -> dict[str, dict[str, str]]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): {"summary": str(e["SUMMARY"]),
                            "description": str(e.get("DESCRIPTION", ""))}
            for e in calendar.walk("VEVENT")}


def test_the_pilot_feed_is_swedish_and_english_on_request(pilot: TestClient) -> None:
    sv, en = pilot.get("/feeds/all.ics"), pilot.get("/feeds/all.ics?lang=en")
    assert sv.status_code == en.status_code == 200
    assert sv.headers["etag"] != en.headers["etag"]
    assert pilot.get("/feeds/all.ics?lang=sv").headers["etag"] == sv.headers["etag"]
    assert "X-WR-CALNAME:calsync: alla nivåer" in sv.text
    assert "X-WR-CALNAME:calsync: all levels" in en.text
    swedish, english = _events(sv.content), _events(en.content)
    assert swedish.keys() == english.keys() and len(swedish) > 500
    by_title = {e["summary"]: uid for uid, e in english.items()}
    bill = by_title["Budget bill for 2028 and autumn amending budget (by 20 September)"]
    assert swedish[bill]["summary"].startswith("Budgetpropositionen")
    assert "Säkerhet: hög; status: gällande." in swedish[bill]["description"]
    assert "Certainty: high; status: in force." in english[bill]["description"]
    assert "Svenska:" not in sv.text + en.text  # the old description line is gone
    christmas = [uid for uid, e in english.items() if e["summary"] == "Christmas Day"]
    assert christmas and {swedish[uid]["summary"] for uid in christmas} == {"Juldagen"}


def test_a_conditional_request_is_per_language(pilot: TestClient) -> None:
    sv = pilot.get("/feeds/all.ics")
    again = pilot.get("/feeds/all.ics", headers={"If-None-Match": sv.headers["etag"]})
    assert again.status_code == 304
    other = pilot.get("/feeds/all.ics?lang=en", headers={"If-None-Match": sv.headers["etag"]})
    assert other.status_code == 200


TEXT_PROPERTIES = ("SUMMARY", "DESCRIPTION", "NAME", "X-WR-CALNAME", "X-WR-CALDESC")
"""The properties people read (CATEGORIES are tags: identifiers, not text)."""


def _fixed_parts(msgid: str) -> list[str]:
    """The literal stretches of a catalog text between its {placeholders}, long enough
    not to be an ordinary word of an event's own (untranslated) text."""
    return [part.strip() for part in re.split(r"\{[^}]*\}", msgid) if len(part.strip()) >= 8]


def test_the_swedish_feeds_have_no_english_catalog_text(pilot: TestClient) -> None:
    """A render of every feed text path in Swedish (all feeds, both span modes, the
    alerts feed): no English source text of the catalog shows through."""
    bodies = [pilot.get(path).text.replace("\r\n ", "") for path in (
        "/feeds/all.ics", "/feeds/all.ics?spans=full", "/feeds/alerts.ics", "/feeds/",
        *(f"/feeds/{name}.ics" for name in ("eu", "national", "regional", "municipal")))]
    text = "\n".join(line for body in bodies for line in body.splitlines()
                     if line.startswith(TEXT_PROPERTIES) or not body.startswith("BEGIN:"))
    # Not the names of calsync.i18n.vocabulary (kinds, statuses, severities): single
    # words such as "decision" that events' own untranslated English texts also use;
    # feeds write kinds only as CATEGORIES keys, which are not text for people.
    english = [m for m in _read("sv", "calsync") if m.id and isinstance(m.id, str)
               and m.string != m.id
               and not all(path.endswith("i18n/vocabulary.py") for path, _ in m.locations)]
    assert len(english) > 30
    shown = [(m.id, part) for m in english for part in _fixed_parts(m.id)
             if part in text and part not in m.string]  # "; status:" is Swedish too
    assert shown == []
    assert "Börjar: " in text and "Slutar: " in text  # the milestones are there, in Swedish


def test_an_unknown_language_is_refused_with_the_known_ones(pilot: TestClient) -> None:
    response = pilot.get("/feeds/all.ics?lang=de")
    assert response.status_code == 422
    assert "query.lang: förväntade ett av sv, en (fick 'de')" in response.json()["problems"]
    english = pilot.get("/feeds/all.ics?lang=de", headers={"Accept-Language": "en"})
    assert "query.lang: expected one of sv, en (got 'de')" in english.json()["problems"]


def test_the_feeds_page_follows_accept_language_and_offers_a_switch(pilot: TestClient
                                                                    ) -> None:
    sv = pilot.get("/feeds/")
    assert "<h1>calsync-flöden</h1>" in sv.text and ">prenumerera</a>" in sv.text
    assert "calsync: alla nivåer" in sv.text and 'href="?lang=en"' in sv.text
    assert sv.headers["content-language"] == "sv" and "Accept-Language" in sv.headers["vary"]
    assert "all.ics?lang=en" not in sv.text
    en = pilot.get("/feeds/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "<h1>calsync feeds</h1>" in en.text and ">subscribe</a>" in en.text
    # the pilot's feeds are Swedish: an English reader subscribes to ?lang=en
    assert "webcal://127.0.0.1:8000/feeds/all.ics?lang=en" in en.text
    assert pilot.get("/feeds/?lang=en", headers={"Accept-Language": "sv"}).headers[
        "content-language"] == "en"


def test_api_errors_in_the_readers_language(pilot: TestClient) -> None:
    missing = pilot.get("/feeds/nope.ics")
    assert missing.status_code == 404
    assert missing.json()["message"] == "det finns inget flöde som heter 'nope'."
    english = pilot.get("/feeds/nope.ics", headers={"Accept-Language": "en"})
    assert english.json()["message"] == "no feed named 'nope'."
    bad = pilot.get("/api/events?level=county").json()
    assert bad["message"].startswith("felaktigt anrop: query.level: okänd nivå; kända: eu,")
    token = pilot.get("/api/feeds/private")
    assert token.status_code == 401 and "administratörsnyckel" in token.json()["message"]


def test_the_feed_list_api_in_both_languages(pilot: TestClient) -> None:
    sv = {f["name"]: f for f in pilot.get("/api/feeds").json()}
    en = {f["name"]: f for f in pilot.get("/api/feeds?lang=en").json()}
    assert sv["all"]["title"] == "calsync: alla nivåer"
    assert en["all"]["title"] == "calsync: all levels"
    assert en["all"]["url"].endswith("/feeds/all.ics?lang=en")
    assert sv["all"]["url"].endswith("/feeds/all.ics")


def test_the_timeline_api_names_months_in_the_readers_language(pilot: TestClient) -> None:
    sv = pilot.get("/api/timeline?from=2027-03-01&to=2027-04-30").json()
    en = pilot.get("/api/timeline?from=2027-03-01&to=2027-04-30&lang=en").json()
    assert {"mars 2027", "april 2027"} <= {m["title"] for m in sv["months"]}
    assert {"March 2027", "April 2027"} <= {m["title"] for m in en["months"]}
    assert [m["month"] for m in sv["months"]] == [m["month"] for m in en["months"]]


def test_an_event_names_its_organisation_and_level_in_the_feed_language(
        pilot: TestClient) -> None:
    sv = _events(pilot.get("/feeds/all.ics").content)
    en = _events(pilot.get("/feeds/all.ics?lang=en").content)
    region = [uid for uid, e in sv.items()
              if e["description"].startswith("Region Västerbotten (")]
    assert region
    assert {sv[uid]["description"].split("\n")[0] for uid in region} == {
        "Region Västerbotten (Regional)"}
    municipal = {e["description"].split("\n")[0] for e in sv.values()
                 if e["description"].startswith("Umeå kommun (")}
    assert municipal == {"Umeå kommun (Kommunal)"}
    assert {en[uid]["description"].split("\n")[0] for uid in region} == {
        "Region Västerbotten (Regional)"}
    assert {e["description"].split("\n")[0] for e in en.values()
            if e["description"].startswith("Umeå kommun (")} == {"Umeå kommun (Municipal)"}
    assert not any("(municipal)" in e["description"] for e in sv.values())
