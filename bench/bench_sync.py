"""Benchmark of issue 3's sync targets on a generated feed served on loopback.

    .venv/bin/python bench/bench_sync.py [--events 10000] [--runs 5] [--big 100000]

Measured in one run, against the floor of the libraries themselves on the same feed
(icalendar parse + recurring-ical-events expansion + a bulk insert of the same rows):

- cold full sync (fresh SQLite database) — target ≤ 1.5× the floor;
- re-sync of the unchanged feed: via 304 (ETag), and via identical content hash (a server
  without validators) — target ≤ 2% of the cold sync;
- re-sync after 1% of the events changed — target ≤ 15% of the cold sync;
- peak RSS of a cold sync of a `--big`-event feed, in a subprocess — target < 1 GiB.

Medians of `--runs` runs are reported. The feed is deterministic: single events (a fifth
all-day), weekly series with a moved occurrence each, in Europe/Stockholm, 2027–2034.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import icalendar  # noqa: E402
import recurring_ical_events  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from calsync.clock import FixedClock  # noqa: E402
from calsync.config import load_config  # noqa: E402
from calsync.runtime import Runtime  # noqa: E402
from calsync.store.engine import make_engine, upgrade  # noqa: E402
from calsync.store.tables import events  # noqa: E402
from calsync.sync import SyncReport, horizon_for  # noqa: E402

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SERIES_LENGTH = 10


def generate(total: int, *, changed: int = 0, seed: int = 42) -> str:
    """A calendar with exactly `total` occurrences; the first `changed` singles retitled."""
    rng = random.Random(seed)
    series = max(1, total // 160)
    singles = total - series * SERIES_LENGTH
    base = datetime(2027, 1, 4, 9, 0)
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calsync//bench//EN",
           "X-WR-CALNAME:Bench", "X-WR-TIMEZONE:Europe/Stockholm"]
    for i in range(singles):
        day = base + timedelta(days=rng.randrange(0, 2900), hours=rng.randrange(0, 8))
        title = f"Sammanträde {i} kommunstyrelsen" + (" (ändrad)" if i < changed else "")
        out += ["BEGIN:VEVENT", f"UID:event-{i}@bench.calsync", "DTSTAMP:20261101T000000Z"]
        if i % 5 == 0:
            out += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                    f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
        else:
            out += [f"DTSTART;TZID=Europe/Stockholm:{day:%Y%m%dT%H%M%S}",
                    f"DTEND;TZID=Europe/Stockholm:{day + timedelta(hours=2):%Y%m%dT%H%M%S}"]
        out += [f"SUMMARY:{title}", f"DESCRIPTION:Ärende {i}: underlag\\, beslut och "
                "protokoll enligt föredragningslistan.", "LOCATION:Kommunhuset",
                "CATEGORIES:Sammanträde", "END:VEVENT"]
    for j in range(series):
        start = base + timedelta(days=rng.randrange(0, 2500))
        moved = start + timedelta(weeks=3)
        stamp = f"DTSTART;TZID=Europe/Stockholm:{start:%Y%m%dT%H%M%S}"
        out += ["BEGIN:VEVENT", f"UID:series-{j}@bench.calsync", "DTSTAMP:20261101T000000Z",
                stamp, f"DTEND;TZID=Europe/Stockholm:{start + timedelta(hours=1):%Y%m%dT%H%M%S}",
                f"RRULE:FREQ=WEEKLY;COUNT={SERIES_LENGTH}", f"SUMMARY:Arbetsutskott {j}",
                "END:VEVENT",
                "BEGIN:VEVENT", f"UID:series-{j}@bench.calsync", "DTSTAMP:20261101T000000Z",
                f"RECURRENCE-ID;TZID=Europe/Stockholm:{moved:%Y%m%dT%H%M%S}",
                f"DTSTART;TZID=Europe/Stockholm:{moved + timedelta(days=1):%Y%m%dT%H%M%S}",
                f"DTEND;TZID=Europe/Stockholm:{moved + timedelta(days=1, hours=1):%Y%m%dT%H%M%S}",
                f"SUMMARY:Arbetsutskott {j} (flyttat)", "END:VEVENT"]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


class Feed:
    """Serves one body on 127.0.0.1; `validators=False` sends no ETag/Last-Modified."""

    def __init__(self) -> None:
        self.body = b""
        self.validators = True
        feed = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                etag = '"' + hashlib.sha1(feed.body).hexdigest() + '"'
                if feed.validators and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                if feed.validators:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.ics"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def runtime(folder: Path, url: str, extra: str = "") -> Runtime:
    """A runtime syncing `url` with the ical connector (`extra`: more connector keys,
    YAML indented by four spaces) into a SQLite file in `folder`."""
    config = folder / "config.yaml"
    config.write_text(f"data_dir: {folder}\nconnectors:\n  bench:\n    type: ical\n"
                      f"    level: municipal\n    actor: Bench kommun\n    kind: meeting\n"
                      f"    max_removal_share: 1.0\n    url: {url}\n{extra}", encoding="utf-8")
    loaded = load_config(config)
    engine = make_engine(loaded.database_url())
    upgrade(engine)
    return Runtime.from_config(loaded, clock=FixedClock(NOW), engine=engine)


def sync(rt: Runtime) -> SyncReport:
    [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    if not report.ok:
        raise SystemExit(f"sync failed: {report.error}")
    return report


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def floor(text: str, rows: list[dict[str, Any]], folder: Path) -> float:
    """icalendar parse + recurring-ical-events expansion + bulk insert of the same rows."""
    horizon = horizon_for(load_config(folder / "config.yaml"), NOW)
    engine = make_engine(f"sqlite:///{folder / 'floor.db'}")
    upgrade(engine)
    started = time.perf_counter()
    calendar = icalendar.Calendar.from_ical(text)
    expanded = list(recurring_ical_events.of(calendar).between(horizon.start, horizon.end))
    with engine.begin() as conn:
        conn.execute(insert(events), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert len(expanded) == len(rows), (len(expanded), len(rows))
    return elapsed


def one_run(total: int, run: int, feed: Feed) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = generate(total)
        feed.body, feed.validators = text.encode(), True
        rt = runtime(folder, feed.url)
        cold, report = timed(lambda: sync(rt))
        assert report.added == total, report
        unchanged_304, report = timed(lambda: sync(rt))
        assert report.outcome == "not_modified", report
        feed.validators = False
        unchanged_hash, report = timed(lambda: sync(rt))
        assert report.outcome == "not_modified", report
        feed.body = generate(total, changed=total // 100).encode()
        changed, report = timed(lambda: sync(rt))
        assert report.changed == total // 100 and report.added == 0, report
        with rt.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(events).where(
                events.c.source == "bench")).mappings()]
        for row in rows:
            row.pop("id")
        rt.engine.dispose()
        base = floor(text, rows, folder)
    print(f"  run {run + 1}: floor {base:.3f}s  cold {cold:.3f}s  unchanged(304) "
          f"{unchanged_304 * 1000:.1f}ms  unchanged(hash) {unchanged_hash * 1000:.1f}ms  "
          f"1%-changed {changed:.3f}s", flush=True)
    return {"floor": base, "cold": cold, "unchanged_304": unchanged_304,
            "unchanged_hash": unchanged_hash, "changed": changed}


def peak_memory(total: int) -> None:
    """Cold sync of a `total`-event feed; prints the process's peak RSS in MiB."""
    feed = Feed()
    with tempfile.TemporaryDirectory() as tmp:
        feed.body = generate(total).encode()
        rt = runtime(Path(tmp), feed.url)
        seconds, report = timed(lambda: sync(rt))
        assert report.added == total, report
    feed.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak:.0f} {seconds:.2f} {len(feed.body)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        peak_memory(args.memory)
        return
    print(f"feed: {args.events} events, {len(generate(args.events)):,} bytes; "
          f"{args.runs} runs", flush=True)
    feed = Feed()
    results = [one_run(args.events, run, feed) for run in range(args.runs)]
    feed.close()
    med = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(f"\nmedians of {args.runs} runs ({args.events} events):")
    print(f"  floor (parse + expand + bulk insert)  {med['floor']:.3f}s")
    print(f"  cold full sync                        {med['cold']:.3f}s  "
          f"= {med['cold'] / med['floor']:.2f}x floor   (target <= 1.5x)")
    for key, label in (("unchanged_304", "unchanged re-sync, 304"),
                       ("unchanged_hash", "unchanged re-sync, same hash")):
        print(f"  {label:<36}  {med[key] * 1000:.1f}ms = "
              f"{med[key] / med['cold']:.2%} of cold   (target <= 2%)")
    print(f"  re-sync after 1% changed              {med['changed']:.3f}s = "
          f"{med['changed'] / med['cold']:.1%} of cold   (target <= 15%)")
    out = subprocess.run([sys.executable, __file__, "--memory", str(args.big)],
                         capture_output=True, text=True, check=True).stdout.split()
    print(f"  peak RSS, cold sync of {args.big} events  {out[0]} MiB "
          f"(sync {float(out[1]):.1f}s, feed {int(out[2]):,} bytes)   (target < 1024 MiB)")


if __name__ == "__main__":
    main()
