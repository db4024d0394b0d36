"""The one HTTP client factory and the one place HTTP outcomes become calsync errors.

Connectors never build clients; calsync creates one per sync round and hands it over in
the FetchContext, so connection pools and politeness settings are shared. Every request a
connector makes goes through `fetch`, which is polite (identifying User-Agent, conditional
GET, timeouts, limited redirects, bounded bodies) and sorts every failure by what the sync
should do next:

- `RetriableFetchError`: timeouts, connection and TLS errors, truncated bodies, 429 (with
  the server's Retry-After) and 5xx: the last good data stays, the sync retries with backoff;
- `FatalFetchError`: other 4xx, too many redirects, a body over the size limit, a
  content type the connector cannot read: retrying will not help until someone looks;
- `NotModified`: 304 to a conditional request.
"""

from __future__ import annotations

import email.utils
import functools
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import certifi
import httpx

from calsync import __version__
from calsync.errors import FatalFetchError, RetriableFetchError
from calsync.sdk.contract import Bookmark, NotModified
from calsync.sdk.redirects import RedirectPolicy

__all__ = ["DEFAULT_MAX_BYTES", "MAX_REDIRECTS", "USER_AGENT", "Fetched", "decode_text", "fetch",
           "make_client", "parse_retry_after"]

USER_AGENT = (f"calsync/{__version__} (+https://github.com/calsync/calsync; "
              "multi-level policy calendar sync)")
MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Loading the CA bundle costs tens of milliseconds; every sync round shares one."""
    return ssl.create_default_context(cafile=certifi.where())


def make_client(*, timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None
                ) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT},
        verify=_tls_context(),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        transport=transport,
    )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful response, read in full (within the size limit)."""

    url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    next_link: str | None = None
    """The `Link: <…>; rel="next"` target (absolute), for APIs that page that way."""

    def text(self) -> str:
        """The body as text (`decode_text` with the declared charset)."""
        charset = None
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        return decode_text(self.content, charset)


def decode_text(content: bytes, charset: str | None = None) -> str:
    """Bytes as text, never mangled: the declared charset when it fits, else UTF-8 (a BOM
    tolerated), else Windows-1252, else Latin-1. Swedish feeds without a charset are often
    Latin-1 or Windows-1252, which UTF-8 with replacement turned into 'Sammantr\ufffdde'."""
    for candidate in (charset, "utf-8-sig", "cp1252", "latin-1"):
        if candidate is None:
            continue
        try:
            return content.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


async def fetch(http: httpx.AsyncClient, url: str, *, connector: str,
                method: str = "GET", request_timeout: float = 30.0,
                max_bytes: int = DEFAULT_MAX_BYTES, accept: tuple[str, ...] = (),
                bookmark: Bookmark | None = None, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, files: Any = None,
                data: Mapping[str, Any] | None = None, now: datetime | None = None,
                redirects: RedirectPolicy | None = None) -> Fetched | NotModified:
    """Request `url` and read the body, or raise the calsync error for what went wrong.

    `bookmark` makes the request conditional (If-None-Match / If-Modified-Since).
    `accept` lists content types (prefixes, e.g. "text/calendar") the caller can read;
    anything else (but a missing header) is a FatalFetchError; empty accepts any. `now`
    (the sync's clock) turns a Retry-After given as an HTTP date into seconds.
    Redirects are followed by `redirects` (`RedirectPolicy`: same origin only by
    default). A 304 to a request that was not conditional is an error, not "unchanged".
    """
    send_headers = dict(headers or {})
    if bookmark is not None:
        if bookmark.etag:
            send_headers["If-None-Match"] = bookmark.etag
        if bookmark.last_modified:
            send_headers["If-Modified-Since"] = bookmark.last_modified
    if accept:
        send_headers.setdefault("Accept", ", ".join(accept) + ", */*;q=0.1")
    where: dict[str, Any] = {"connector": connector, "url": url}
    try:
        request = http.build_request(method, url, params=params, headers=send_headers,
                                     files=files, data=data,
                                     timeout=httpx.Timeout(request_timeout,
                                                             connect=min(request_timeout, 10)))
        response = await _send(http, request, redirects or RedirectPolicy(), where)
        try:
            where["url"] = str(response.url)
            _check_status(response, where, now)
            if response.status_code == 304:
                if "If-None-Match" not in send_headers and \
                        "If-Modified-Since" not in send_headers:
                    raise RetriableFetchError("the server answered 304 Not Modified to a "
                                              "request that was not conditional", **where)
                return NotModified()
            content_type = response.headers.get("content-type", "")
            _check_content_type(content_type, accept, where)
            body = await _read_bounded(response, max_bytes, where)
            next_link = response.links.get("next", {}).get("url")
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        raise RetriableFetchError(f"no answer within {request_timeout:g}s (timeout)",
                                  **where) from None
    except httpx.TooManyRedirects:
        raise FatalFetchError(f"more than {MAX_REDIRECTS} redirects", **where) from None
    except httpx.ConnectError as exc:
        kind = "TLS error" if "SSL" in str(exc) or "CERTIFICATE" in str(exc) else \
            "cannot connect"
        raise RetriableFetchError(f"{kind}: {exc}", **where) from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise RetriableFetchError(f"the connection broke off mid-response ({exc})",
                                  **where) from None
    except httpx.UnsupportedProtocol as exc:
        raise FatalFetchError(f"unsupported URL: {exc}", **where) from None
    except httpx.TransportError as exc:
        raise RetriableFetchError(f"transport error: {exc.__class__.__name__}: {exc}",
                                  **where) from None
    except httpx.InvalidURL as exc:
        raise FatalFetchError(f"invalid URL: {exc}", **where) from None
    return Fetched(url=where["url"] or url, status=response.status_code, content=body,
                   content_type=content_type, etag=response.headers.get("etag"),
                   last_modified=response.headers.get("last-modified"),
                   next_link=urljoin(str(response.url), next_link) if next_link else None)


