#!/usr/bin/env python3
"""Benchmarks of the iCal feeds (issue 6), each against a baseline measured in the same run.

    .venv/bin/python bench/bench_feeds.py            # everything (about 3 minutes)
    .venv/bin/python bench/bench_feeds.py --quick    # shorter wrk runs, fewer repeats

What it measures, on 127.0.0.1 against the same 10,000-event feed:

1. **unchanged feed, repeated** — wrk against `/feeds/everything.ics` served by `calsync serve`'s
   app, versus a bare FastAPI endpoint returning the same precomputed bytes (the
   framework's own ceiling). Target: at least 70% of the ceiling's requests/s, no errors.
2. **304 path** — wrk with `If-None-Match: <etag>`. Target: at least 90% of the ceiling.
3. **cold generation after a change** — one event changes, then the feed is rendered
   (fingerprint query, store read, per-event cache, concatenation), versus
   `icalendar`'s `Calendar.to_ical()` for the same 10,000 events (the components built
   beforehand, only serialisation timed). Target: at most 0.5x. The fully cold render
   (empty per-event cache, e.g. after a restart) is reported too.
4. **100,000 events stream** — the server's peak resident memory (VmHWM) after serving
   a 100,000-event feed. Target: under 512 MiB.

Both servers run as separate processes (uvicorn, one worker, no access log) on free
ports; wrk (Debian package `wrk`; installed here with apt-get if missing and allowed)
runs with 1 thread and 8 connections. Each wrk figure is the median of several runs,
baseline and calsync interleaved. Results go to stdout and bench/out/feeds.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ICS_TYPE = "text/calendar; charset=utf-8"
FEED = "everything"  # the benchmarks' feed (write_config)
FEED_PATH = f"/feeds/{FEED}.ics"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LEVELS = ("eu", "national", "regional", "municipal")
KINDS = ("decision", "budget", "deadline", "meeting", "consultation", "report")
ACTORS = ("European Commission", "Riksdagen", "Region Västerbotten", "Umeå kommun",
          "Skellefteå kommun", "Lycksele kommun", "Vinnova", "Tillväxtverket")


# -- data ---------------------------------------------------------------------------------


def make_events(count: int) -> list[Any]:
    """`count` realistic events: a third all-day, the rest timed in Stockholm time."""
    from calsync.model import EventData, Status

    zone = ZoneInfo("Europe/Stockholm")
    out = []
    for i in range(count):
        day = date(2024, 1, 1) + timedelta(days=(i * 7) % 3650)
        level = LEVELS[i % 4]
        if i % 3 == 0:
            start: Any = day
            end: Any = day + timedelta(days=1 + i % 3)
        else:
            start = datetime(day.year, day.month, day.day, 9 + i % 8, 0, tzinfo=zone)
            end = start + timedelta(hours=2)
        out.append(EventData(
            external_uid=f"ev-{i}", title=f"{ACTORS[i % 8]}: {KINDS[i % 6]} no. {i} on the "
                                          f"{level} cycle, budget and co-financing",
            start=start, end=end, timezone="Europe/Stockholm", level=level,
            actor=ACTORS[i % 8], kind=KINDS[i % 6],
            description=f"Decision item {i}. Sources: the official calendar; see the "
                        f"minutes for details.\nSecond line, with a comma; and a semicolon.",
            url=f"https://example.org/item/{i}", tags=("budget", f"t{i % 10}"),
            status=Status.CANCELLED if i % 97 == 0 else Status.CONFIRMED))
    return out


def make_store(folder: Path, count: int) -> str:
    """A migrated SQLite database holding `count` events; returns its URL."""
    url = f"sqlite:///{folder / f'feeds-{count}.db'}"
    store_events(url, make_events(count))
    return url


def store_events(url: str, found: list[Any]) -> None:
    """Migrate the database at `url` and bulk-insert `found` (EventData) as synced rows."""
    from sqlalchemy import insert

    from calsync.model import event_uid
    from calsync.store.engine import make_engine, upgrade
    from calsync.store.events import event_values
    from calsync.store.tables import events

    engine = make_engine(url)
    upgrade(engine)
    rows = []
    for data in found:
        values = event_values(data)
        values.update(uid=event_uid("bench", data.external_uid), source="bench", sequence=0,
                      content_hash=data.content_hash(), record_key=None, first_seen=NOW,
                      last_seen=NOW, updated_at=NOW)
        rows.append(values)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(events), rows[start:start + 5000])
    engine.dispose()


def write_config(folder: Path) -> Path:
    path = folder / "config.yaml"
    # The whole 2024-2034 store in one feed (window: null), as before subscription windows;
    # not named `all`, which is the built-in feed's (with its default window).
    path.write_text("timezone: Europe/Stockholm\nserver: {public_url: "
                    "'https://cal.example.org'}\n"
                    f"feeds: {{{FEED}: {{title: 'calsync: all levels', window: null}}}}\n",
                    encoding="utf-8")
    return path


# -- servers ------------------------------------------------------------------------------


def serve_calsync(config: str, port: int) -> None:
    import uvicorn

    from calsync.clock import FixedClock
    from calsync.runtime import Runtime
    from calsync.web.app import create_app
    from calsync.web.server import HttpProtocol

    runtime = Runtime.load(config, clock=FixedClock(NOW))
    # The HTTP protocol `calsync serve` runs (calsync.web.server).
    uvicorn.run(create_app(runtime), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, http=HttpProtocol)


def serve_baseline(body_file: str, port: int) -> None:
    import uvicorn
    from fastapi import FastAPI, Header, Response

    body = Path(body_file).read_bytes()
    packed_file, json_file = Path(body_file + ".gz"), Path(body_file + ".json")
    packed = packed_file.read_bytes() if packed_file.exists() else None
    app = FastAPI()

    @app.get("/feeds/all.ics")
    async def feed(accept_encoding: str = Header("")) -> Response:
        if packed is not None and "gzip" in accept_encoding:
            return Response(packed, media_type=ICS_TYPE, headers={"Content-Encoding": "gzip"})
        return Response(body, media_type=ICS_TYPE)

    if json_file.exists():  # the API's answer as bytes (bench/run's API baseline)
        answer = json_file.read_bytes()

        @app.get("/api/events")
        async def api_events() -> Response:
            return Response(answer, media_type="application/json")

    @app.get("/not-modified")
    async def not_modified() -> Response:  # a stricter reference for the 304 path
        return Response(status_code=304, headers={"ETag": '"x"'})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Server:
    def __init__(self, *args: str, env: dict[str, str], command: list[str] | None = None
                 ) -> None:
        """This script with `args` and a free port; or `command` followed by the port."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.proc = subprocess.Popen([*(command or [sys.executable, __file__, *args]),
                                      str(self.port)], env=env, cwd=ROOT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"server {args} did not start") from None
                time.sleep(0.1)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def peak_rss_mib(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        assert match
        return int(match.group(1)) / 1024

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert match
        return int(match.group(1)) / 1024

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


# -- wrk ----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing the Debian package (apt-get install -y wrk)")
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("This benchmark needs wrk (HTTP load generator): "
                         "`sudo apt-get install wrk` on Debian/Ubuntu, then rerun.")
    return found


def wrk(binary: str, url: str, seconds: int, headers: dict[str, str] | None = None,
        connections: int = 8, timeout: int = 2, threads: int = 1,
        script: str | None = None) -> dict[str, float]:
    args = [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
            f"--timeout={timeout}s", "--latency", *(["-s", script] if script else [])]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    if total == 0:  # nothing answered in the whole run: every connection failed
        errors = max(errors, connections)
    latency = {f"p{pct}_ms": _ms(value, unit) for pct, value, unit in
               re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, flags=re.M)}
    return {"rps": rps, "requests": total, "errors": errors, **latency}


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# -- in-process generation ----------------------------------------------------------------


