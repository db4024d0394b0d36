"""Ending a finished command's process without the interpreter's teardown.

When `calsync evaluate` has printed its findings and committed the alerts, Python's exit
still frees its 100,000-event timeline object by object, runs a last full garbage
collection over it and clears every module: 0.3-0.5 s of a 2-3 s command, spent on
memory the operating system takes back at once anyway.

So a command whose work is done may say so (`skip_teardown()`, once it has committed).
`main` then ends the process itself (`exit_now`), but only once nothing can be lost: standard
output and error are flushed, the atexit handlers have run (logging's flush and close
among them), the runtime's engine is disposed (connections closed, SQLite's write-ahead
log checkpointed as on a normal exit), no other non-daemon thread is running, and the
exit code is a number, which the process then exits with. If any of that fails it
returns, and the process exits the ordinary way.

The request lives in the click context's object, which `main` hands to the group, so
only a real `calsync` process acts on it: tests invoking `cli` in-process (CliRunner)
never reach `exit_now`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import Any

import click

__all__ = ["exit_now", "skip_teardown"]

_KEY = "skip_teardown"


def skip_teardown() -> None:
    """The running command has committed everything it writes (what may remain is
    output, which `exit_now` flushes): its process may end without the interpreter's
    teardown."""
    click.get_current_context().ensure_object(dict)[_KEY] = True


def exit_now(obj: dict[str, Any], code: object) -> None:
    """End the process with `code` (a `SystemExit` code) if the command asked for it
    (`skip_teardown`) and it is safe; otherwise return, and the caller exits as usual."""
    if not obj.get(_KEY):
        return
    if code is None:
        code = 0
    if not isinstance(code, int) or isinstance(code, bool):
        return  # Python prints a text code to stderr: leave that to it
    if any(not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return  # a normal exit waits for it
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed pipe, say: the normal exit reports it as it always did
    runtime = obj.get("runtime")
    if runtime is not None:
        runtime.close()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # the handlers already ran; the output is as complete as it can be
    os._exit(code)
