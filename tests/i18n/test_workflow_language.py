"""Ack, snooze, won't fix and reopen answer in the reader's language (issue 12): the API
by `?lang=` and Accept-Language like its other endpoints, the CLI by `--lang`; without
either, the config's `language:` (the pilot: sv). On the synced pilot, SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace

from click.testing import CliRunner
from fastapi.testclient import TestClient

from calsync.cli import cli
from calsync.config.schema import ApiTokenConfig
from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.pilotdb import pilot

__all__ = ["pilot"]

TOKEN = "alerts-secret-0123456789"


def _alert(client: TestClient, rule: str) -> dict[str, object]:
    found = client.get("/api/alerts", params={"rule": rule, "lang": "en"}).json()["alerts"]
    assert found, rule
    alert: dict[str, object] = found[0]
    return alert


def _client(runtime: Runtime) -> TestClient:
    """The pilot's API with a coordinator's `alerts` token."""
    token = ApiTokenConfig.model_validate({"token": TOKEN, "scopes": ["alerts"]})
    api = runtime.config.api.model_copy(update={"tokens": {"coordinator": token}})
    with_token = replace(runtime, config=runtime.config.model_copy(update={"api": api}))
    return TestClient(create_app(with_token), headers={"Authorization": f"Bearer {TOKEN}"})


def test_the_api_answers_in_the_requests_language(pilot: Runtime) -> None:
    client = _client(pilot)
    alert = _alert(client, "R13")
    ref = alert["id"]
    english = client.post(f"/api/alerts/{ref}/ack", json={"comment": "on it"},
                          params={"lang": "en"})
    assert english.status_code == 200, english.text
    assert english.json()["language"] == "en"
    assert english.json()["summary"] == alert["summary"]
    swedish = client.post(f"/api/alerts/{ref}/reopen", json={},
                          headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert swedish.json()["language"] == "sv" and swedish.json()["summary"] != alert["summary"]
    assert swedish.headers["vary"] == "Accept-Language"
    snoozed = client.post(f"/api/alerts/{ref}/snooze",
                          json={"until": "2027-01-15T00:00:00+01:00"},
                          headers={"Accept-Language": "en"})
    assert snoozed.json()["language"] == "en" and snoozed.json()["workflow"] == "snoozed"
    assert client.post(f"/api/alerts/{ref}/wontfix", json={}).json()["language"] == "sv"
    bad = client.post(f"/api/alerts/{ref}/reopen", json={}, params={"lang": "xx"})
    assert bad.status_code == 422
    assert client.get(f"/api/alerts/{ref}").json()["workflow"] == "wont_fix"  # unchanged
    assert client.post(f"/api/alerts/{ref}/reopen", json={}).status_code == 200


def test_the_cli_answers_in_lang_or_the_configs_language(pilot: Runtime) -> None:
    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["alerts", *args], obj={"runtime": pilot})
        return result.exit_code, result.output

    alerts = json.loads(run("--format", "json")[1])
    ref = str(next(a["id"] for a in alerts if a["rule"] == "R4"))
    assert run("ack", ref, "--by", "anna") == (0, f"Larm {ref} är nu kvitterat.\n")
    assert run("reopen", ref, "--lang", "en") == (0, f"Alert {ref} is now open again.\n")
    code, out = run("snooze", ref, "--until", "2027-01-15")
    assert code == 0 and out == f"Larm {ref} är pausat till 2027-01-15 23:59 " \
                                "(Europe/Stockholm).\n"
    code, out = run("wontfix", ref, "--lang", "en")
    assert out == f"Alert {ref} is now closed as won't fix.\n"
    code, out = run("reopen", ref, "--format", "json", "--lang", "en")
    english = json.loads(out)
    code, out = run("ack", ref, "--format", "json")
    swedish = json.loads(out)
    assert (english["language"], swedish["language"]) == ("en", "sv")
    assert english["summary"] != swedish["summary"] and swedish["workflow"] == "acknowledged"
    assert run("reopen", ref, "--lang", "de")[0] == 2