def icalendar_calendar(store_url: str) -> Any:
    """The same events as icalendar components (built once; only to_ical() is timed)."""
    from icalendar import Calendar, Event

    from calsync.store.engine import make_engine
    from calsync.store.events import iter_events

    engine = make_engine(store_url)
    calendar = Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    with engine.connect() as conn:
        for stored in iter_events(conn):
            data = stored.data
            item = Event()
            item.add("uid", stored.uid)
            item.add("dtstamp", stored.updated_at)
            item.add("created", stored.first_seen)
            item.add("last-modified", stored.updated_at)
            item.add("sequence", stored.sequence)
            item.add("dtstart", data.start)
            if data.end is not None:
                item.add("dtend", data.end)
            item.add("summary", data.title)
            item.add("description", f"{data.actor} ({data.level})\n\n{data.description}")
            if data.url:
                item.add("url", data.url)
            item.add("categories", [c for c in (data.level, data.kind, *data.tags) if c])
            item.add("status", str(data.status).upper())
            item.add("transp", "TRANSPARENT")
            calendar.add_component(item)
    engine.dispose()
    return calendar


def time_median(func: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def generation(store_url: str, config: Path, repeats: int) -> dict[str, Any]:
    from sqlalchemy import update

    from calsync.clock import FixedClock
    from calsync.feeds.publish import fingerprint
    from calsync.feeds.service import FeedService, feed_config, feed_spec
    from calsync.runtime import Runtime
    from calsync.store.tables import events

    calendar = icalendar_calendar(store_url)
    baseline = time_median(calendar.to_ical, repeats)
    os.environ["CALSYNC_DATABASE_URL"] = store_url
    clock = FixedClock(NOW)
    runtime = Runtime.load(config, clock=clock)
    settings = feed_config(runtime.config, FEED)
    assert settings is not None
    spec = feed_spec(runtime.config, FEED, settings)
    service = FeedService()

    def render() -> bytes:
        with runtime.engine.connect() as conn:
            return service.render(conn, spec, fingerprint(conn, spec, clock.now()))

    body = render()  # warm the per-event cache
    counter = [0]

    def change_then_render() -> None:
        counter[0] += 1
        clock.advance(timedelta(seconds=1))
        with runtime.engine.begin() as conn:  # what a sync does to one changed event
            conn.execute(update(events).where(events.c.id == 1 + counter[0] % 1000).values(
                title=f"changed {counter[0]}", sequence=events.c.sequence + 1,
                content_hash=f"{counter[0]:032x}", updated_at=clock.now()))
        render()

    changed = []
    for _ in range(repeats):
        changed.append(time_median(change_then_render, 1))
    after_change = statistics.median(changed)

    def fully_cold() -> None:
        service.cache.clear()
        render()

    cold = time_median(fully_cold, repeats)
    runtime.engine.dispose()
    return {"events": body.count(b"BEGIN:VEVENT"), "bytes": len(body),
            "icalendar_to_ical_s": baseline, "after_change_s": after_change,
            "fully_cold_s": cold, "ratio_after_change": after_change / baseline,
            "ratio_fully_cold": cold / baseline}


# -- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s wrk runs, 2 repeats")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    seconds, repeats = (5, 2) if args.quick else (10, 3)
    binary = ensure_wrk()
    results: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                               "cpus": os.cpu_count(), "wrk": f"-t1 -c8 -d{seconds}s"}
    with tempfile.TemporaryDirectory(prefix="calsync-bench-") as tmp:
        folder = Path(tmp)
        config = write_config(folder)
        print(f"==> building a store of {args.events} events")
        store = make_store(folder, args.events)
        env = {**os.environ, "CALSYNC_DATABASE_URL": store, "PYTHONPATH": str(ROOT)}
        calsync = Server("serve-calsync", str(config), env=env)
        try:
            status, headers, body = fetch(calsync.url(FEED_PATH))
            assert status == 200, status
            etag = headers["etag"]
            (folder / "body.ics").write_bytes(body)
            results["feed"] = {"events": body.count(b"BEGIN:VEVENT"), "bytes": len(body)}
            assert fetch(calsync.url(FEED_PATH), {"If-None-Match": etag})[0] == 304
            baseline = Server("serve-baseline", str(folder / "body.ics"), env=env)
            try:
                assert fetch(baseline.url("/feeds/all.ics"))[2] == body
                runs: dict[str, list[dict[str, float]]] = {
                    "baseline": [], "unchanged": [], "not_modified": [], "bare_304": []}
                for i in range(repeats):
                    print(f"==> wrk round {i + 1}/{repeats}")
                    runs["baseline"].append(wrk(binary, baseline.url("/feeds/all.ics"),
                                                seconds))
                    runs["unchanged"].append(wrk(binary, calsync.url(FEED_PATH),
                                                 seconds))
                    runs["not_modified"].append(wrk(binary, calsync.url(FEED_PATH),
                                                    seconds, {"If-None-Match": etag}))
                    runs["bare_304"].append(wrk(binary, baseline.url("/not-modified"),
                                                seconds))
            finally:
                baseline.stop()
        finally:
            calsync.stop()
        http = {name: {"rps_median": statistics.median(r["rps"] for r in rows),
                       "rps_runs": [r["rps"] for r in rows],
                       "errors": sum(int(r["errors"]) for r in rows)}
                for name, rows in runs.items()}
        ceiling = http["baseline"]["rps_median"]
        http["unchanged"]["ratio"] = http["unchanged"]["rps_median"] / ceiling
        http["not_modified"]["ratio"] = http["not_modified"]["rps_median"] / ceiling
        http["not_modified"]["ratio_to_bare_304"] = (http["not_modified"]["rps_median"]
                                                     / http["bare_304"]["rps_median"])
        results["http"] = http
        print("==> cold generation after a change")
        results["generation"] = generation(store, config, repeats=5)

        print(f"==> streaming {args.big} events")
        big = make_store(folder, args.big)
        env = {**os.environ, "CALSYNC_DATABASE_URL": big, "PYTHONPATH": str(ROOT)}
        server = Server("serve-calsync", str(config), env=env)
        try:
            idle = server.rss_mib()
            started = time.perf_counter()
            status, headers, body = fetch(server.url(FEED_PATH))
            elapsed = time.perf_counter() - started
            assert status == 200
            again_started = time.perf_counter()
            fetch(server.url(FEED_PATH))
            again = time.perf_counter() - again_started
            results["stream"] = {
                "events": body.count(b"BEGIN:VEVENT"), "bytes": len(body),
                "chunked": "content-length" not in headers,
                "first_request_s": elapsed, "second_request_s": again,
                "rss_idle_mib": idle, "peak_rss_mib": server.peak_rss_mib()}
        finally:
            server.stop()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "feeds.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    report(results)


