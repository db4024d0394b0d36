"""Feeds and API over HTTP with wrk, against what an admin could run instead, all started
and stopped here on 127.0.0.1, each one process:

- **nginx** serving the same bytes as a static file (`gzip_static` for the gzip path, its
  own ETag for the 304 path): the practical ceiling on this machine;
- a **bare FastAPI** endpoint on the same uvicorn returning the same bytes (and an empty
  304, and the gzip bytes): the framework's floor;
- **Radicale** serving the same calendar as a CalDAV collection (GET of the collection);
- calsync's app (`bench_feeds.serve_calsync`).

Paths: the cached full body, the 304 path (`If-None-Match`) and gzip. Every (path,
server) pair runs once per round, rounds interleaved. calsync and nginx, whose ratio is
the target, run back to back, which one first alternating by round, and Radicale runs
last (then `settle`): with the order rotating through all four, calsync ran right after
Radicale in each of the three rounds of a full run (Radicale's leftover work and memory
on the 2-core machine), nginx never did, and calsync's gzip rounds spread 0.54–0.93 ×.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_feeds
from figures import Figure, Report

AREA = "Feeds over HTTP (10k events, wrk -t1 -c8)"
API = "API over HTTP (10k events)"
ROOT = Path(__file__).resolve().parents[1]
API_QUERY = "/api/events?level=municipal&from=2027-01-01&to=2027-06-30&limit=50"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.1)


class Nginx:
    """nginx (one worker, no access log) serving `folder` as static files."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.port = _free_port()
        conf = folder / "nginx.conf"
        conf.write_text(f"""
user root; worker_processes 1; daemon off; pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off; sendfile on; tcp_nopush on; gzip_static on;
    types {{ text/calendar ics; }}
    client_body_temp_path {folder}/tmp; proxy_temp_path {folder}/tmp;
    fastcgi_temp_path {folder}/tmp; uwsgi_temp_path {folder}/tmp; scgi_temp_path {folder}/tmp;
    server {{ listen 127.0.0.1:{self.port}; root {folder}/static; }}
}}
""", encoding="utf-8")
        (folder / "tmp").mkdir(exist_ok=True)
        self.proc = subprocess.Popen([binary, "-p", str(folder), "-c", str(conf)])
        _wait(self.port, self.proc, "nginx")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Radicale:
    """Radicale (no auth; filesystem storage) with the feed's events as one collection.

    Radicale parses every item on its first GET and caches the result in the collection
    folder (minutes for 10k items on a loaded machine), so the collection is kept in
    bench/out/ per body and reused by the next run."""

    def __init__(self, body: bytes) -> None:
        self.port = _free_port()
        storage = ROOT / "bench" / "out" / f"radicale-{hashlib.sha1(body).hexdigest()[:12]}"
        collection = storage / "collection-root" / "bench" / "cal"
        if not (collection / ".Radicale.props").exists():
            _write_collection(collection, body)
        conf = storage / "radicale.conf"
        conf.write_text(f"[server]\nhosts = 127.0.0.1:{self.port}\n[auth]\ntype = none\n"
                        f"[rights]\ntype = authenticated\n[storage]\nfilesystem_folder = "
                        f"{storage}\n[logging]\nlevel = warning\n", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config",
                                      str(conf)], stderr=subprocess.DEVNULL)
        _wait(self.port, self.proc, "Radicale")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def _write_collection(collection: Path, body: bytes) -> None:
    """One item file per VEVENT (each with the feed's VTIMEZONEs), as a CalDAV client
    uploading the calendar would leave them."""
    shutil.rmtree(collection, ignore_errors=True)
    collection.mkdir(parents=True)
    text = body.decode()
    head, _, rest = text.partition("BEGIN:VEVENT")
    first, last = head.find("BEGIN:VTIMEZONE"), head.rfind("END:VTIMEZONE\r\n")
    zones = head[first:last + len("END:VTIMEZONE\r\n")] if first >= 0 else ""
    for i, chunk in enumerate(("BEGIN:VEVENT" + rest).split("END:VEVENT\r\n")[:-1]):
        (collection / f"e{i}.ics").write_text(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n" + zones
            + chunk.strip("\r\n") + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    (collection / ".Radicale.props").write_text(
        '{"tag": "VCALENDAR", "D:displayname": "bench"}', encoding="utf-8")


def settle(pid: int, limit: float = 120) -> None:
    """Wait until process `pid` stops using CPU (Radicale keeps rendering the requests wrk
    left queued when its run ended, which would slow the next server's run)."""
    def cpu() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    deadline = time.monotonic() + limit
    before = cpu()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu()
        if now - before <= 2:  # clock ticks (1/100 s)
            return
        before = now


def measure(report: Report, rounds: int, seconds: int, events: int,
            profile: list[str] | None = None) -> None:
    binary = bench_feeds.ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="calsync-feeds-") as tmp:
        folder = Path(tmp)
        config = bench_feeds.write_config(folder)
        print(f"  feeds: a store of {events:,} events", flush=True)
        store = bench_feeds.make_store(folder, events)
        env = {**os.environ, "CALSYNC_DATABASE_URL": store, "PYTHONPATH": str(ROOT)}
        servers: dict[str, Any] = {}
        try:
            servers["calsync"] = bench_feeds.Server("serve-calsync", str(config), env=env)
            calsync = servers["calsync"]
            status, headers, body = bench_feeds.fetch(calsync.url(bench_feeds.FEED_PATH))
            assert status == 200, status
            etag = headers["etag"]
            packed = bench_feeds.fetch(calsync.url(bench_feeds.FEED_PATH),
                                       {"Accept-Encoding": "gzip"})  # warms the gzip form
            assert packed[1].get("content-encoding") == "gzip"
            api_answer = bench_feeds.fetch(calsync.url(API_QUERY))[2]
            static = folder / "static" / "feeds"
            static.mkdir(parents=True)
            (static / "all.ics").write_bytes(body)
            (static / "all.ics.gz").write_bytes(gzip.compress(body, 6, mtime=0))
            (folder / "body.ics").write_bytes(body)
            (folder / "body.ics.gz").write_bytes(gzip.compress(body, 6, mtime=0))
            (folder / "body.ics.json").write_bytes(api_answer)
            servers["nginx"] = Nginx(folder)
            servers["FastAPI"] = bench_feeds.Server("serve-baseline",
                                                    str(folder / "body.ics"), env=env)
            print("  feeds: Radicale's collection", flush=True)
            servers["Radicale"] = Radicale(body)
            _paths(report, binary, servers, etag, rounds, seconds)
            if profile is not None:  # before the API runs, which may leave work queued
                profile += _profile(binary, calsync, etag, seconds)
            _api(report, binary, calsync, servers["FastAPI"], rounds, seconds)
        finally:
            for server in servers.values():
                server.stop()


