"""An invalid config is refused by every way in, with file:line; the running config keeps
serving, and the refusal shows in the log, `GET /api/config`, `/healthz` and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.reload.support import Instance, Project, wait_for

TYPO_LINE = re.compile(r"config\.yaml:(\d+):\d+: not valid YAML")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def _typo(project: Project) -> tuple[str, int]:
    """The region connector and feed added, with a YAML slip: an unquoted ': ' in a value."""
    text = project.text(connectors=["town", "region"], feeds=["town", "region"])
    lines = text.splitlines()
    at = lines.index("    title: Region feed")
    lines[at] = "    title: Region: feed"
    return "\n".join(lines) + "\n", at + 1


def _refused(serve: Instance) -> list[str]:
    state = serve.config()
    return [] if state["ok"] else list(state["last_reload"]["problems"])


def test_a_yaml_typo_is_refused_and_the_old_config_keeps_serving(project: Project) -> None:
    serve = project.serve("--no-scheduler")
    try:
        text, line = _typo(project)
        project.write_text(text)

        serve.hup()
        problems = wait_for("the refusal in /api/config", lambda: _refused(serve))
        found = TYPO_LINE.search(problems[0])
        assert found is not None and int(found.group(1)) == line, problems
        assert re.search(rf"ERROR calsync.reload: .*NOT reloaded \(SIGHUP\).*config\.yaml:"
                         rf"{line}:", serve.log())
        health = serve.get("/healthz").json()
        assert health["config"]["ok"] is False and health["config"]["problems"] == problems
        # the old config serves on: its feed, not the new one
        assert serve.get("/feeds/town.ics").status_code == 200
        assert serve.get("/feeds/region.ics").status_code == 404
        assert serve.sources() == {"town"}

        answer = serve.post("/api/config/reload")
        assert answer.status_code == 400
        body = answer.json()
        assert body["error"] == "ConfigError" and body["problems"] == problems
        assert "the running one stays" in body["message"]

        done = project.run("reload")
        assert done.returncode == 2
        assert re.search(rf"config\.yaml:{line}:\d+: not valid YAML", done.stderr), done.stderr
        assert serve.config()["newest_generation"] == 0  # nobody was asked to reload it

        project.write(connectors=["town", "region"], feeds=["town", "region"])
        serve.hup()
        wait_for("the fixed config", lambda: serve.config()["ok"])
        assert serve.get("/feeds/region.ics").status_code == 200
        assert serve.get("/healthz").json()["config"] == {
            **serve.get("/healthz").json()["config"], "ok": True, "problems": []}
    finally:
        serve.stop()


def test_what_only_a_running_instance_can_tell_is_refused_there(project: Project) -> None:
    """The CLI's config is valid, but the server cannot apply it: a token whose secret is
    not in the server's environment, and another database. It answers, refused, why."""
    serve = project.serve("--no-scheduler")
    try:
        text = project.text(connectors=["town"], feeds=["town"], tokens=("ops",))
        project.write_text(text.replace("${CALSYNC_RELOAD_ADMIN}", "${CALSYNC_RELOAD_NOPE}"))
        done = project.run("reload")
        assert done.returncode == 2, done.stdout + done.stderr
        assert "refused" in done.stdout and "CALSYNC_RELOAD_NOPE" in done.stdout
        assert serve.post("/api/config/reload").status_code == 400  # ops still admits
        assert serve.get("/feeds/town.ics").status_code == 200

        project.write_text(text.replace(project.db_url, project.db_url + ".other"))
        answer = serve.post("/api/config/reload")
        assert answer.status_code == 400
        assert "restart calsync to change it" in answer.json()["problems"][0]
    finally:
        serve.stop()
