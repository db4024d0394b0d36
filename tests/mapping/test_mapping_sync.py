"""Mapping rules through real connectors, the sync and the store (SQLite and PostgreSQL):
attributes from constants, captures from any field, typed values, counted failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from calsync.cli.sync import summary_rows
from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.store.events import list_events
from calsync.sync import SyncReport
from tests.mapping.served import Served, calendar, serve

ICAL_CONFIG = """\
connectors:
  skelleftea-kf:
    type: ical
    url: {url}
    level: municipal
    actor: Skellefteå kommun
    kind: meeting
    attrs: {{org: kommun-2482, fund_period: 2021-2027}}
    mapping:
      - field: title
        matches: '(?i)^budget (?P<budget_year>\\d{{4}})'
        kind: budget
        tags: [budget-adoption]
        attrs: {{process: budget, step: council-adoption, period: "{{budget_year}}"}}
      - field: categories
        matches: Medfinansiering
        kind: decision
        tags: [co-financing]
        capture:
          programme: {{field: description, regex: 'Program: ([^\\n]+)'}}
          decided_on: {{field: description, regex: 'beslut (\\S+)', type: date,
                       format: '%d.%m.%Y'}}
      - {{field: organizer, equals: Kommunstyrelsen, tags: [ks]}}
"""

VEVENTS = [
    """UID:budget-2028
DTSTART;VALUE=DATE:20271210
SUMMARY:Budget 2028 och plan 2029-2030
CATEGORIES:Kommunfullmäktige
ORGANIZER;CN=Kommunfullmäktige:mailto:kf@example.org""",
    """UID:cofin-1
DTSTART;VALUE=DATE:20270614
SUMMARY:Medfinansiering av projekt Norrsken
CATEGORIES:Kommunstyrelsen,Medfinansiering
DESCRIPTION:Program: ERDF Övre Norrland\\nbeslut 14.06.2027
ORGANIZER;CN=Kommunstyrelsen:mailto:ks@example.org""",
    """UID:cofin-2
DTSTART;VALUE=DATE:20270615
SUMMARY:Medfinansiering utan program
CATEGORIES:Medfinansiering
DESCRIPTION:beslut 31.02.2027""",
]


@pytest.fixture
def ical() -> Iterator[Served]:
    with serve() as served:
        served.body = calendar(*VEVENTS)
        yield served


def runtime(tmp_path: Path, engine: Engine, clock: FixedClock, text: str) -> Runtime:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return Runtime.from_config(load_config(path), clock=clock, engine=engine)


def sync(rt: Runtime) -> SyncReport:
    [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    return report


def stored(rt: Runtime) -> dict[str, Any]:
    with rt.engine.connect() as conn:
        return {e.external_uid: e for e in list_events(conn)}


def test_ical_mapping_sets_attributes_from_constants_captures_and_any_field(
        ical: Served, tmp_path: Path, engine: Engine, clock: FixedClock) -> None:
    rt = runtime(tmp_path, engine, clock, ICAL_CONFIG.format(url=ical.url))
    report = sync(rt)
    assert (report.outcome, report.added, report.skipped) == ("ok", 3, 0)
    got = stored(rt)
    budget = got["budget-2028"].data
    assert budget.kind == "budget" and "budget-adoption" in budget.tags
    assert budget.attrs == {"org": "kommun-2482", "fund_period": "2021-2027",
                            "category": "Kommunfullmäktige",
                            "categories": "Kommunfullmäktige", "budget_year": "2028",
                            "process": "budget", "step": "council-adoption",
                            "period": "2028"}
    assert "ks" not in budget.tags  # its organizer is the council
    cofin = got["cofin-1"].data
    assert cofin.kind == "decision" and set(cofin.tags) == {"co-financing", "ks"}
    assert cofin.attrs["programme"] == "ERDF Övre Norrland"
    assert cofin.attrs["decided_on"] == "2027-06-14"  # typed: ISO date
    # 31 February is no date and the programme is missing: the event stays, without both
    failed = got["cofin-2"].data
    assert failed.kind == "decision" and "programme" not in failed.attrs
    assert "decided_on" not in failed.attrs
    assert report.capture_failed == 2
    assert any("'31.02.2027' is not a date" in r for r in report.capture_reasons)


def test_the_sync_summary_counts_failed_captures(
        ical: Served, tmp_path: Path, sqlite_engine: Engine, clock: FixedClock) -> None:
    rt = runtime(tmp_path, sqlite_engine, clock, ICAL_CONFIG.format(url=ical.url))
    columns, rows = summary_rows([sync(rt)])
    headers = [c.header for c in columns]
    assert "capture failed" in headers
    assert [row[headers.index("capture failed")] for row in rows] == ["2"]


JSON_CONFIG = """\
connectors:
  projekt:
    type: json
    path: projekt.json
    records: data
    fields: {uid: id, title: namn, start: slutdatum}
    level: national
    actor: Tillväxtverket
    kind: deadline
    attrs: {fund_period: 2021-2027}
    mapping:
      - capture:
          programme: {field: program.namn}
          project_end: {field: slutdatum, type: date}
          budget_year: {field: record.budget.year, regex: '\\d+', type: int}
      - {field: typ, equals: Slututbetalning, tags: [last-payment],
         attrs: {fund_period: 2028-2034}}