def _targets(path: str, fig: Figure) -> None:
    fig.target, fig.check = {
        "cached body": ("≥ 0.75 × nginx", lambda f: (f.ratio or 0) >= 0.75),
        "gzip": ("≥ 0.7 × nginx", lambda f: (f.ratio or 0) >= 0.7),
        "304": ("on the way to 0.5 × nginx", lambda f: (f.ratio or 0) >= 0.5),
    }[path]


def _paths(report: Report, binary: str, servers: dict[str, Any], etag: str, rounds: int,
           seconds: int) -> None:
    nginx_etag = bench_feeds.fetch(servers["nginx"].url("/feeds/all.ics"))[1]["etag"]
    requests = {  # server -> path -> (url path, headers)
        "calsync": {"cached body": (bench_feeds.FEED_PATH, {}),
                    "304": (bench_feeds.FEED_PATH, {"If-None-Match": etag}),
                    "gzip": (bench_feeds.FEED_PATH, {"Accept-Encoding": "gzip"})},
        "nginx": {"cached body": ("/feeds/all.ics", {}),
                  "304": ("/feeds/all.ics", {"If-None-Match": nginx_etag}),
                  "gzip": ("/feeds/all.ics", {"Accept-Encoding": "gzip"})},
        "FastAPI": {"cached body": ("/feeds/all.ics", {}), "304": ("/not-modified", {}),
                    "gzip": ("/feeds/all.ics", {"Accept-Encoding": "gzip"})},
        "Radicale": {"cached body": ("/bench/cal/", {}),
                     "304": ("/bench/cal/", {"If-None-Match": '"x"'}),  # answers 200
                     "gzip": ("/bench/cal/", {"Accept-Encoding": "gzip"})},
    }
    bench_feeds.fetch(servers["Radicale"].url("/bench/cal/"))  # builds Radicale's cache
    figs: dict[tuple[str, str], Figure] = {}
    p99: dict[tuple[str, str], Figure] = {}
    for path in ("cached body", "304", "gzip"):
        for name in ("nginx", "FastAPI", "Radicale", "calsync"):
            figs[name, path] = Figure(AREA, f"{path}: {name}", "req/s")
            p99[name, path] = Figure(AREA, f"{path}: {name} p99", "ms")
        mine = figs["calsync", path]
        mine.baseline = figs["nginx", path]
        _targets(path, mine)
        for name in ("nginx", "FastAPI", "Radicale"):
            report.add(figs[name, path])
        report.add(mine)
        report.add(Figure(AREA, f"{path}: calsync vs FastAPI", "req/s", runs=mine.runs,
                          baseline=figs["FastAPI", path],
                          target="≥ 0.5 × FastAPI 304" if path == "304" else "",
                          check=(lambda f: (f.ratio or 0) >= 0.5) if path == "304" else None))
        report.add(Figure(AREA, f"{path}: calsync vs Radicale", "req/s", runs=mine.runs,
                          baseline=figs["Radicale", path], target="ahead of Radicale",
                          check=lambda f: (f.ratio or 0) > 1))
        report.add(p99["calsync", path])
        p99["calsync", path].baseline = p99["nginx", path]
    for r in range(rounds):
        print(f"  feeds: wrk round {r + 1}/{rounds}", flush=True)
        pair = ["nginx", "calsync"] if r % 2 == 0 else ["calsync", "nginx"]
        for path in ("cached body", "304", "gzip"):
            for name in [*pair, "FastAPI", "Radicale"]:
                where, headers = requests[name][path]
                slow = name == "Radicale"  # ~1 req/s: one connection, a longer run
                got = bench_feeds.wrk(binary, servers[name].url(where),
                                      max(seconds, 10) if slow else seconds, headers,
                                      connections=1 if slow else 8,
                                      timeout=60 if slow else 5)
                if slow:
                    settle(servers[name].proc.pid)
                figs[name, path].runs.append(got["rps"])
                if "p99_ms" in got:
                    p99[name, path].runs.append(got["p99_ms"])
                if got["errors"]:
                    figs[name, path].note = f"{int(got['errors'])} errors in a run"
    figs["Radicale", "304"].note = "no conditional GET: full bodies"
    for path in ("cached body", "304", "gzip"):
        figs["Radicale", path].name += " (wrk -c1 -d10s)"


