"""The dashboard's first render on the pilot (issue 16: "first render under 1 s on this
machine"): the pilot of the browser tests (tests/browser/pilotdata.py: the shipped
config, its example connectors and the built-in cycles, synced into SQLite from
upstreams on 127.0.0.1) served by uvicorn, each page fetched

- over HTTP (the whole HTML answer), against `/api/events` for the same view's events
  as JSON (the data alone) measured interleaved with it;
- in headless Chromium (Debian's, through Playwright), a new context each time (no
  cache), up to the load event, against the sign-in page (the same frame, script and
  styles without the timeline's data): what the person waits for.

Then where a render's time goes, in-process: the view's events, the alert cards, the
sources panel, the layout and the template (median of the same repetitions).

    .venv/bin/python bench/area_dashboard.py           # the figures, printed
    .venv/bin/python bench/area_dashboard.py --serve   # the pilot on a port, to look at
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from figures import Figure, Report, interleave, timed  # noqa: E402

AREA = "Dashboard first render (pilot)"
CHROMIUM = "/usr/bin/chromium"
VIEWS = {  # name -> (page, the same events from the JSON API)
    "timeline, year": ("/", "/api/events?from=2027-01-01&to=2027-12-31&limit=1000"),
    "timeline, programme period": (
        "/?zoom=period", "/api/events?from=2021-01-01&to=2027-12-31&limit=1000"),
    "organisation agenda": ("/org/Vindelns kommun",
                            "/api/events?actor=Vindeln&from=2027-03-01&to=2028-03-01"),
}


@dataclass
class Served:
    url: Callable[[str], str]
    runtime: Any


@contextlib.contextmanager
def pilot() -> Iterator[Served]:
    """The browser tests' pilot, synced and evaluated, served on 127.0.0.1."""
    from tests.browser.pilotdata import NOW, UPSTREAMS
    from tests.pilot.harness import Pilot
    from tests.reliability.conftest import serving
    from tests.server import RecordingServer

    with tempfile.TemporaryDirectory(prefix="calsync-dashboard-") as tmp, \
            RecordingServer() as upstream:
        site = Pilot(Path(tmp) / "pilot", upstream, NOW)
        engine = site.fresh_engine()
        site.run(UPSTREAMS, NOW, engine)
        runtime = site.runtime(engine, NOW)
        with serving(runtime) as live:
            yield Served(live.url, runtime)
        engine.dispose()


def _http(client: Any, url: str) -> float:
    def get() -> None:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
    return timed(get) * 1000


def _browser_load(browser: Any, url: str) -> float:
    """ms from navigation start to the load event, in a fresh context (cold cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    try:
        tab = context.new_page()
        tab.goto(url, wait_until="load")
        timing = tab.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
        return float(timing["loadEventEnd"] - timing["startTime"])
    finally:
        context.close()


def measure(report: Report, rounds: int) -> None:
    import httpx
    from playwright.sync_api import sync_playwright

    print("  dashboard: syncing the pilot", flush=True)
    with pilot() as served, httpx.Client(timeout=60) as client, \
            sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, headless=True,
                                       args=["--no-sandbox"])
        try:
            for page, api in VIEWS.values():  # warm: templates compiled, caches filled
                _http(client, served.url(page))
                _http(client, served.url(api))
            pairs: list[tuple[Figure, Callable[[], float]]] = []
            signin = report.add(Figure(AREA, "Chromium: /signin (frame, no data) to load",
                                       "ms"))
            pairs.append((signin, lambda: _browser_load(browser, served.url("/signin"))))
            for name, (page, api) in VIEWS.items():
                data = report.add(Figure(AREA, f"HTTP: {api.split('?')[0]} ({name}'s "
                                               "events, JSON)", "ms"))
                html = report.add(Figure(AREA, f"HTTP: {name} ({page.split('?')[0]})",
                                         "ms", baseline=data))
                shown = report.add(Figure(AREA, f"Chromium: {name} to load", "ms",
                                          baseline=signin, target="< 1000 ms",
                                          check=lambda f: f.median < 1000))
                pairs += [(data, lambda a=api: _http(client, served.url(a))),
                          (html, lambda p=page: _http(client, served.url(p))),
                          (shown, lambda p=page: _browser_load(browser, served.url(p)))]
            print(f"  dashboard: {len(pairs)} measurements × {rounds} rounds", flush=True)
            interleave(rounds, *pairs)
        finally:
            browser.close()
        for query in ("", "zoom=period"):
            report.sections.setdefault(AREA, []).extend(
                breakdown(served.runtime, rounds, query))


def breakdown(runtime: Any, rounds: int, query: str = "") -> list[str]:
    """Where a view's render goes (`query` as in the URL), step by step, in-process."""
    import statistics

    steps: dict[str, list[float]] = {}
    sizes = (0, 0)
    for _ in range(rounds):
        sizes = _render_steps(runtime, query, steps)
    total = sum(statistics.median(v) for v in steps.values())
    lines = [f"Where the render of `/?{query}` goes (in-process, median of {rounds}; "
             f"{sizes[0]} events, {sizes[1]} alerts):", ""]
    for name, runs in sorted(steps.items(), key=lambda kv: -statistics.median(kv[1])):
        median = statistics.median(runs)
        lines.append(f"- {median:.0f} ms ({median / total:.0%}) {name}")
    return [*lines, ""]


