"""A real calsync for the dashboard's browser tests: the pilot (tests/browser/pilotdata.py)
synced into SQLite, served by uvicorn on a free 127.0.0.1 port, and Debian's chromium
driven by Playwright (never a browser Playwright downloads). Screenshots go to
tests/artifacts/ (git-ignored), named after the test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from calsync.runtime import Runtime
from tests.browser.pilotdata import NOW, UPSTREAMS
from tests.pilot.harness import Pilot
from tests.reliability.conftest import LiveServer, serving
from tests.server import RecordingServer

CHROMIUM = os.environ.get("CALSYNC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ADMIN_SECRET = "dashboard-test-secret-0123456789"


@dataclass
class Dashboard:
    """The served pilot: its runtime (engine, config, clock) and the live server."""

    runtime: Runtime
    engine: Engine
    live: LiveServer
    pilot: Pilot  # publishes and syncs another case into `engine` (pilot.run)

    def url(self, path: str) -> str:
        return self.live.url(path)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """Module-scoped, like `browser`: the token variable and the server end with the
    browser tests instead of leaking into the rest of the session."""
    folder = tmp_path_factory.mktemp("dashboard")
    with pytest.MonkeyPatch.context() as env, RecordingServer() as upstream:
        env.setenv("CALSYNC_TOKEN_COORDINATOR", ADMIN_SECRET)
        pilot = Pilot(folder / "pilot", upstream, NOW)
        with (pilot.config_path.open("a", encoding="utf-8")) as extra:
            extra.write("\napi:\n  tokens:\n    coordinator:\n"
                        "      token: ${CALSYNC_TOKEN_COORDINATOR}\n      scopes: [alerts]\n")
        engine = pilot.fresh_engine()
        outcome = pilot.run(UPSTREAMS, NOW, engine)
        assert outcome.of("R1"), "the pilot's known misalignment (R1) did not fire"
        runtime = pilot.runtime(engine, NOW)
        with serving(runtime) as live:
            yield Dashboard(runtime, engine, live, pilot)
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread
    while it is open, which would break every later test that calls asyncio.run()."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/bootstrap --test (apt-get install "
                    "chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test; a screenshot of its last state is
    saved as tests/artifacts/<test>.png."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    try:
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), timeout=15_000)
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/bootstrap --test (npm ci in tests/browser)")
    return AXE.read_text(encoding="utf-8")


