"""A finished command may end its process without the interpreter's teardown
(`calsync.cli.teardown`), but never at the cost of output, atexit handlers, the
database or the exit code; and a process that cannot end that way safely exits as usual."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calsync.store.engine import make_engine
from calsync.store.tables import alerts
from tests.conftest import REPO

# Ends through `exit_now` as `main` does, after a command that asked to skip teardown
# wrote 200 kB to a pipe (block-buffered) and registered an atexit handler.
SCRIPT = """
import atexit, sys, threading, time
import click
from calsync.cli.teardown import exit_now, skip_teardown

mode, code = sys.argv[1], sys.argv[2]
atexit.register(lambda: open(sys.argv[3], "w").write("atexit ran"))
obj = {{}}
with click.Context(click.Command("x"), obj=obj):
    if mode != "not-asked":
        skip_teardown()
if mode == "thread":
    threading.Thread(target=lambda: (time.sleep(0.5), print("thread done"))).start()
sys.stdout.write("x" * 200_000 + "\\nend\\n")
exit_now(obj, int(code) if code.isdigit() else code)
print("returned")
sys.exit(9)
"""


def _run(tmp_path: Path, mode: str, code: str) -> tuple[subprocess.CompletedProcess[str], str]:
    marker = tmp_path / "marker"
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(), mode, code, str(marker)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    return done, marker.read_text() if marker.exists() else ""


@pytest.mark.parametrize("code", ["0", "3"])
def test_it_flushes_output_runs_atexit_and_keeps_the_exit_code(tmp_path: Path,
                                                               code: str) -> None:
    done, marker = _run(tmp_path, "asked", code)
    assert done.returncode == int(code), done.stderr
    assert done.stdout == "x" * 200_000 + "\nend\n"  # all of it, and it did not return
    assert marker == "atexit ran"


@pytest.mark.parametrize(("mode", "code"), [("not-asked", "0"), ("thread", "0"),
                                            ("asked", "text")])
def test_otherwise_it_returns_and_the_process_exits_as_usual(tmp_path: Path, mode: str,
                                                             code: str) -> None:
    done, marker = _run(tmp_path, mode, code)
    assert done.returncode == 9, done.stderr
    assert done.stdout.startswith("x" * 200_000 + "\nend\nreturned\n")
    assert ("thread done" in done.stdout) == (mode == "thread")
    assert marker == "atexit ran"


def test_evaluate_ends_with_everything_written_and_the_database_closed(
        tmp_path: Path) -> None:
    events = [{"id": f"call{i}", "title": f"Call {i} closes", "start": "2030-05-15",
               "tags": ["call"], "attrs": {"programme": f"P{i}"}} for i in range(3)]
    events += [{"id": f"cofin{i}", "title": f"Co-financing {i}", "start": "2030-06-09",
                "tags": ["co-financing"], "attrs": {"programme": f"P{i}"}} for i in range(3)]
    (tmp_path / "events.json").write_text(json.dumps(events), encoding="utf-8")
    (tmp_path / "config.yaml").write_text(f"""data_dir: {tmp_path}
connectors:
  upstream: {{type: tests.support:FileConnector, level: municipal, actor: Vindeln,
             kind: decision, file: events.json}}
rules:
  R1:
    kind: precedes
    title: co-financing before the call closes
    a: {{kind: decision, tags: [co-financing]}}
    b: {{tags: [call]}}
    join: {{keys: [programme], pick: nearest}}
alerts: {{lookback: null}}
""", encoding="utf-8")
    db = tmp_path / "calsync.db"
    env = {**os.environ, "CALSYNC_CONFIG": str(tmp_path / "config.yaml"),
           "CALSYNC_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    for args in (["db", "upgrade"], ["sync"], ["evaluate"]):
        done = subprocess.run([sys.executable, "-m", "calsync", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "Findings (3) from 1 rules over 6 events" in done.stdout
    assert done.stdout.rstrip().endswith("See `calsync alerts`.")  # the last line printed
    assert not Path(f"{db}-wal").exists()  # the last connection closed: log checkpointed
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 3
    finally:
        engine.dispose()