def report(r: dict[str, Any]) -> None:
    http, gen, stream = r["http"], r["generation"], r["stream"]
    print()
    print(f"feed: {r['feed']['events']} events, {r['feed']['bytes'] / 1e6:.1f} MB; "
          f"wrk {r['wrk']}, {r['cpus']} CPUs")
    print(f"  bare FastAPI, same bytes  {http['baseline']['rps_median']:8.1f} req/s  "
          f"errors {http['baseline']['errors']}")
    print(f"  calsync, unchanged feed   {http['unchanged']['rps_median']:8.1f} req/s  "
          f"{http['unchanged']['ratio']:.2f}x  errors {http['unchanged']['errors']}  "
          f"(target >= 0.70x)")
    print(f"  calsync, 304              {http['not_modified']['rps_median']:8.1f} req/s  "
          f"{http['not_modified']['ratio']:.2f}x  errors {http['not_modified']['errors']}  "
          f"(target >= 0.90x)")
    print(f"  bare FastAPI, empty 304   {http['bare_304']['rps_median']:8.1f} req/s  "
          f"(calsync's 304 path is {http['not_modified']['ratio_to_bare_304']:.2f}x of it)")
    print(f"generation of {gen['events']} events: icalendar to_ical() "
          f"{gen['icalendar_to_ical_s'] * 1000:.0f} ms; calsync after a change "
          f"{gen['after_change_s'] * 1000:.0f} ms ({gen['ratio_after_change']:.2f}x, "
          f"target <= 0.5x); fully cold {gen['fully_cold_s'] * 1000:.0f} ms "
          f"({gen['ratio_fully_cold']:.2f}x)")
    print(f"stream of {stream['events']} events ({stream['bytes'] / 1e6:.0f} MB, chunked: "
          f"{stream['chunked']}): peak RSS {stream['peak_rss_mib']:.0f} MiB (idle "
          f"{stream['rss_idle_mib']:.0f} MiB; target < 512 MiB); first request "
          f"{stream['first_request_s']:.1f} s, second {stream['second_request_s']:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve-calsync":
        serve_calsync(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "serve-baseline":
        serve_baseline(sys.argv[2], int(sys.argv[3]))
    else:
        main()
