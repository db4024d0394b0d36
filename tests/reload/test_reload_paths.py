"""A running `calsync serve` takes a new config through each of the three ways in
(SIGHUP, `calsync reload`, `POST /api/config/reload`): new connectors are listed and synced
by its scheduler, new feeds are served, new tokens admit and removed ones no longer do."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reload.support import OTHER, Instance, Project, wait_for


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def _synced(serve: Instance, source: str) -> bool:
    found = serve.get("/api/events", params={"source": source}).json()
    return bool(found["total"] >= 1)


def test_sighup_cli_and_endpoint_each_apply_a_new_connector_and_feed(project: Project) -> None:
    serve = project.serve()
    try:
        wait_for("the first sync", lambda: _synced(serve, "town"))
        assert serve.get("/feeds/region.ics").status_code == 404
        start = serve.config()
        assert start["ok"] and start["generation"] == 0 and start["last_reload"] is None

        # 1. SIGHUP
        project.write(connectors=["town", "region"], feeds=["town", "region"])
        serve.hup()
        wait_for("SIGHUP's region feed", lambda: serve.get("/feeds/region.ics")
                 .status_code == 200)
        assert "region" in serve.sources()
        wait_for("the scheduler to sync the new connector", lambda: _synced(serve, "region"))
        last = serve.config()["last_reload"]
        assert last["applied"] and last["by"] == "SIGHUP"
        assert last["changes"] == {"connectors": {"added": ["region"]},
                                   "feeds": {"added": ["region"]}}
        assert "reloaded (SIGHUP" in serve.log()

        # 2. calsync reload: validates, asks through the database, prints the answer
        project.write(connectors=["town", "region", "eu"], feeds=["town", "region", "eu"])
        done = project.run("reload")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "applied   serve@" in done.stdout and f":{serve.pid} (serve)" in done.stdout
        assert serve.get("/feeds/eu.ics").status_code == 200  # applied before it answered
        wait_for("the scheduler to sync eu", lambda: _synced(serve, "eu"))
        assert "calsync reload at" in serve.config()["last_reload"]["by"]

        # 3. the admin endpoint: tokens follow too (bob added, then ops removed)
        project.write(connectors=["town", "eu"], feeds=["town", "eu"], tokens=("ops", "bob"))
        assert serve.post("/api/config/reload", token=OTHER).status_code == 401
        answer = serve.post("/api/config/reload")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["applied"] and body["by"] == "api:ops"
        assert body["changes"] == {"connectors": {"removed": ["region"]},
                                   "feeds": {"removed": ["region"]},
                                   "tokens": {"added": ["bob"]}}
        assert serve.get("/feeds/region.ics").status_code == 404
        assert "region" not in serve.sources()
        project.write(connectors=["town", "eu"], feeds=["town", "eu"], tokens=("bob",))
        assert serve.post("/api/config/reload", token=OTHER).status_code == 200
        assert serve.post("/api/config/reload").status_code == 401  # ops is gone
        state = serve.config()
        assert state["generation"] == state["newest_generation"] == 4
        assert [i["error"] for i in state["instances"]] == [None]
    finally:
        serve.stop()


def test_the_endpoint_answers_in_swedish_when_asked(project: Project) -> None:
    serve = project.serve("--no-scheduler")
    try:
        answer = serve.client.post(  # type: ignore[union-attr]
            "/api/config/reload?lang=sv", headers={"Authorization": "Bearer "
                                                   + project.env["CALSYNC_RELOAD_ADMIN"]})
        assert answer.status_code == 200
        assert answer.json()["message"].startswith("konfigurationen har lästs om")
    finally:
        serve.stop()
