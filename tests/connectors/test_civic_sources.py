"""What is special about the Riksdag, EU Funding & Tenders and Vinnova connectors, against
recordings shaped like their APIs (`tests/recordings/`, provenance in its README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from calsync.model import Status
from calsync.sdk.contract import Connector
from tests.connectors.helpers import by_uid, connector, events
from tests.server import RecordingServer


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running


# -- Riksdagen -------------------------------------------------------------------------

def test_riksdagen_json_times_are_stockholm_and_text_is_unescaped(
        server: RecordingServer, tmp_path: Path) -> None:
    server.use("riksdagen")
    conn = connector(tmp_path, "riksdagen", f"url: {server.url('/kalender/')}\n"
                                            "org: [kamm]\nakt: [be, ib]\ndays_ahead: 90")
    found = by_uid(events(conn))
    vote = found["kalender-2026-12-09-kamm-beslut"]
    assert vote.start_utc == datetime(2026, 12, 9, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert vote.timezone == "Europe/Stockholm" and vote.status == Status.TENTATIVE
    assert vote.description == "Preliminärt\n2026/27:FiU1 Statens budget 2027, rambeslutet"
    assert vote.url == "https://data.riksdagen.se/dokument/HD01FiU1"
    assert vote.attrs["category"] == "Beslut" and vote.attrs["riksmote"] == "2026/27"
    assert found["kalender-2026-12-10-fiu"].description.splitlines()[1] == \
        "Ärenden enligt föredragningslista"
    [request] = server.requests
    assert request.query["org"] == ["kamm"] and request.query["akt"] == ["be", "ib"]
    assert request.query["from"] == ["2026-11-01"] and request.query["tom"] == ["2027-02-27"]
    assert request.query["utformat"] == ["json"]


def test_riksdagen_single_object_and_empty_list(server: RecordingServer,
                                                tmp_path: Path) -> None:
    conn = connector(tmp_path, "riksdagen", f"url: {server.url('/kalender/')}")
    server.use("riksdagen", "single")
    assert [e.title for e in events(conn)] == ["Partiledardebatt"]
    server.use("riksdagen", "empty")
    assert events(conn) == []


def test_riksdagen_icalendar_output(server: RecordingServer, tmp_path: Path) -> None:
    server.use("riksdagen", "ical")
    conn = connector(tmp_path, "riksdagen", f"url: {server.url('/kalender/')}\n"
                                            "format: icalendar")
    found = by_uid(events(conn))
    assert found["kalender-2027-01-13-kamm-pd"].start_utc == datetime(2027, 1, 13, 12, 0,
                                                                       tzinfo=UTC)
    assert found["kalender-2027-01-13-kamm-pd"].attrs["category"] == "Debatt"


# -- EU Funding & Tenders --------------------------------------------------------------

def eu(server: RecordingServer, tmp_path: Path, extra: str = "",
       facet: str = "/rest/facet") -> Connector:
    return connector(tmp_path, "eu_funding_tenders",
                     f"url: {server.url('/rest/search')}\nfacet_url: "
                     f"{server.url(facet)}\npage_size: 2\n{extra}")


def test_eu_requests_are_multipart_sorted_and_resolved_through_facets(
        server: RecordingServer, tmp_path: Path) -> None:
    server.use("eu_funding_tenders")
    conn = eu(server, tmp_path, "programmes: [Horizon Europe]\nkeywords: [governance, "
                                "regional]\nstatuses: [open]")
    assert len(events(conn)) == 7
    facet, first, second = server.requests
    assert facet.path == "/rest/facet" and first.method == "POST"
    assert first.query["apiKey"] == ["SEDIA"] and first.query["text"] == ["governance regional"]
    assert (first.query["pageNumber"], second.query["pageNumber"]) == (["1"], ["2"])
    body = first.body.decode()
    assert first.headers["content-type"].startswith("multipart/form-data")
    query = json.loads(body.split('name="query"')[1].split("\r\n\r\n", 1)[1].split("\r\n--")[0])
    must = {next(iter(c[k])): c[k] for c in query["bool"]["must"] for k in c}
    assert must["status"]["status"] == ["31094502"]  # "open" via the facet's label
    assert must["frameworkProgramme"]["frameworkProgramme"] == ["43108390"]
    assert '"field": "identifier", "order": "ASC"' in body


def test_eu_topic_with_several_cut_offs(server: RecordingServer, tmp_path: Path) -> None:
    server.use("eu_funding_tenders")
    found = by_uid(events(eu(server, tmp_path)))
    robots = "HORIZON-CL4-2027-DIGITAL-01-ROBOTS"
    assert found[f"{robots}/opening"].start == date(2027, 1, 15)
    first, second = found[f"{robots}/deadline-1"], found[f"{robots}/deadline-2"]
    assert first.start_utc == datetime(2027, 4, 15, 17, 0, tzinfo=UTC)  # sorted by date
    assert second.start_utc == datetime(2027, 9, 16, 17, 0, tzinfo=UTC)
    assert first.kind == "deadline" and first.title.startswith("Deadline 1/2: ")
    assert first.attrs["status"] == "Forthcoming"
    interreg = found["INTERREG-AURORA-2027-SPF/deadline-1"]
    assert interreg.start == date(2027, 3, 31) and interreg.title.startswith("Deadline: ")


def test_eu_unusable_facets_fall_back_to_known_codes(server: RecordingServer,
                                                     tmp_path: Path) -> None:
    server.use("eu_funding_tenders")
    conn = eu(server, tmp_path, facet="/rest/nowhere")
    assert len(events(conn)) == 7


# -- Vinnova ---------------------------------------------------------------------------

def test_vinnova_rounds_become_dated_milestones(server: RecordingServer,
                                                tmp_path: Path) -> None:
    server.use("vinnova")
    conn = connector(tmp_path, "vinnova", f"url: {server.url('/api/ansokningsomgangar/')}")
    found = by_uid(events(conn))
    assert set(found) == {"2026-01503/opening", "2026-01503/closing", "2026-01503/decision",
                          "2026-02210/opening", "2026-02210/closing"}  # 1900 = no date,
    # and the invite-only round (Publik: 0) is left out.
    closing = found["2026-01503/closing"]
    assert closing.start_utc == datetime(2027, 2, 10, 13, 0, tzinfo=UTC)  # 14:00 CET
    assert closing.kind == "deadline" and closing.url == "https://ansok.vinnova.se/utlysning/abc"
    assert found["2026-01503/opening"].start == date(2026, 12, 2)  # midnight = a date
    decision = found["2026-01503/decision"]
    assert decision.kind == "decision" and decision.status == Status.TENTATIVE
    assert server.requests[0].path == "/api/ansokningsomgangar/2021-11-29"  # horizon start


def test_vinnova_options(server: RecordingServer, tmp_path: Path) -> None:
    server.use("vinnova")
    conn = connector(tmp_path, "vinnova", f"url: {server.url('/api/ansokningsomgangar')}\n"
                                          "since: 2026-01-01\nlanguage: en\n"
                                          "include_non_public: true")
    found = by_uid(events(conn))
    assert len(found) == 8
    assert found["2026-01503/closing"].title.endswith("civil-military innovation collaboration")
    assert server.requests[0].path == "/api/ansokningsomgangar/2026-01-01"
