"""Reloads under load: clients hammering a feed and /api/events through several reloads
(each way in, feeds and connectors coming and going, a feed's title changing) see no
failed request, and see the new config once it is applied."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from tests.reload.support import Instance, Project, wait_for


class Hammer(threading.Thread):
    """Requests `path` over one keep-alive connection until stopped; keeps every failure."""

    def __init__(self, base: str, path: str) -> None:
        super().__init__(daemon=True)
        self.base, self.path = base, path
        self.stopping = threading.Event()
        self.done = 0
        self.failures: list[str] = []
        self.titles: set[str] = set()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stopping.is_set():
                try:
                    answer = client.get(self.path)
                except httpx.HTTPError as exc:
                    self.failures.append(f"{exc.__class__.__name__}: {exc}")
                    continue
                if answer.status_code != 200:
                    self.failures.append(f"{answer.status_code}: {answer.text[:200]}")
                elif self.path.endswith(".ics"):
                    self.titles |= {line.split(":", 1)[1].strip() for line in
                                    answer.text.splitlines() if line.startswith("X-WR-CALNAME")}
                self.done += 1


def _reload(project: Project, serve: Instance, how: str) -> None:
    before = serve.config()["generation"]
    if how == "SIGHUP":
        serve.hup()
    elif how == "endpoint":
        assert serve.post("/api/config/reload").status_code == 200
    else:
        done = project.run("reload")
        assert done.returncode == 0, done.stdout + done.stderr
    wait_for(f"the reload by {how}", lambda: serve.config()["generation"] > before)


def test_reloads_under_load_fail_no_request(tmp_path: Path) -> None:
    project = Project(tmp_path)
    serve = project.serve()
    hammers = [Hammer(serve.base, "/feeds/town.ics"), Hammer(serve.base, "/api/events"),
               Hammer(serve.base, "/api/events?level=regional")]
    try:
        for hammer in hammers:
            hammer.start()
        ways = ["SIGHUP", "endpoint", "cli", "SIGHUP", "endpoint", "cli"]
        for i, how in enumerate(ways):
            more = ["town", "region"] if i % 2 == 0 else ["town"]
            project.write(connectors=more, feeds=more, title=f"feed v{i}")
            _reload(project, serve, how)
            wait_for(f"v{i}'s title in the feed", lambda i=i: f"Town feed v{i}" in
                     serve.get("/feeds/town.ics").text)
        counts = [h.done for h in hammers]
        print(f"requests per client through {len(ways)} reloads: {counts}")
    finally:
        for hammer in hammers:
            hammer.stopping.set()
        for hammer in hammers:
            hammer.join(timeout=60)
        serve.stop()
    assert [h.failures for h in hammers] == [[], [], []]
    assert min(counts) >= 20, counts  # the load really ran through the reloads
    assert len(hammers[0].titles) >= 3, hammers[0].titles  # it saw the config change
    assert serve.proc.returncode == 0