def _render_steps(runtime: Any, query: str, steps: dict[str, list[float]]
                  ) -> tuple[int, int]:
    """One render of the timeline page, as `calsync.web.pages.routes.timeline_page`
    does it, each step timed into `steps`."""
    from zoneinfo import ZoneInfo

    from starlette.datastructures import QueryParams

    from calsync.config.organisations import Organisations
    from calsync.web.pages.data import alert_cards, source_rows, view_events
    from calsync.web.pages.labels import labels_for
    from calsync.web.pages.render import page
    from calsync.web.pages.timeline import KIND_COLORS, layout, when_text
    from calsync.web.pages.view import ZOOMS, parse_view

    def step(name: str, action: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = action()
        steps.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return value

    config = runtime.config
    now = runtime.clock.now()
    today = now.astimezone(ZoneInfo(config.timezone)).date()
    view = parse_view(QueryParams(query), config, today, "sv")
    first, end = view.span()
    with runtime.engine.connect() as conn:
        events = step("view_events (the subscribe feed's events)",
                      lambda: view_events(conn, config, view, now))
        cards = step("alert_cards (firing alerts, history, silences)",
                     lambda: alert_cards(conn, now, "sv"))
        sources = step("source_rows (the sources panel)", lambda: source_rows(runtime, conn, "sv"))
    shapes = step("layout (the timeline's geometry and labels)", lambda: layout(
        events, [c.alert for c in cards], first=first, end=end,
        levels={k: (v.title, v.color) for k, v in config.levels.items()},
        builtin_sources={n for n, c in runtime.connectors.items() if c.type == "schedules"},
        organisations=Organisations.of(config.organisations), expand=False, today=today,
        tz=config.timezone, lang="sv"))
    marks = sorted(shapes.marks_by_uid.values(), key=lambda m: (m.start, m.title))
    step("template (Jinja2, timeline.html)", lambda: page(
        "timeline.html", t=labels_for("sv"), lang="sv", switch_url="/", session=None,
        csrf="", next="/", can_sign_in=True, view=view, shapes=shapes, events=marks[:500],
        total=len(marks), cards=cards, drawn=set(), sources=sources, zooms=ZOOMS,
        subscribe=view.subscribe_urls(config), config=config,
        period=when_text(first, end), today=today, kind_colors=KIND_COLORS))
    return len(events), len(cards)


def main() -> None:
    if "--serve" in sys.argv:
        with pilot() as served:
            print(served.url("/"), flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
        return
    report = Report()
    report.note_load("at the start")
    measure(report, 5)
    report.note_load("at the end")
    print(report.markdown([]))


if __name__ == "__main__":
    main()
