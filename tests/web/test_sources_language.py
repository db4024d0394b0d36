"""A source's title is written for people in both languages (`title: {sv, en}`): the
dashboard's sources panel and `/api/sources` name it in the reader's language, on the
synced pilot whose connectors all have both."""

from __future__ import annotations

import re

import yaml
from fastapi.testclient import TestClient

from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.conftest import REPO
from tests.pilotdb import pilot

__all__ = ["pilot"]


def test_every_bundled_connector_has_a_title_in_both_languages() -> None:
    connectors = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))["connectors"]
    one_language = sorted(name for name, c in connectors.items()
                          if not isinstance(c.get("title"), dict)
                          or set(c["title"]) != {"sv", "en"})
    assert not one_language, one_language


def test_panel_and_api_name_sources_in_the_readers_language(pilot: Runtime) -> None:
    client = TestClient(create_app(pilot))
    swedish = client.get("/api/sources", params={"lang": "sv"}).json()
    english = client.get("/api/sources", headers={"Accept-Language": "en"}).json()
    by_name = {s["name"]: s["title"] for s in swedish}
    assert by_name["municipal-cycles"].startswith("Västerbottens 15 kommuner")
    assert {s["name"]: s["title"] for s in english}["municipal-cycles"].startswith(
        "The 15 municipalities")
    panel = client.get("/", params={"lang": "sv"}).text
    rows = re.findall(r'<tr class="src-[a-z]+" id="src-([^"]+)"><th scope="row">([^<]+)<', panel)
    assert rows and dict(rows)["municipal-cycles"] == by_name["municipal-cycles"]
