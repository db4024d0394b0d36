"""Scheduler ledger: claim cycles per second (claim + fenced completion) on SQLite and
PostgreSQL, against bare one-row inserts into the same table by the same processes
(`bench_ledger.measure_claims`, which runs the two back to back)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ledger
from figures import Figure, Report

AREA = "Scheduler ledger"


def measure(report: Report, rounds: int, ticks: int, postgres: bool) -> None:
    databases = [("SQLite", bench_ledger.sqlite_factory())]
    if postgres:
        databases.append(("PostgreSQL", bench_ledger.postgres_factory()))
    for name, factory in databases:
        for procs in (1, 2):
            print(f"  ledger: {name}, {procs} process(es)", flush=True)
            inserts = report.add(Figure(AREA, f"{name}, {procs} process(es): bare inserts",
                                        "/s"))
            claims = report.add(Figure(AREA, f"{name}, {procs} process(es): claim cycles",
                                       "/s", baseline=inserts))
            for _ in range(rounds):
                got = bench_ledger.measure_claims(factory, procs, ticks, 1)
                claims.runs.append(got["claims"])
                inserts.runs.append(got["inserts"])
