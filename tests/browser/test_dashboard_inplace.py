"""The timeline read and tried in place, in a real browser against the served pilot
(tests/browser/conftest.py): events carry their titles beside their marks where there is
room (the whole title on hover and focus, and in the list), and a what-if, a moved or
an added step, is drawn on the lanes and in the alert list until it is discarded."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Dashboard
from tests.browser.pilotdata import CALL, LATE
from tests.browser.test_dashboard import _artifact, r1_alert_id


def test_events_are_labelled_beside_their_marks_where_room_allows(dashboard: Dashboard,
                                                                  page: Any) -> None:
    page.goto(dashboard.url("/?zoom=month&at=2027-06-08"))
    late = page.locator("a.ev", has=page.locator("title", has_text=LATE)).first
    label = late.locator("text.ev-label")
    assert label.count() == 1
    text = label.text_content() or ""
    # the title, cut with an ellipsis only when the room before the next mark is short
    assert text == LATE or (text.endswith("…") and LATE.startswith(text[:-1])), text
    labels = page.locator("svg#timeline text.ev-label")
    assert labels.count() >= 3
    # no label runs into another mark's point or label of its row (bars are background)
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll(
        'svg#timeline g.lane a.ev')).map(a => {
          const s = a.querySelector('circle, rect').getBBox();
          const l = a.querySelector('text.ev-label');
          const b = l ? l.getBBox() : null;
          const point = a.querySelector('circle') !== null;
          return {y: Math.round(s.y + s.height / 2), shape: point ? [s.x, s.x + s.width] : null,
                  label: b ? [b.x, b.x + b.width] : null};
        })""")
    for n, box in enumerate(boxes):
        if box["label"] is None:
            continue
        x1, x2 = box["label"]
        for m, other in enumerate(boxes):
            if m == n or other["y"] != box["y"]:
                continue
            for span in (other["shape"], other["label"]):
                assert span is None or x2 <= span[0] + 1 or span[1] <= x1 + 1, (box, other)
    # the whole title under the chart when a mark is focused (tooltips are mouse-only)
    late.focus()
    expect(page.locator("#mark-info")).to_contain_text(LATE)
    # at a year's zoom some marks are too close for a label: the list still has them all
    page.goto(dashboard.url("/?zoom=year&at=2027-06-08&lang=en"))
    marks = page.locator("svg#timeline g.lane a.ev").count()
    assert 0 < page.locator("svg#timeline g.lane text.ev-label").count() < marks
    assert page.locator("#event-table tbody tr").count() >= marks
    assert "Tab key" in page.locator("#timeline-help").inner_text()
    assert page.locator("svg#timeline").get_attribute("aria-describedby") == "timeline-help"


def test_a_hypothetical_step_is_drawn_in_place_and_discarded(dashboard: Dashboard,
                                                            page: Any) -> None:
    alert_id = r1_alert_id(dashboard)
    page.goto(dashboard.url("/?zoom=quarter&at=2027-05-01&lang=en"))
    lines_before = page.locator("a.finding").count()
    cards_before = page.locator("ol.alerts li.alert").count()
    # the coordinator picks the late decision and adds a step like it, after the call
    page.locator("#event-table tr", has_text=LATE).locator(".whatif-open").click()
    page.fill("#whatif-add-title", "Extra co-financing decision")
    page.fill("#whatif-add-date", "2027-06-21")
    page.click("#whatif-add-try")
    r1 = page.locator("#whatif-verdicts li[data-rule='R1']")
    expect(r1).to_contain_text("new finding", timeout=60_000)
    # drawn in place: the step on the municipal lane, a dashed line to the call, a card
    step = page.locator("#whatif-layer g.hypo")
    assert step.count() == 1 and "Extra co-financing decision" in (step.text_content() or "")
    municipal = float(page.locator("g.lane[data-lane=municipal]").get_attribute("data-y"))
    assert float(step.locator("circle").get_attribute("cy")) == municipal + 11
    new_line = page.locator("#whatif-layer line.finding-new[data-rule='R1']")
    assert new_line.count() >= 1
    call = page.locator("a.ev", has=page.locator("title", has_text=CALL)).first
    call_x = float(call.locator("circle, rect").first.get_attribute("cx")
                   or call.locator("rect").first.get_attribute("x"))
    assert abs(float(new_line.first.get_attribute("x2")) - call_x) < 30
    hypothetical = page.locator("ol.alerts li.alert.hypothetical")
    assert hypothetical.count() >= 1
    assert "What if: new misalignment" in hypothetical.first.inner_text()
    # the real alert and its line are untouched: the late decision is still late
    assert page.locator(f"#alert-{alert_id}.would-clear").count() == 0
    page.locator("svg#timeline").screenshot(path=str(_artifact("whatif-in-place.png")))
    # discarded: the page is as it was
    page.click("#whatif-discard")
    assert page.locator("#whatif-layer > *").count() == 0
    assert page.locator("ol.alerts li.alert.hypothetical").count() == 0
    assert page.locator("a.finding").count() == lines_before
    assert page.locator("ol.alerts li.alert").count() == cards_before
    # the store is untouched: the same page from the server has no trace of the step
    page.reload()
    assert "Extra co-financing decision" not in page.content()


def test_a_move_that_clears_a_misalignment_strikes_it_out_in_place(dashboard: Dashboard,
                                                                   page: Any) -> None:
    alert_id = r1_alert_id(dashboard)
    page.goto(dashboard.url("/?zoom=quarter&at=2027-05-01&lang=en"))
    page.locator("#event-table tr", has_text=LATE).locator(".whatif-open").click()
    page.fill("#whatif-date", "2027-04-27")  # before the call closes
    page.click("#whatif-try")
    expect(page.locator("#whatif-verdicts li[data-rule='R1']")).to_contain_text(
        "goes away", timeout=60_000)
    assert page.locator(f"a.finding.would-clear[data-alert='{alert_id}']").count() == 1
    card = page.locator(f"#alert-{alert_id}.would-clear")
    assert card.count() == 1
    assert "goes away" in card.locator(".whatif-note").inner_text()
    assert page.locator("#whatif-layer g.hypo").count() == 1  # the moved step, dashed
    page.keyboard.press("Escape")                              # closing discards too
    assert page.locator(".would-clear").count() == 0
    assert page.locator("#whatif-layer > *").count() == 0
