#!/usr/bin/env python3
"""Load and soak on `calsync serve` (issue 17): 64 connections, loopback only, bounded.

    .venv/bin/python bench/bench_load.py               # 30 s per phase, 60 s soak
    .venv/bin/python bench/bench_load.py --seconds 10 --soak 20   # a quick look

The bundled pilot config on a fresh SQLite database (synced first) is served by
`calsync serve --no-scheduler` in its own process. Then, with wrk (installed by
`bench_feeds.ensure_wrk` if missing), 2 threads and 64 connections each phase:

1. `/api/events` for `--seconds`, while `calsync sync` and `calsync evaluate` run in a
   loop beside it (writers on the same database);
2. `/feeds/all.ics` the same way;
3. a soak on a mix of feed and API for `--soak` seconds at 16 connections, with the
   server's resident memory sampled every second;
4. SIGTERM under load: how long the process takes to exit.

Reported: requests/s, errors (non-2xx/3xx plus socket errors), p99 latency, RSS first
and last of the soak, shutdown seconds. The baseline in the same run is `/healthz`
(one trivial query) at the same load: the ratio shows what the endpoint itself costs.
Results go to stdout and bench/out/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_feeds import ROOT, Server, ensure_wrk, wrk

CALSYNC = str(ROOT / ".venv" / "bin" / "calsync")


def writers(env: dict[str, str], stop: threading.Event, runs: list[str]) -> None:
    """`calsync sync` and `calsync evaluate` in turn until stopped (the load's writers)."""
    while not stop.is_set():
        for command in (["sync"], ["evaluate"]):
            done = subprocess.run([CALSYNC, *command], env=env, cwd=ROOT,
                                  capture_output=True, text=True)
            runs.append(f"{command[0]}:{done.returncode}")


def phase(binary: str, server: Server, path: str, seconds: int, env: dict[str, str],
          connections: int = 64) -> dict[str, Any]:
    stop, runs = threading.Event(), []  # type: ignore[var-annotated]
    beside = threading.Thread(target=writers, args=(env, stop, runs))
    beside.start()
    try:
        result = wrk(binary, server.url(path), seconds, connections=connections, threads=2)
    finally:
        stop.set()
        beside.join()
    return {**result, "path": path, "writers": runs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--soak", type=int, default=60)
    args = parser.parse_args()
    binary = ensure_wrk()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "CALSYNC_CONFIG": str(ROOT / "config.yaml"),
               "CALSYNC_DATABASE_URL": f"sqlite:///{folder}/load.db"}
        for command in (["db", "upgrade"], ["sync"], ["evaluate"]):
            subprocess.run([CALSYNC, *command], env=env, cwd=ROOT, check=True,
                           capture_output=True)
        server = Server(env=env, command=[CALSYNC, "serve", "--no-scheduler", "--port"])
        try:
            results: dict[str, Any] = {"cpus": os.cpu_count(), "connections": 64}
            for name, path in (("baseline", "/healthz"), ("api", "/api/events"),
                               ("feed", "/feeds/all.ics")):
                print(f"==> {name}: {path}, 64 connections, {args.seconds} s, writers beside")
                results[name] = phase(binary, server, path, args.seconds, env)
                print(json.dumps({k: v for k, v in results[name].items() if k != "writers"}))
            print(f"==> soak: {args.soak} s, 16 connections, RSS sampled every second")
            rss: list[float] = []
            sampler_stop = threading.Event()

            def sample() -> None:
                while not sampler_stop.wait(1.0):
                    rss.append(server.rss_mib())

            sampler = threading.Thread(target=sample)
            sampler.start()
            soak = phase(binary, server, "/feeds/municipal.ics", args.soak, env, 16)
            sampler_stop.set()
            sampler.join()
            results["soak"] = {**soak, "rss_first_mib": rss[0] if rss else None,
                               "rss_last_mib": rss[-1] if rss else None,
                               "rss_max_mib": max(rss) if rss else None}
            print("==> SIGTERM under load")
            load = subprocess.Popen([binary, "-t2", "-c64", "-d20s", server.url("/api/events")],
                                    stdout=subprocess.DEVNULL)
            time.sleep(3)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            server.proc.wait(timeout=60)
            results["shutdown_seconds"] = round(time.monotonic() - started, 2)
            load.wait()
        finally:
            if server.proc.poll() is None:
                server.stop()
    for name in ("api", "feed"):
        results[name]["ratio_to_baseline_rps"] = round(
            results[name]["rps"] / max(results["baseline"]["rps"], 1e-9), 3)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items()}, indent=2, default=str)[:4000])


if __name__ == "__main__":
    main()
