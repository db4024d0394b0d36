"""A real HTTP server on 127.0.0.1 that replays recorded responses, and fails on purpose.

Recordings live in `tests/recordings/<connector>/<case>/`: a `meta.json` listing the
responses ({"match": {"method", "path", "query"}, "status", "headers", "body": file}) and
the body files beside it. The first response whose match fits the request is served; an
ETag (a hash of the body) is added unless the recording sets one, and a request carrying
that ETag in If-None-Match (or the recorded Last-Modified in If-Modified-Since) gets 304.

`fail(mode)` makes every request fail in one of the ways real upstreams do:
"500", "503", "404" (any status), "429" (with Retry-After: 120), "hang" (never answers
until the server closes), "truncate" (half the promised body, then the connection drops),
"wrong-type" (the body as text/html), "redirect" (302 to the same resource first).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDINGS = Path(__file__).resolve().parent / "recordings"

__all__ = ["RECORDINGS", "RecordingServer", "SeenRequest"]


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class _State:
    case: Path | None = None
    mode: str | None = None
    seen: list[SeenRequest] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)


class RecordingServer:
    """Start with `with RecordingServer() as server:`; `server.url("/path")` to address it."""

    def __init__(self) -> None:
        self.state = _State()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def use(self, connector: str, case: str = "default") -> RecordingServer:
        """Serve the recording `tests/recordings/<connector>/<case>/` from now on."""
        folder = RECORDINGS / connector / case
        if not (folder / "meta.json").is_file():
            raise FileNotFoundError(f"no recording at {folder}")
        self.state.case = folder
        return self

    def use_folder(self, folder: Path) -> RecordingServer:
        """Serve a case folder a test wrote (`meta.json` and bodies) from now on."""
        if not (folder / "meta.json").is_file():
            raise FileNotFoundError(f"no meta.json in {folder}")
        self.state.case = folder
        return self

    def fail(self, mode: str | None) -> None:
        self.state.mode = mode

    @property
    def requests(self) -> list[SeenRequest]:
        return list(self.state.seen)

    def close(self) -> None:
        self.state.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RecordingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        self.state.seen.append(SeenRequest(self.command, parts.path, query,
                                           {k.lower(): v for k, v in self.headers.items()},
                                           body))
        mode = self.state.mode
        if mode == "hang":
            self.state.closing.wait(30)
            self.close_connection = True
            return
        if mode == "redirect" and "redirected" not in query:
            sep = "&" if parts.query else "?"
            self._send(_Response(302, {"Location": f"{self.path}{sep}redirected=1"}, b""))
            return
        if mode is not None and mode.isdigit():
            extra = {"Retry-After": "120"} if mode == "429" else {}
            self._send(_Response(int(mode), {"Content-Type": "text/plain", **extra},
                                 f"error {mode}".encode()))
            return
        response = self._recorded(parts.path, query)
        if response.status == 200 and self._not_modified(response):
            self._send(_Response(304, {"ETag": response.headers["ETag"]}, b""))
            return
        if mode == "wrong-type":
            response.headers["Content-Type"] = "text/html; charset=utf-8"
            response.body = b"<html><body>Maintenance</body></html>"
        if mode == "truncate":
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(response)

    def _recorded(self, path: str, query: dict[str, list[str]]) -> _Response:
        folder = self.state.case
        if folder is None:
            return _Response(404, {"Content-Type": "text/plain"}, b"no recording selected")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        for item in meta["responses"]:
            match = item.get("match", {})
            if match.get("method", self.command) != self.command:
                continue
            if "path" in match and match["path"] != path:
                continue
            wanted = match.get("query", {})
            if any(query.get(k, [None])[0] != str(v) for k, v in wanted.items()):
                continue
            body = (folder / item["body"]).read_bytes() if item.get("body") else b""
            headers = dict(item.get("headers", {}))
            if item.get("etag", True) and "ETag" not in headers:
                headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            return _Response(item.get("status", 200), headers, body)
        return _Response(404, {"Content-Type": "text/plain"}, b"no recorded response matches")

    def _not_modified(self, response: _Response) -> bool:
        asked = self.headers.get("If-None-Match")
        if asked is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            return asked == response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        return bool(modified) and self.headers.get("If-Modified-Since") == modified

    def _send(self, response: _Response) -> None:
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