_BODY_HEADERS = ("content-length", "content-type")


async def _send(http: httpx.AsyncClient, request: httpx.Request, policy: RedirectPolicy,
                where: dict[str, Any]) -> httpx.Response:
    """Send, following redirects by hand so each hop is checked against the policy."""
    origin = request.url
    for _hop in range(MAX_REDIRECTS + 1):
        response = await http.send(request, stream=True, follow_redirects=False)
        location = response.headers.get("location")
        if not response.is_redirect or not location:
            return response
        await response.aclose()
        target = request.url.join(location)
        refused = await policy.refusal(origin, target)
        if refused:
            raise FatalFetchError(refused, **{**where, "url": str(request.url)})
        method = "GET" if response.status_code == 303 or (
            response.status_code in (301, 302) and request.method == "POST") \
            else request.method
        body = request.content if method == request.method and method != "GET" else None
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() != "host" and (body or k.lower() not in _BODY_HEADERS)} \
            if policy.same_origin(origin, target) else \
            {"User-Agent": request.headers.get("User-Agent", USER_AGENT)}
        request = http.build_request(method, target, headers=headers, content=body,
                                     timeout=httpx.Timeout(**request.extensions["timeout"]))
    raise httpx.TooManyRedirects("too many redirects", request=request)


def _check_status(response: httpx.Response, where: dict[str, Any], now: datetime | None
                  ) -> None:
    status = response.status_code
    if status < 400:
        return
    reason = f"the server answered {status} {response.reason_phrase}".rstrip()
    if status == 429 or status >= 500:
        raise RetriableFetchError(reason, status=status,
                                  retry_after=parse_retry_after(
                                      response.headers.get("retry-after"), now=now), **where)
    raise FatalFetchError(reason, status=status, **where)


def _check_content_type(content_type: str, accept: tuple[str, ...], where: dict[str, Any]
                        ) -> None:
    if not accept:
        return
    mime = content_type.split(";")[0].strip().lower()
    if mime and not any(mime.startswith(a) for a in accept):
        raise FatalFetchError(f"expected {' or '.join(accept)}, got content type "
                              f"{mime or '(none)'!r}", **where)


async def _read_bounded(response: httpx.Response, max_bytes: int, where: dict[str, Any]
                        ) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FatalFetchError(f"the response is {int(declared):,} bytes, over the limit of "
                              f"{max_bytes:,} (raise `max_bytes` if this is expected)", **where)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FatalFetchError(f"the response exceeds the limit of {max_bytes:,} bytes "
                                  "(raise `max_bytes` if this is expected)", **where)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds, or an HTTP date when
    `now` is known)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    if now is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
