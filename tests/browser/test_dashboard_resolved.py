"""A resolved alert's link still shows the alert: the municipality moves its late
co-financing decision before the call closes, the next sync and evaluation resolve R1,
and the alert's link (/alerts/<id>, from an e-mail sent while it fired) lands on the
timeline with the alert's card, marked resolved, with when and why. Through the path
users take: upstream → sync → store → rules → page (tests/browser/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from calsync.alerts.store import get_alert
from tests.browser.conftest import Dashboard
from tests.browser.pilotdata import LATE, NOW, UPSTREAMS
from tests.browser.test_dashboard import r1_alert_id
from tests.pilot.upstream import Upstreams


@pytest.fixture(scope="module")
def resolved(dashboard: Dashboard) -> Iterator[int]:
    """R1's alert id, after the decision moved to 2027-04-28 (before the call's
    2027-05-14) upstream and the pilot synced and evaluated again. Module-scoped and
    requested before `page`, so its asyncio.run() runs before Playwright's loop."""
    alert_id = r1_alert_id(dashboard)
    moved = Upstreams([replace(i, start="2027-04-28") if i.title == LATE else i
                       for i in UPSTREAMS.items])
    outcome = dashboard.pilot.run(moved, NOW, dashboard.engine)
    assert not outcome.of("R1"), "R1 still fires after the decision moved"
    with dashboard.engine.connect() as conn:
        assert get_alert(conn, alert_id).status == "resolved"
    yield alert_id


def test_a_resolved_alerts_link_shows_it_marked_resolved_with_when_and_why(
        resolved: int, dashboard: Dashboard, page: Any) -> None:
    page.goto(dashboard.url(f"/alerts/{resolved}?lang=en"))
    assert page.url.endswith(f"#alert-{resolved}") and f"alert={resolved}" in page.url
    card = page.locator(f"#alert-{resolved}")
    assert card.count() == 1
    assert "resolved" in (card.get_attribute("class") or "")
    note = card.locator(".resolved-note").inner_text()
    assert "resolved" in note.lower() and "2027-03-01" in note, note  # when (the sync)
    assert "misalignment is gone" in note, note                      # why
    # no line is drawn for it (nothing is out of step any more), and no workflow buttons
    assert page.locator(f"a.finding[data-alert='{resolved}']").count() == 0
    assert card.locator(".actions").count() == 0
    # in Swedish too (the pilot's default)
    swedish = httpx.get(dashboard.url(f"/alerts/{resolved}"), follow_redirects=True)
    assert swedish.status_code == 200
    assert 'class="badge h-ok">löst' in swedish.text
    assert "avvikelsen är borta" in swedish.text
    # the timeline without the link does not list it among the firing ones
    plain = httpx.get(dashboard.url("/?zoom=month&at=2027-05-01"))
    assert f'id="alert-{resolved}"' not in plain.text
