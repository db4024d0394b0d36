"""/docs in a real browser with no way out: headless Chromium, every host but 127.0.0.1
made unresolvable, renders Swagger UI with every operation of the document. A page that
needed a CDN would stay blank here, as it did on a network without internet."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.reliability.conftest import serving
from tests.web.conftest import Project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_swagger_ui_renders_every_operation_without_a_network(project: Project) -> None:
    assert CHROMIUM, "the docs test needs Chromium: scripts/bootstrap --test installs it"
    with serving(project.runtime) as live:
        doc = project.client.get("/openapi.json").json()
        operations = sum(
            1
            for ops in doc["paths"].values()
            for m in ops
            if m in ("get", "post", "put", "patch", "delete")
        )
        done = subprocess.run(
            [
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=20000",
                "--dump-dom",
                live.url("/docs"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    rendered = re.findall(r'class="opblock opblock-(get|post|put|patch|delete)', dom)
    assert len(rendered) == operations, (len(rendered), operations, dom[:2000])
    assert "calsync" in dom and "Failed to load API definition" not in dom
