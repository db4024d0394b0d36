"""Links back to calsync open the dashboard, not the API's JSON: an alert's links
(annotations, webhook generatorURL), a feed event's URL and the agenda's links land on
the timeline or an organisation's page, and an unknown organisation is a 404 page a
person reads, in their language. Against the served pilot (tests/browser/conftest.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from icalendar import Calendar

from calsync.alerts.store import get_alert
from tests.browser.conftest import Dashboard
from tests.browser.test_dashboard import r1_alert_id


def _html(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_an_alerts_links_open_the_timeline_at_the_alert_and_its_events(
        dashboard: Dashboard, page: Any) -> None:
    alert_id = r1_alert_id(dashboard)
    base = dashboard.runtime.config.server.base_url
    with dashboard.engine.connect() as conn:
        alert = get_alert(conn, alert_id)
    subject = alert.annotations["subject_link"]
    assert subject == f"{base}/events/{quote(alert.labels['subject_uid'], safe='@')}"
    # the alert's own link: the timeline around its subject, the alert's card there
    page.goto(dashboard.url(f"/alerts/{alert_id}"))
    assert "/?zoom=month&at=" in page.url and page.url.endswith(f"#alert-{alert_id}")
    assert page.locator(f"#alert-{alert_id}").count() == 1
    # the event link of the annotation: the event's month, its row there
    page.goto(subject.replace(base, dashboard.url("").rstrip("/")))
    assert page.url.endswith(f"#ev-{alert.labels['subject_uid']}")
    assert page.locator(f"tr[data-uid='{alert.labels['subject_uid']}']").count() == 1


def test_feed_and_agenda_links_are_dashboard_pages(dashboard: Dashboard) -> None:
    base = dashboard.runtime.config.server.base_url
    local = dashboard.url("").rstrip("/")
    ics = httpx.get(dashboard.url("/feeds/all.ics"))
    ours = [str(e["URL"]) for e in Calendar.from_ical(ics.content).walk("VEVENT")
            if str(e.get("URL", "")).startswith(base)]
    assert ours, "no feed event links back to calsync"
    assert all(u.startswith(f"{base}/events/") for u in ours)
    landed = httpx.get(ours[0].replace(base, local), follow_redirects=True)
    uid = ours[0].rsplit("/", 1)[1]
    assert f'id="ev-{uid}"'.replace("%40", "@") in _html(landed)
    agenda = httpx.get(dashboard.url("/api/agenda"),
                       params={"org": "Vindelns kommun", "from": "today", "to": "+P365D"})
    assert agenda.status_code == 200
    links = [v for v in _walk(agenda.json()) if isinstance(v, str) and v.startswith(base)]
    assert links and not [v for v in links if "/api/" in v]


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _walk(v)]
    if isinstance(value, list):
        return [x for v in value for x in _walk(v)]
    return [value]


def test_unknown_org_and_alert_are_html_404_pages_in_the_readers_language(
        dashboard: Dashboard) -> None:
    swedish = httpx.get(dashboard.url("/org/Ingen kommun"))
    assert swedish.status_code == 404
    assert swedish.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in swedish.text and "Ingen kommun" in swedish.text
    assert "dashboard.css" in swedish.text  # the dashboard's frame, not a bare error
    english = httpx.get(dashboard.url("/org/Ingen kommun?lang=en"))
    assert english.status_code == 404 and "No organisation named" in english.text
    assert "Not found" in english.text
    alert = httpx.get(dashboard.url("/alerts/999999"), headers={"Accept-Language": "en"})
    assert alert.status_code == 404 and "No alert number 999999" in alert.text
    event = httpx.get(dashboard.url("/events/nope@calsync"))
    assert event.status_code == 404 and event.headers["content-type"].startswith("text/html")
    # the API's 404 stays JSON
    assert httpx.get(dashboard.url("/api/alerts/999999")).headers["content-type"].startswith(
        "application/")
