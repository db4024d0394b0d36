"""The one HTTP client factory: identifying User-Agent, bounded timeouts and redirects.

Connectors never build clients; calsync creates one per sync round and hands it over in
the FetchContext, so connection pools and politeness settings are shared.
"""

from __future__ import annotations

import httpx

from calsync import __version__

__all__ = ["MAX_REDIRECTS", "USER_AGENT", "make_client"]

USER_AGENT = (f"calsync/{__version__} (+https://github.com/calsync/calsync; "
              "multi-level policy calendar sync)")
MAX_REDIRECTS = 5


def make_client(*, timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None
                ) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        transport=transport,
    )
