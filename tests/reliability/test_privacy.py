"""Private feeds leak nothing (issue 17 item 7): tokens stay out of the access log, and the
open API does not name private feeds."""

from __future__ import annotations

import logging

from calsync.web.accesslog import RedactTokens, install
from tests.web.conftest import Project


def test_tokens_never_reach_the_access_log() -> None:
    install()
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5555", "GET", "/feeds/secret/s3cr3t-t0ken.ics?x=1",
                                "1.1", 200), None)
    logger = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactTokens) for f in logger.filters)
    assert all(f.filter(record) for f in logger.filters if isinstance(f, logging.Filter))
    line = record.getMessage()
    assert "s3cr3t" not in line and "/feeds/secret/<token>.ics?x=1" in line
    public = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s",
                               ("/feeds/municipal.ics",), None)
    RedactTokens().filter(public)
    assert public.getMessage() == "/feeds/municipal.ics"


def test_open_api_does_not_name_private_feeds(project: Project) -> None:
    listed = [f["name"] for f in project.client.get("/api/feeds").json()]
    assert "secret" not in listed and "municipal" in listed