# Each request a query string never asked before (an ignored parameter): no kept answer,
# so every request is counted, paged and serialised (calsync.web.answers keeps repeats).
DISTINCT = """counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "&n=" .. counter)
end
"""


def _api(report: Report, binary: str, calsync: Any, bare: Any, rounds: int,
         seconds: int) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(DISTINCT)
    try:
        _api_runs(report, binary, calsync, bare, rounds, seconds, lua.name)
    finally:
        Path(lua.name).unlink()


def _api_runs(report: Report, binary: str, calsync: Any, bare: Any, rounds: int,
              seconds: int, distinct: str) -> None:
    for clients in (1, 16, 64):
        p50 = report.add(Figure(API, f"{clients} client(s): calsync p50", "ms"))
        p99 = report.add(Figure(API, f"{clients} client(s): calsync p99", "ms",
                                target="< 250 ms" if clients == 16 else "",
                                check=(lambda f: f.median < 250) if clients == 16 else None))
        rps = report.add(Figure(API, f"{clients} client(s): calsync", "req/s"))
        bare_rps = report.add(Figure(API, f"{clients} client(s): bare FastAPI, same JSON",
                                     "req/s"))
        rps.baseline = bare_rps
        errors = report.add(Figure(API, f"{clients} client(s): calsync errors", "errors",
                                   target="0 at 64 clients" if clients == 64 else "",
                                   check=(lambda f: max(f.runs) == 0) if clients == 64
                                   else None))
        fresh = f"{clients} client(s), every query new (no kept answer): calsync"
        fresh_p99 = report.add(Figure(API, f"{fresh} p99", "ms"))
        fresh_rps = report.add(Figure(API, fresh, "req/s", baseline=rps))
        fresh_errors = report.add(Figure(API, f"{fresh} errors", "errors"))
        print(f"  api: {clients} client(s)", flush=True)
        for r in range(rounds):
            trio = [(bare, bare_rps, None, None), (calsync, rps, (p50, p99, errors), None),
                    (calsync, fresh_rps, (None, fresh_p99, fresh_errors), distinct)]
            for server, fig, extra, script in trio if r % 2 == 0 else trio[::-1]:
                got = bench_feeds.wrk(binary, server.url(API_QUERY), seconds,
                                      connections=clients, timeout=2, script=script)
                settle(server.proc.pid)  # requests still queued when wrk stopped
                fig.runs.append(got["rps"])
                if extra is not None:
                    answered = got["requests"] > 0
                    for key, slot in (("p50_ms", extra[0]), ("p99_ms", extra[1])):
                        if slot is not None:
                            slot.runs.append(got.get(key, 0) if answered else float("nan"))
                    extra[2].runs.append(got["errors"])


def _profile(binary: str, calsync: Any, etag: str, seconds: int) -> list[str]:
    """py-spy on the calsync server while wrk drives the 304 path."""
    from profiles import attach, summary

    load = subprocess.Popen([binary, "-t1", "-c8", f"-d{seconds + 4}s", "-H",
                             f"If-None-Match: {etag}", calsync.url(bench_feeds.FEED_PATH)],
                            stdout=subprocess.DEVNULL)
    time.sleep(1)
    try:
        raw = attach(calsync.proc.pid, seconds)
    finally:
        load.wait()
    return ["The calsync server answering 304s under wrk (py-spy, every thread):", "",
            *summary(raw)]
