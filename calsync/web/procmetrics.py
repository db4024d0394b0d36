"""`/metrics` about the process itself: what is running and what it costs.

- `calsync_build_info{version, python, implementation}`: always 1, so a dashboard can
  tell which release and Python each instance runs (and see a rolling upgrade);
- the standard `process_*` families (the names Prometheus' own client libraries use, so
  existing dashboards and alerts work): CPU seconds, resident and virtual memory, open
  and maximum file descriptors, threads and start time.

Read from /proc on Linux, where calsync runs in production; elsewhere only what the
standard library can tell (CPU seconds, the file-descriptor limit) is reported. Each
number is read when /metrics is scraped: nothing runs in the background.
"""

from __future__ import annotations

import os
import platform
import resource
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from calsync import __version__

__all__ = ["Sample", "process_families"]

Sample = tuple[str, str, str, list[tuple[dict[str, str], float]]]
"""A metric family: name, type, help text, then (labels, value) samples."""

_PROC = Path("/proc/self")


def process_families() -> Iterator[Sample]:
    """The build-info and process families, as `calsync.web.metrics` renders them."""
    yield (
        "calsync_build_info",
        "gauge",
        "Always 1: the calsync version and the Python it runs on.",
        [
            (
                {
                    "version": __version__,
                    "python": platform.python_version(),
                    "implementation": platform.python_implementation(),
                },
                1,
            )
        ],
    )
    times = os.times()
    yield (
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        [({}, round(times.user + times.system, 3))],
    )
    yield from _memory()
    yield from _descriptors()
    yield (
        "process_threads",
        "gauge",
        "Python threads alive in this process.",
        [({}, threading.active_count())],
    )
    started = _start_time()
    if started is not None:
        yield (
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            [({}, started)],
        )


def _memory() -> Iterable[Sample]:
    try:
        pages = (_PROC / "statm").read_text().split()
    except OSError:
        return
    size = os.sysconf("SC_PAGE_SIZE")
    yield (
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        [({}, int(pages[0]) * size)],
    )
    yield (
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        [({}, int(pages[1]) * size)],
    )


def _descriptors() -> Iterable[Sample]:
    try:
        open_fds = sum(1 for _ in (_PROC / "fd").iterdir())
    except OSError:
        open_fds = None
    if open_fds is not None:
        yield ("process_open_fds", "gauge", "Number of open file descriptors.", [({}, open_fds)])
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield ("process_max_fds", "gauge", "Maximum number of open file descriptors.", [({}, soft)])


def _start_time() -> float | None:
    """Boot time plus the process' start in clock ticks after boot (/proc/self/stat)."""
    try:
        stat = (_PROC / "stat").read_text()
        boot = next(
            line
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration):
        return None
    # The command name (field 2) may hold spaces: the fields after it follow its ")".
    after = stat.rsplit(")", 1)[1].split()
    ticks = int(after[19])  # field 22, starttime
    return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
