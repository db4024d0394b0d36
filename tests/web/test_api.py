"""The JSON API, health and metrics, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from calsync.scheduler.worker import Scheduler
from calsync.store import tables
from tests.web.conftest import ADMIN, REGION, SYNCER, TOWN, Project, bearer


def run_scheduler_pass(project: Project) -> list[str]:
    """One dispatch pass of a scheduler instance in this process; the synced sources."""

    async def one_pass() -> list[str]:
        scheduler = Scheduler(project.runtime, engine=project.runtime.engine,
                              instance_id="test")
        claims = await scheduler.dispatch()
        await scheduler.wait_idle()
        await scheduler.shutdown()
        return sorted(c.job for c in claims if not c.job.startswith("__"))

    return asyncio.run(one_pass())


def test_events_filters_and_paging(project: Project) -> None:
    client = project.client
    everything = client.get("/api/events").json()
    assert everything["total"] == len(TOWN) + len(REGION)
    starts = [e["start"] for e in everything["items"]]
    assert starts[0] == "2026-12-14T09:00:00+01:00"  # the source's own offset
    page = client.get("/api/events?limit=2&offset=1").json()
    assert page["total"] == everything["total"] and len(page["items"]) == 2
    assert [e["uid"] for e in page["items"]] == [e["uid"] for e in everything["items"][1:3]]
    regional = client.get("/api/events?level=regional").json()
    assert {e["level"] for e in regional["items"]} == {"regional"}
    ranged = client.get("/api/events", params={"from": "2027-06-01", "to": "2027-06-30"}).json()
    assert [e["title"] for e in ranged["items"]] == ["Kommunfullmäktige",
                                                     "Regionfullmäktige: budget"]
    text = client.get("/api/events?q=erdf").json()
    assert [e["title"] for e in text["items"]] == ["ERDF co-financing decision due"]
    tagged = client.get("/api/events?tag=budget&actor=Region*").json()
    assert [e["title"] for e in tagged["items"]] == ["Regionfullmäktige: budget"]
    deadline = client.get("/api/events?kind=deadline").json()["items"][0]
    assert deadline["all_day"] is True and deadline["end"] == "2027-04-01"


def test_bad_parameters_are_422_with_what_was_wrong(project: Project) -> None:
    client = project.client
    for url, expected in [
        ("/api/events?limit=0", "query.limit: Input should be greater than or equal to 1"),
        ("/api/events?from=next-week", "query.from: expected a date (2026-12-01)"),
        ("/api/events?level=county", "query.level: unknown level"),
        ("/api/events?from=2027-02-01&to=2027-01-01", "query.to: 'to' is before 'from'"),
        ("/api/changes", "query.since: Field required"),
        ("/api/changes?since=yesterday", "or a duration back from now (P7D)"),
    ]:
        response = client.get(url)
        assert response.status_code == 422, url
        body = response.json()
        assert body["error"] == "ValidationError"
        assert expected in body["message"], (url, body["message"])


def test_event_with_its_revision_history(project: Project) -> None:
    client = project.client
    uid = client.get("/api/events?q=Kommunfullm").json()["items"][0]["uid"]
    moved = [dict(e) for e in TOWN]
    moved[1]["start"], moved[1]["end"] = "2027-06-16T13:00:00+02:00", "2027-06-16T18:00:00+02:00"
    project.clock.advance(timedelta(days=2))
    project.write(town=moved)
    project.sync()
    detail = client.get(f"/api/events/{uid}").json()
    assert detail["sequence"] == 1 and detail["start"] == "2027-06-16T13:00:00+02:00"
    [revision] = detail["revisions"]
    assert revision["change"] == "changed" and revision["sequence"] == 1
    assert revision["changes"]["start"] == ["2027-06-14T13:00:00+02:00",
                                            "2027-06-16T13:00:00+02:00"]
    missing = client.get("/api/events/nope@calsync")
    assert missing.status_code == 404 and "no event with uid 'nope@calsync'" in \
        missing.json()["message"]
    changes = client.get("/api/changes?since=P1D").json()
    assert changes["added"] == []
    assert [(r["title"], r["change"]) for r in changes["revisions"]] == [
        ("Kommunfullmäktige", "changed")]
    since_start = client.get("/api/changes", params={"since": "2026-11-01"}).json()
    assert len(since_start["added"]) == len(TOWN) + len(REGION)


def test_timeline_is_grouped_by_month(project: Project) -> None:
    timeline = project.client.get("/api/timeline?from=2026-12-01&to=2027-12-31").json()
    assert timeline["timezone"] == "Europe/Stockholm"
    assert timeline["levels"]["municipal"]["color"]
    months = [(m["month"], m["title"], len(m["events"])) for m in timeline["months"]]
    assert months == [("2026-12", "December 2026", 1), ("2027-02", "February 2027", 1),
                      ("2027-03", "March 2027", 1), ("2027-06", "June 2027", 2),
                      ("2027-10", "October 2027", 1)]
    assert timeline["total"] == 6


def test_sources_report_health(project: Project) -> None:
    sources = {s["name"]: s for s in project.client.get("/api/sources").json()}
    town = sources["town"]
    assert town["title"] == "Umeå kommun" and town["enabled"] is True
    assert town["events"] == len(TOWN) and town["events_by_status"] == {"confirmed": len(TOWN)}
    assert town["last_sync"]["outcome"] == "ok" and town["last_sync"]["added"] == len(TOWN)
    assert town["stale"] is False and town["failing"] is False
    project.write(region={"fail": "retriable"})
    project.sync()
    project.clock.advance(timedelta(days=2))
    sources = {s["name"]: s for s in project.client.get("/api/sources").json()}
    region = sources["region"]
    assert region["failing"] is True and region["stale"] is True
    assert "503" in region["last_error"] and region["error_kind"] == "retriable"
    assert region["last_sync"]["outcome"] == "failed"


def test_admin_sync_needs_a_token_with_the_scope(project: Project) -> None:
    client = project.client
    assert client.post("/api/sources/town/sync").status_code == 401
    assert client.post("/api/sources/town/sync", headers=bearer("x" * 20)).status_code == 401
    changed = [dict(e) for e in TOWN]
    changed[0]["title"] = "Kommunstyrelsen (extra)"
    project.write(town=changed)
    response = client.post("/api/sources/town/sync", headers=bearer(SYNCER))
    assert response.status_code == 202
    result = response.json()
    assert result["source"] == "town" and result["by"] == "robot" and result["request_id"]
    assert "(extra)" not in client.get("/feeds/all.ics").text  # queued, not yet run
    assert "town" in run_scheduler_pass(project)  # a scheduler instance serves it
    assert "(extra)" in client.get("/feeds/all.ics").text
    town = {s["name"]: s for s in client.get("/api/sources").json()}["town"]
    assert town["last_run"]["state"] == "succeeded" and town["last_run"]["outcome"] == "ok"
    assert town["last_sync"]["changed"] == 1 and town["running"] is False
    missing = client.post("/api/sources/nope/sync", headers=bearer(ADMIN))
    assert missing.status_code == 404 and "no connector named 'nope'" in \
        missing.json()["message"]
    # a sync-only token cannot rotate feed tokens
    assert client.post("/api/feeds/secret/rotate-token",
                       headers=bearer(SYNCER)).status_code == 403


def test_every_admin_route_refuses_anonymous_calls(project: Project) -> None:
    schema = project.client.get("/openapi.json").json()
    admin = [(path, method) for path, ops in schema["paths"].items()
             for method, op in ops.items() if "admin" in op.get("tags", [])]
    assert ("/api/sources/{name}/sync", "post") in admin
    for path, method in admin:
        url = path.replace("{name}", "town").replace("{id}", "1")
        response = project.client.request(method.upper(), url)
        assert response.status_code == 401, (method, path)
    assert project.client.get("/docs").status_code == 200


def test_readyz_is_this_instance_and_upstreams_are_healthz_detail(project: Project) -> None:
    client = project.client
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["upstreams"]["ok"] is True
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert set(ready.json()["checks"]) == {"database", "schema"}
    project.clock.advance(timedelta(hours=25))  # past api.stale_after (P1D)
    stale = client.get("/readyz")
    assert stale.status_code == 200  # stale upstreams: still serving the last good data
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["upstreams"]["stale"] == ["region", "town"]
    assert health.json()["upstreams"]["ok"] is False
    assert "stale" in health.json()["upstreams"]["detail"]["town"]
    (project.path / "town.json").write_text("{not json", encoding="utf-8")
    project.sync()
    health = client.get("/healthz").json()["upstreams"]
    assert health["failing"] == ["town"] and health["stale"] == ["town"]  # region synced
    assert health["detail"]["town"].startswith("failing: ")
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics").text
    assert 'calsync_source_failing{source="town"} 1' in metrics
    assert 'calsync_source_failing{source="region"} 0' in metrics
    with project.runtime.engine.begin() as conn:  # a schema behind the code: not ready
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    behind = client.get("/readyz")
    assert behind.status_code == 503 and behind.json()["checks"]["schema"]["ok"] is False


def test_metrics_in_prometheus_format(project: Project) -> None:
    client = project.client
    client.get("/feeds/all.ics")
    client.get("/api/events")
    text = client.get("/metrics")
    assert text.headers["content-type"].startswith("text/plain; version=0.0.4")
    body = text.text
    assert 'calsync_syncs_total{source="town",outcome="ok"} 1' in body
    assert 'calsync_events{level="municipal",status="confirmed"} 4' in body
    assert 'calsync_source_stale{source="town"} 0' in body
    assert "# TYPE calsync_http_request_duration_seconds histogram" in body
    assert ('calsync_http_requests_total{method="GET",route="/feeds/{name}.ics",status="200"} 1'
            in body)
    assert 'calsync_http_request_duration_seconds_count{method="GET",route="/api/events"} 1' \
        in body
    assert 'calsync_feed_event_cache_total{result="miss"} 6' in body
    if hasattr(tables, "alerts"):  # the alerts engine's table: alerts by state
        assert "# TYPE calsync_alerts gauge" in body
    for line in body.splitlines():  # every sample line is `name{labels} number`
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])
