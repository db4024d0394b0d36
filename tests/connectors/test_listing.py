"""The generic `json` and `csv` connectors: field paths, date formats, status words and
the three kinds of pagination, against recorded lists on a real server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from calsync.errors import SkippableRecordError
from calsync.model import Status
from calsync.sdk.contract import Snapshot
from calsync.sdk.ingest.fields import FieldMap, get_path, map_record, parse_when
from tests.connectors.helpers import by_uid, connector, events, fetch
from tests.server import RecordingServer

FIELDS = ("fields: {uid: id, title: name, start: when.start, end: when.end, url: link, "
          "status: state, tags: labels, category: type}")


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running


def test_json_records_are_mapped_by_path(server: RecordingServer, tmp_path: Path) -> None:
    server.use("json")
    found = by_uid(events(connector(tmp_path, "json", f"url: {server.url('/events.json')}\n"
                                                      f"records: data.events\n{FIELDS}")))
    rs = found["rs-2027-01"]
    assert rs.title == "Regionstyrelsen" and rs.url == "https://www.regionvasterbotten.se/rs"
    assert rs.start_utc == datetime(2027, 1, 26, 8, 0, tzinfo=UTC)  # naive = Stockholm
    assert rs.tags == ("region", "styrelse") and rs.attrs == {"category": "Sammanträde"}
    assert found["rf-2027-02"].end is None
    assert found["budget-2028"].start == date(2027, 6, 14)
    assert found["budget-2028"].status == Status.TENTATIVE  # "preliminär"
    assert found["rus-remiss"].end == date(2027, 5, 31)


@pytest.mark.parametrize("paging", [
    "pagination: {style: page, param: page, size: 2, size_param: limit}",
    "pagination: {style: offset, param: offset, size: 2}",
])
def test_page_and_offset_pagination(server: RecordingServer, tmp_path: Path,
                                    paging: str) -> None:
    server.use("json", "paged")
    conn = connector(tmp_path, "json", f"url: {server.url('/events.json')}\n"
                                       f"records: data.events\n{FIELDS}\n{paging}")
    snapshot = fetch(conn)
    assert isinstance(snapshot, Snapshot) and snapshot.complete
    assert len(snapshot.records) == 3  # 2 + 1: a short page ends the list
    assert len(server.requests) == 2
    if "limit" in paging:
        assert server.requests[0].query["limit"] == ["2"]


def test_next_link_pagination_follows_body_then_link_header(server: RecordingServer,
                                                            tmp_path: Path) -> None:
    server.use("json", "paged")
    conn = connector(tmp_path, "json", f"url: {server.url('/linked.json')}\n"
                                       f"records: data.events\n{FIELDS}\n"
                                       "pagination: {style: next, next: links.next}")
    found = events(conn)
    assert len(found) == 4
    assert [r.path for r in server.requests] == ["/linked.json", "/linked-2.json",
                                                 "/linked-3.json"]


def test_too_many_pages_is_an_incomplete_read(server: RecordingServer, tmp_path: Path) -> None:
    server.use("json", "paged")
    conn = connector(tmp_path, "json", f"url: {server.url('/events.json')}\n"
                                       f"records: data.events\n{FIELDS}\n"
                                       "pagination: {style: page, size: 2, max_pages: 1}")
    snapshot = fetch(conn)
    assert isinstance(snapshot, Snapshot) and not snapshot.complete


def test_csv_columns_and_status_words(server: RecordingServer, tmp_path: Path) -> None:
    server.use("csv")
    found = by_uid(events(connector(
        tmp_path, "csv", f"url: {server.url('/sammantraden.csv')}\ndelimiter: ';'\n"
                         "fields: {uid: id, title: titel, start: datum, end: slut, "
                         "status: status, category: typ}")))
    assert len(found) == 4
    assert found["ks-2027-01"].start_utc == datetime(2027, 1, 19, 8, 0, tzinfo=UTC)
    assert found["kf-2027-06"].status == Status.CANCELLED  # "Inställt"
    assert found["bu-2027"].status == Status.TENTATIVE and found["bu-2027"].all_day


def test_csv_from_a_local_file(tmp_path: Path) -> None:
    (tmp_path / "plan.csv").write_text("Namn,Dag\nKS,18.01.2027 09:00\nKF,15.02.2027\n",
                                       encoding="utf-8")
    found = events(connector(tmp_path, "csv", "path: plan.csv\ndate_formats: "
                                              "['%d.%m.%Y %H:%M', '%d.%m.%Y']\n"
                                              "fields: {title: Namn, start: Dag}"))
    assert [(e.title, e.start_utc) for e in found] == [
        ("KS", datetime(2027, 1, 18, 8, 0, tzinfo=UTC)),
        ("KF", datetime(2027, 2, 15, 0, 0, tzinfo=UTC))]
    assert all(e.external_uid.startswith("derived-") for e in found)


def test_mapping_helpers_are_pure_and_strict() -> None:
    assert get_path({"a": {"b": [{"c": 1}]}}, "a.b.0.c") == 1
    assert get_path({"a.b": 2}, "a.b") == 2 and get_path({"a": 1}, "a.x") is None
    assert parse_when(1_800_000_000, ["iso"], "UTC") == datetime(2027, 1, 15, 8, 0,
                                                                 tzinfo=UTC)
    with pytest.raises(SkippableRecordError, match="cannot read"):
        parse_when("next Tuesday", ["iso"], "UTC")
    with pytest.raises(SkippableRecordError, match="without title"):
        map_record({"start": "2027-01-01"}, FieldMap(title="name", start="start"),
                   formats=["iso"], tz="UTC", status_map={}, source="s")
