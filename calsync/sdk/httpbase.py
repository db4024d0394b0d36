"""Base class for connectors that read an HTTP API or feed.

The boring parts live here once, so each connector only says *what* to request and how a
record becomes an event: URL normalisation (webcal:// is https://), the shared client and
per-request timeout from the config, conditional GET against the previous bookmark, the
size limit, JSON decoding with a clear error, and a `check_response` hook for APIs that
report errors in a 200 body (the Singer SDK's `validate_response`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from calsync.errors import FatalFetchError
from calsync.sdk.contract import BaseConnector, FetchContext, NotModified, Options
from calsync.sdk.http import DEFAULT_MAX_BYTES, Fetched, fetch

__all__ = ["HttpConnector", "HttpOptions", "normalise_url"]


class HttpOptions(Options):
    """Options every HTTP connector accepts besides its own."""

    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Extra request headers, e.g. an API key: `{Authorization: ${TOKEN}}`.")
    max_bytes: int = Field(
        DEFAULT_MAX_BYTES, gt=0,
        description="Largest response body accepted, in bytes (a bigger one fails the sync).")


def normalise_url(url: str) -> str:
    """webcal:// and webcals:// are https:// by convention (calendar subscription links)."""
    for scheme in ("webcals://", "webcal://"):
        if url.lower().startswith(scheme):
            return "https://" + url[len(scheme):]
    return url


class HttpConnector(BaseConnector):
    """A connector that talks HTTP only through `self.request` / `self.request_json`."""

    accept: ClassVar[tuple[str, ...]] = ()
    """Content types (prefixes) this connector can read; empty accepts anything."""

    def _http_options(self) -> HttpOptions | None:
        return self.options if isinstance(self.options, HttpOptions) else None

    async def request(self, ctx: FetchContext, url: str, *, conditional: bool = False,
                      method: str = "GET", params: Mapping[str, Any] | None = None,
                      headers: Mapping[str, str] | None = None, files: Any = None,
                      data: Mapping[str, Any] | None = None,
                      accept: tuple[str, ...] | None = None) -> Fetched | NotModified:
        """One polite request; `conditional` sends the bookmark's ETag/Last-Modified."""
        opts = self._http_options()
        merged = {**(opts.headers if opts else {}), **(headers or {})}
        fetched = await fetch(
            ctx.http, normalise_url(url), connector=self.name, method=method,
            request_timeout=self.config.timeout,
            max_bytes=opts.max_bytes if opts else DEFAULT_MAX_BYTES,
            accept=self.accept if accept is None else accept,
            bookmark=ctx.bookmark if conditional else None, params=params, headers=merged,
            files=files, data=data, now=ctx.clock.now())
        if isinstance(fetched, Fetched):
            self.check_response(fetched)
        return fetched

    async def request_json(self, ctx: FetchContext, url: str, **kwargs: Any) -> Any:
        """A request whose answer must be JSON (never conditional: a 304 is an error)."""
        fetched = await self.request(ctx, url, **kwargs)
        if isinstance(fetched, NotModified):
            raise FatalFetchError("unexpected 304 to an unconditional request",
                                  connector=self.name, url=url)
        return self.decode_json(fetched)

    def decode_json(self, fetched: Fetched) -> Any:
        try:
            return json.loads(fetched.text())
        except ValueError as exc:
            raise FatalFetchError(f"the response is not valid JSON ({exc})",
                                  connector=self.name, url=fetched.url) from None

    def check_response(self, fetched: Fetched) -> None:
        """Hook: raise a ConnectorError for an error reported inside a 2xx body."""
