"""The HTTP/1.1 protocol `calsync serve` runs under uvicorn: uvicorn's httptools protocol,
with each response's head sent together with its first body bytes (issue 18).

uvicorn writes the status line and headers to the socket as soon as the app sends
`http.response.start`, and the body when `http.response.body` follows; uvloop sends
each write at once, and with TCP_NODELAY the ~300-byte head leaves as a segment of its
own. For a kept feed answered from memory (`calsync.web.fastfeeds`: the two messages
back to back) that was a system call, a TCP segment and a wake-up of the client more
per response than a server that sends head and body together (nginx corks them,
`tcp_nopush`): the gzip path of `bench/area_feeds.py` (a 450 kB body) spent about a
fifth more CPU per request in the server and in wrk than with nginx. Here the head is
held until the first body message and both leave in one `writelines` (one `writev`, no
copy of the body on uvloop). ASGI asks exactly this of a server: it "must not start
sending the response to the client until it has received at least one Response Body
event".

Nothing is held beyond the body message's `send`: what is still held when it returns
(a HEAD answer, a 304, an empty body) is written then; a connection closed by uvicorn
writes it first. Anything else (the `100 Continue`, the protocol's own 400s, uvicorn's
500 when the app fails before answering) is written as uvicorn writes it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGI3Application, ASGISendEvent
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

__all__ = ["HttpProtocol"]


class _HeadWithBody(asyncio.Transport):
    """The transport one response cycle writes to: holds the head (the one write made
    while `holding`) until the next write, then sends both in one call."""

    def __init__(self, transport: asyncio.Transport) -> None:
        super().__init__()
        self._transport = transport
        self._head: bytes | None = None
        self.holding = False

    def write(self, data: bytes | bytearray | memoryview[Any]) -> None:
        if self.holding:  # uvicorn writes the whole head in one call
            self.holding = False
            self._head = bytes(data)
            return
        head, self._head = self._head, None
        if head is None:
            self._transport.write(data)
        elif data:
            self._transport.writelines((head, data))
        else:
            self._transport.write(head)

    def flush(self) -> None:
        """Write the head if it is still held (a response without body bytes)."""
        head, self._head = self._head, None
        if head is not None and not self._transport.is_closing():
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; each response cycle writes through `_HeadWithBody`
    (`uvicorn.Config(http=HttpProtocol)`)."""

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        transport = _HeadWithBody(cycle.transport)
        send = cycle.send

        async def send_head_with_body(message: ASGISendEvent) -> None:
            if message["type"] == "http.response.start":
                transport.holding = True
                try:
                    await send(message)
                finally:
                    transport.holding = False  # nothing written (an invalid header)
                return
            try:
                await send(message)
            finally:
                transport.flush()

        cycle.transport = transport
        cycle.send = send_head_with_body  # type: ignore[method-assign]
        super()._start_asgi_task(cycle, app)
