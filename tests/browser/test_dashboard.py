"""The dashboard in a real browser (Debian's chromium through Playwright) against a
real calsync on 127.0.0.1 serving the pilot (tests/browser/conftest.py): the issue's
list, each test on the user's path from the page to the store and back."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from icalendar import Calendar
from playwright.sync_api import expect

from calsync.alerts.store import get_alert, history, list_alerts
from tests.browser.conftest import ADMIN_SECRET, Dashboard, axe_source
from tests.browser.pilotdata import CALL, CANCELLED, HOSTILE, LATE, NOW


def r1_alert_id(dashboard: Dashboard) -> int:
    with dashboard.engine.connect() as conn:
        found = [a for a in list_alerts(conn, state="firing", now=NOW) if a.rule_id == "R1"]
    assert len(found) == 1
    return found[0].id


def test_root_is_the_dashboard_not_a_json_404(dashboard: Dashboard) -> None:
    response = httpx.get(dashboard.url("/"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert '<html lang="sv">' in response.text  # Swedish by default for the pilot
    english = httpx.get(dashboard.url("/"), headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Misalignments" in english.text


def test_lanes_appear_per_level_and_municipalities_expand(dashboard: Dashboard,
                                                          page: Any) -> None:
    page.goto(dashboard.url("/"))
    lanes = page.locator("svg#timeline g.lane")
    keys = [lanes.nth(i).get_attribute("data-lane") for i in range(lanes.count())]
    assert keys == ["eu", "national", "regional", "municipal"]
    assert page.locator("g.lane[data-lane=municipal] a.ev").count() > 10
    assert page.locator("g.periods a.ev.period").count() >= 1  # periods beneath the lanes
    assert page.locator("g.today line").count() == 1           # today is marked
    # expected (built-in) steps sit in their own row, apart from the actual ones
    assert page.locator("g.lane a.ev.builtin").count() > 0
    assert page.locator("g.lane a.ev:not(.builtin)").count() > 0
    # the cancelled meeting is struck through, in the lane and in the list
    cancelled = page.locator("a.ev.cancelled")
    assert cancelled.count() == 1 and cancelled.locator("line.strike").count() == 1
    assert page.locator("#event-table tr.cancelled s", has_text=CANCELLED).count() == 1
    page.click("#expand")
    page.wait_for_url(re.compile(r"expand=1"))
    expanded = page.locator("svg#timeline g.lane")
    names = [expanded.nth(i).get_attribute("data-lane") for i in range(expanded.count())]
    assert "municipal:Vindelns kommun" in names and "municipal:Umeå kommun" in names
    assert "municipal" not in names


def test_zoom_from_year_to_week_and_back(dashboard: Dashboard, page: Any) -> None:
    page.goto(dashboard.url("/?zoom=year&at=2027-06-08"))
    year = int(page.locator("#event-count").inner_text())
    page.click(".zoom a.zoom-week")
    page.wait_for_url(re.compile(r"zoom=week"))
    week = int(page.locator("#event-count").inner_text())
    assert "2027-06-07" in page.locator("h1 .period").inner_text()
    assert 0 < week < year
    page.click("#later")
    assert "2027-06-14" in page.locator("h1 .period").inner_text()
    page.click(".zoom a.zoom-period")
    assert "2021-01-01" in page.locator("h1 .period").inner_text()


def test_known_misalignment_is_drawn_and_explained_on_click(dashboard: Dashboard,
                                                            page: Any) -> None:
    alert_id = r1_alert_id(dashboard)
    page.goto(dashboard.url("/"))
    line = page.locator(f"a.finding[data-alert='{alert_id}']")
    assert line.count() == 1
    assert "sev-warning" in (line.get_attribute("class") or "")
    # the line joins the call's closing and the late decision
    drawn = line.locator("line.show")
    x1, x2 = float(drawn.get_attribute("x1")), float(drawn.get_attribute("x2"))
    call = page.locator("a.ev", has=page.locator("title", has_text=CALL)).first
    late = page.locator("a.ev", has=page.locator("title", has_text=LATE)).first
    assert call.count() == 1 and late.count() == 1
    assert x1 != x2
    line.locator("line.hit").click(force=True)
    explanation = page.locator("#finding-explanation")
    explanation.wait_for()
    text = explanation.inner_text()
    # The browser asks for Swedish (sv-SE), as the pilot's coordinators do.
    assert "25 dagar efter" in text, text
    assert "Vindelns kommun" in text                 # who can move
    assert "besluta senast 14 maj 2027" in text      # the fix
    # the alert list beside it, filterable by organisation
    page.select_option("#alerts-org", "Umeå kommun")
    page.click(".alert-filter button")
    page.wait_for_url(re.compile(r"alerts_org=Ume"))
    assert page.locator(f"#alert-{alert_id}").count() == 0
    page.select_option("#alerts-org", "Vindelns kommun")
    page.click(".alert-filter button")
    page.wait_for_url(re.compile(r"alerts_org=Vindeln"))
    assert page.locator(f"#alert-{alert_id}").count() == 1


def test_whatif_shows_a_rule_verdict_change(dashboard: Dashboard, page: Any) -> None:
    page.goto(dashboard.url("/"))
    page.locator("#event-table tr", has_text=LATE).locator(".whatif-open").click()
    page.fill("#whatif-date", "2027-04-20")   # before the call closes: R1 is satisfied
    page.click("#whatif-try")
    verdicts = page.locator("#whatif-verdicts li[data-rule='R1']")
    verdicts.wait_for()
    assert "changed" in (verdicts.get_attribute("class") or "")
    assert "försvinner" in verdicts.inner_text()      # the finding goes away
    assert page.locator("#whatif-range").count() == 1
    assert page.locator("#ranges rect.valid-range").count() == 1  # the range on the lane
    page.fill("#whatif-date", "2027-06-20")   # later still: R1 still fires, changed
    page.click("#whatif-try")
    expect(page.locator("#whatif-verdicts li[data-rule='R1']")).to_contain_text(
        "ändras", timeout=60_000)
    assert "försvinner" not in page.locator("#whatif-verdicts").inner_text()


def _feed_uids(body: bytes) -> set[str]:
    calendar = Calendar.from_ical(body)
    return {str(c["UID"]).split("/")[0] for c in calendar.walk("VEVENT")}


def test_filter_changes_url_and_events_and_subscribe_returns_them(dashboard: Dashboard,
                                                                  page: Any) -> None:
    page.goto(dashboard.url("/?lang=en"))
    everything = int(page.locator("#event-count").inner_text())
    page.select_option("#f-level", "municipal")
    page.select_option("#f-kind", "decision")
    page.click("#f-apply")
    page.wait_for_url(re.compile(r"level=municipal"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["level"] == ["municipal"] and query["kind"] == ["decision"]
    rows = page.locator("#event-table tbody tr")
    shown = {rows.nth(i).get_attribute("data-uid") for i in range(rows.count())}
    assert 0 < len(shown) < everything
    assert {rows.nth(i).get_attribute("data-level") for i in range(rows.count())} == \
        {"municipal"}
    webcal = page.locator("#subscribe-webcal").get_attribute("href")
    https = page.locator("#subscribe-url").input_value()
    assert webcal.startswith("webcal://") and webcal[len("webcal://"):] == \
        https.split("://", 1)[1]
    # the configured base URL is the shipped one; ask the live server the same path
    path = "/" + https.split("://", 1)[1].split("/", 1)[1]
    feed = httpx.get(dashboard.url(path))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert _feed_uids(feed.content) == shown


def test_acknowledge_works_signed_in_and_is_refused_signed_out(dashboard: Dashboard,
                                                               page: Any) -> None:
    alert_id = r1_alert_id(dashboard)
    page.goto(dashboard.url("/"))
    assert page.locator(f"#alert-{alert_id} .act-ack").count() == 0  # read-only
    # a forged form post without a session is refused, and changes nothing
    refused = httpx.post(dashboard.url(f"/alerts/{alert_id}/ack"), data={"csrf": "x"})
    assert refused.status_code == 401
    page.click("#signin-link")
    page.fill("#token", "not-the-secret-at-all")
    page.click("#signin-submit")
    assert page.locator("#signin-error").count() == 1
    page.fill("#token", ADMIN_SECRET)
    page.click("#signin-submit")
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    assert page.locator("#signed-in-user").inner_text() == "coordinator"
    cookie = next(c for c in page.context.cookies() if c["name"] == "calsync_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # the session cookie alone is not enough: a cross-site post without the CSRF token
    forged = httpx.post(dashboard.url(f"/alerts/{alert_id}/ack"), data={"csrf": "x"},
                        cookies={"calsync_session": cookie["value"]})
    assert forged.status_code == 403
    page.locator(f"#alert-{alert_id} .act-ack").click()
    page.wait_for_url(re.compile(rf"#alert-{alert_id}$"))
    assert page.locator(f"#alert-{alert_id} .workflow").inner_text() == "kvitterad"
    with dashboard.engine.connect() as conn:
        assert get_alert(conn, alert_id, NOW).workflow == "acknowledged"
        steps = history(conn, alert_id)
    assert any(s.field == "workflow" and s.to_value == "acknowledged"
               and s.actor == "coordinator" for s in steps)
    page.locator(f"#alert-{alert_id} details.history summary").click()
    assert "coordinator" in page.locator(f"#alert-{alert_id} details.history").inner_text()
    page.locator(f"#alert-{alert_id} .act-reopen").click()  # leave it open for the others
    assert page.locator(f"#alert-{alert_id} .workflow").inner_text() == "öppen"


def test_hostile_title_renders_as_text(dashboard: Dashboard, page: Any) -> None:
    page.goto(dashboard.url("/?lang=en"))
    row = page.locator("#event-table tr", has_text="window.__pwned")
    row.scroll_into_view_if_needed()  # the list is laid out as it scrolls into view
    expect(row.locator(".title")).to_have_text(HOSTILE, use_inner_text=True)
    assert page.evaluate("window.__pwned") is None
    row.locator(".whatif-open").click()
    assert page.locator("#panel-title").inner_text() == HOSTILE
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:3]]} for v in result["violations"]]


def test_accessibility_check_passes(dashboard: Dashboard, browser: Any) -> None:
    # axe is injected as a script of the test's own: the page's CSP would refuse it
    laptop = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = laptop.new_page()
        for path in ("/", "/?zoom=week&at=2027-06-08&lang=en", "/org/Vindelns kommun",
                     "/signin"):
            page.goto(dashboard.url(path))
            assert _axe(page) == [], path
        page.goto(dashboard.url("/"))
        page.screenshot(path=str(_artifact("laptop.png")))
    finally:
        laptop.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                bypass_csp=True)
    try:
        tab = phone.new_page()
        tab.goto(dashboard.url("/"))
        assert _axe(tab) == []
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"
        tab.screenshot(path=str(_artifact("phone.png")), full_page=False)
    finally:
        phone.close()


def test_keyboard_reaches_a_misalignment_and_opens_it(dashboard: Dashboard, page: Any
                                                      ) -> None:
    page.goto(dashboard.url("/"))
    line = page.locator("a.finding").first
    line.focus()
    assert page.evaluate("document.activeElement.classList.contains('finding')")
    page.keyboard.press("Enter")
    page.locator("#finding-explanation").wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#panel").is_hidden()


def test_org_agenda_lists_upcoming_steps_and_open_misalignments(dashboard: Dashboard,
                                                                page: Any) -> None:
    alert_id = r1_alert_id(dashboard)
    page.goto(dashboard.url("/org/Vindelns kommun"))
    assert page.locator("ul.agenda-decision li", has_text=LATE).count() == 1
    assert page.locator("ul.agenda-meeting li, ul.agenda-decision li").count() >= 1
    assert page.locator(f"#alert-{alert_id}").count() == 1
    other = httpx.get(dashboard.url("/org/Umeå kommun"))
    assert other.status_code == 200 and f'id="alert-{alert_id}"' not in other.text


def test_sources_panel_shows_each_connector(dashboard: Dashboard, page: Any) -> None:
    page.goto(dashboard.url("/?lang=en"))
    for name in ("eu-cycles", "kommun-beslut", "region-moten"):
        row = page.locator(f"#src-{name}")
        assert row.count() == 1
        assert row.locator(".badge").inner_text() == "ok"
    # a configured connector never synced in this test is shown for what it is
    riksdag = page.locator("#src-riksdag-calendar")
    assert riksdag.locator(".badge").inner_text() in ("disabled", "stale")


def _artifact(name: str) -> Any:
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
