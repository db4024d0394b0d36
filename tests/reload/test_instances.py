"""Several instances on one database (two `serve`, one `worker`): a reload asked of one of
them reaches every other through the database generation, each answers, and
`calsync reload` prints every answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.reload.support import Instance, Project, wait_for


def _answers(serve: Instance) -> dict[str, Any]:
    state = serve.config()
    return {i["instance"]: (i["generation"] == state["newest_generation"], i["error"])
            for i in state["instances"]}


def test_every_instance_picks_up_a_reload_asked_of_one(tmp_path: Path, db_url: str) -> None:
    """On SQLite (one file, three processes) and on PostgreSQL."""
    project = Project(tmp_path, db_url)
    a = project.serve()
    b = project.serve("--no-scheduler")
    worker = project.worker()
    try:
        assert {name.rsplit(":", 1)[1] for name in _answers(a)} == {
            str(p.pid) for p in (a, b, worker)}

        project.write(connectors=["town", "region"], feeds=["town", "region"])
        assert a.post("/api/config/reload").status_code == 200  # asked of A only
        wait_for("B to serve the new feed", lambda: b.get("/feeds/region.ics")
                 .status_code == 200)
        assert "region" in b.sources()
        wait_for("every instance to answer", lambda: set(_answers(a).values()) == {
            (True, None)})
        assert "via the database" in b.config()["last_reload"]["by"]
        wait_for("a scheduler to sync the new connector", lambda: b.get(
            "/api/events", params={"source": "region"}).json()["total"] == 1)
        assert "reloaded (api:ops at serve@" in worker.log()

        project.write(connectors=["town", "region", "eu"], feeds=["town", "eu"])
        done = project.run("reload")
        assert done.returncode == 0, done.stdout + done.stderr
        for instance in (a, b, worker):
            assert f":{instance.pid} (" in done.stdout and done.stdout.count("applied") == 3
        assert b.get("/feeds/region.ics").status_code == 404
        assert a.get("/feeds/eu.ics").status_code == 200
        wait_for("eu synced by a scheduler", lambda: a.get(
            "/api/events", params={"source": "eu"}).json()["total"] == 1)

        # SIGHUP to the worker: it applies it, and the servers follow it
        project.write(connectors=["town", "nation"], feeds=["town", "nation"])
        worker.hup()
        for serve in (a, b):
            wait_for("the worker's reload to reach a server", lambda serve=serve: serve.get(
                "/feeds/nation.ics").status_code == 200)
        assert "SIGHUP at worker@" in a.config()["last_reload"]["by"]
        wait_for("nation synced", lambda: a.get(
            "/api/events", params={"source": "nation"}).json()["total"] == 1)
    finally:
        for instance in (worker, b, a):
            instance.stop()
    # A clean stop says goodbye: no instance is left waiting for an answer.
    done = project.run("reload", "--wait", "0")
    assert done.returncode == 0 and "No serve or worker is running" in done.stdout
