"""The commands a new user runs, on the bundled config, end to end (SQLite)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from calsync.cli import cli
from calsync.runtime import Runtime
from calsync.web.app import create_app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled config and schedules, its database in the temp folder."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'c.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_commands_need_a_migrated_database(project: Path) -> None:
    code, out = run("timeline")
    assert code == 1 and "run `calsync db upgrade`" in out


def test_check_upgrade_sync_timeline(project: Path) -> None:
    assert run("check")[0] == 0
    code, out = run("db", "upgrade")
    assert code == 0 and "migrated" in out
    code, out = run("sync")
    assert code == 0 and "eu-cycles" in out and "national-cycles" in out
    code, out = run("sync")
    assert code == 0 and "not_modified" in out
    code, out = run("timeline", "--from", "2026-01-01", "--to", "2028-12-31", "--format", "json")
    assert code == 0
    found = json.loads(out)
    titles = {e["title"] for e in found}
    assert "General election 2026 - Riksdag, regional and municipal councils" in titles
    assert any(t.startswith("MFF 2028-2034") for t in titles)
    assert {e["level"] for e in found} == {"eu", "national", "regional", "municipal"}
    code, out = run("timeline", "--from", "2026-09-01", "--to", "2026-09-30", "--level",
                    "national")
    # the pilot's config says `language: sv`: titles and month headings in Swedish
    assert code == 0 and "september 2026" in out and "Allmänna val 2026" in out
    code, out = run("timeline", "--from", "2026-09-13", "--to", "2026-09-13", "--format", "ics")
    assert code == 0 and out.startswith("BEGIN:VCALENDAR") and "DTSTART;VALUE=DATE:20260913" in out
    code, out = run("sources")
    assert code == 0 and "eu-cycles" in out and "ok" in out


def test_unknown_connector_name_is_a_clear_error(project: Path) -> None:
    run("db", "upgrade")
    code, out = run("sync", "--connector", "riksdagen")
    assert code == 1 and "no connector named 'riksdagen'" in out and "eu-cycles" in out


def test_served_feed_and_health(project: Path) -> None:
    run("db", "upgrade")
    run("sync")
    client = TestClient(create_app(Runtime.load(project / "config.yaml")))
    assert client.get("/healthz").json()["status"] == "ok"
    response = client.get("/feeds/all.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    # the pilot speaks Swedish; ?lang=en gives the same feed in English
    assert "X-WR-CALNAME:calsync: alla nivåer" in body
    assert "SUMMARY:Allmänna val 2026" in body
    assert "SUMMARY:Slutar: EU:s långtidsbudget (MFF) 2021–2027" in body
    english = client.get("/feeds/all.ics?lang=en").text
    assert "X-WR-CALNAME:calsync: all levels" in english
    assert "SUMMARY:General election 2026" in english and "SUMMARY:Ends: MFF 2021-2027" in english
    national = client.get("/feeds/national.ics").text
    assert "Allmänna val 2026" in national and "långtidsbudget" not in national
    missing = client.get("/feeds/nope.ics")
    assert missing.status_code == 404
    assert "det finns inget flöde som heter 'nope'" in missing.json()["message"]
    english_error = client.get("/feeds/nope.ics", headers={"Accept-Language": "en"})
    assert "no feed named 'nope'" in english_error.json()["message"]
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
