"""Profiles for RESULTS.md with py-spy (a sampling profiler that sees every thread, so the
work a sync or a server does in worker threads shows too).

`record(argv)` runs a command under py-spy, `attach(pid, seconds)` samples a running
process; both return the collapsed stacks, which `summary` turns into two short lists:
where the samples were (leaf functions, self time) and the calsync functions that hold
the most time (inclusive), which is what says what to change.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

__all__ = ["attach", "record", "summary"]

RATE = "250"


def _spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or \
        shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy is missing: .venv/bin/pip install -e '.[bench]'")
    return found


def record(argv: list[str]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "raw.txt"
        subprocess.run([_spy(), "record", "--format", "raw", "--rate", RATE, "--nonblocking",
                        "-o", str(out), "--", *argv], check=True, capture_output=True)
        return out.read_text(encoding="utf-8", errors="replace")


def attach(pid: int, seconds: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "raw.txt"
        subprocess.run([_spy(), "record", "--format", "raw", "--rate", RATE, "--nonblocking",
                        "--duration", str(seconds), "--pid", str(pid), "-o", str(out)],
                       check=True, capture_output=True)
        return out.read_text(encoding="utf-8", errors="replace")


def _frame(text: str) -> str:
    """'func (path/to/module.py:12)' -> 'func (module.py)'; site-packages shortened."""
    name, _, where = text.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3.11/", "wt-18/", "/work/main/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})" if where else name


def summary(raw: str, top: int = 8) -> list[str]:
    leaves: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";") if f]
        if not frames:
            continue
        leaves[frames[-1]] += n
        for frame in dict.fromkeys(f for f in frames if "calsync/" in f or "connectors/"
                                   in f):
            ours[frame] += n
    if not total:
        return ["(no samples)"]
    out = [f"{total:,} samples. Self time (leaf functions):", ""]
    out += [f"- {n / total:.0%} `{name}`" for name, n in leaves.most_common(top)]
    out += ["", "calsync functions holding the most time (inclusive):", ""]
    out += [f"- {n / total:.0%} `{name}`" for name, n in ours.most_common(top)]
    return out