"""

PROJECTS = {"data": [
    {"id": "p1", "namn": "Norrsken", "slutdatum": "2030-02-15", "typ": "Slututbetalning",
     "program": {"namn": "ERDF Övre Norrland"}, "budget": {"year": " 02030 "}},
    {"id": "p2", "namn": "Polstjärnan", "slutdatum": "2029-06-30", "typ": "Projekt",
     "program": {"namn": "ESF+"}, "budget": {"year": "okänt"}},
]}


def test_json_field_paths_connector_defaults_and_overrides(
        tmp_path: Path, engine: Engine, clock: FixedClock) -> None:
    (tmp_path / "projekt.json").write_text(json.dumps(PROJECTS), encoding="utf-8")
    rt = runtime(tmp_path, engine, clock, JSON_CONFIG)
    report = sync(rt)
    assert (report.added, report.capture_failed) == (2, 1)
    got = stored(rt)
    p1, p2 = got["p1"].data, got["p2"].data
    assert p1.attrs == {"fund_period": "2028-2034", "programme": "ERDF Övre Norrland",
                        "project_end": "2030-02-15", "budget_year": "2030"}
    assert p1.tags == ("last-payment",)
    assert p2.attrs == {"fund_period": "2021-2027", "programme": "ESF+",
                        "project_end": "2029-06-30"}


def test_check_accepts_the_documented_example(tmp_path: Path) -> None:
    from calsync.cli import cli

    (tmp_path / "projekt.json").write_text(json.dumps(PROJECTS), encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(JSON_CONFIG, encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(path), "check"])
    assert result.exit_code == 0, result.output


CSV_CONFIG = """\
connectors:
  kommun-plan:
    type: csv
    path: plan.csv
    delimiter: ";"
    fields: {title: Organ, start: Datum}
    level: municipal
    actor: Vindelns kommun
    kind: meeting
    mapping:
      - {field: Ärende, matches: '(?i)budget', kind: budget,
         capture: {budget_year: {field: Ärende, regex: '(\\d{4})', type: int}}}
"""


def test_csv_columns_are_fields_for_conditions_and_captures(
        tmp_path: Path, sqlite_engine: Engine, clock: FixedClock) -> None:
    (tmp_path / "plan.csv").write_text(
        "Organ;Datum;Ärende\nKF;2027-06-14;Budget 2028\nKS;2027-05-03;Delårsrapport\n"
        "KF;2027-11-22;Budget för nästa år\n", encoding="utf-8")
    rt = runtime(tmp_path, sqlite_engine, clock, CSV_CONFIG)
    report = sync(rt)
    assert (report.added, report.capture_failed) == (3, 1)
    kinds = {(e.data.kind, e.data.attrs.get("budget_year")) for e in stored(rt).values()}
    assert kinds == {("budget", "2028"), ("meeting", None), ("budget", None)}
