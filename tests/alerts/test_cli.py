"""`calsync evaluate` and `calsync alerts` end to end on a small project (SQLite)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import cli
from tests.support import write_events

CONFIG = """
connectors:
  upstream:
    type: tests.support:FileConnector
    level: municipal
    actor: Vindelns kommun
    kind: decision
    file: events.json
rules:
  R1:
    kind: precedes
    title: co-financing before the call closes
    a: {kind: decision, tags: [co-financing]}
    b: {tags: [call]}
    join: {keys: [programme], pick: nearest}
    severity: critical
alerts: {lookback: null}
"""


@pytest.fixture
def project(tmp_path: Path, write_config: Callable[..., Path],
            monkeypatch: pytest.MonkeyPatch) -> Path:
    write_config(CONFIG)
    write_events(tmp_path / "events.json", [
        {"id": "call", "title": "ERDF call closes", "start": "2030-05-15", "tags": ["call"],
         "attrs": {"programme": "ERDF"}},
        {"id": "cofin", "title": "Co-financing decision", "start": "2030-06-09",
         "tags": ["co-financing"], "attrs": {"programme": "ERDF"}}])
    monkeypatch.setenv("CALSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    for args in (["db", "upgrade"], ["sync"]):
        assert CliRunner().invoke(cli, args).exit_code == 0
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_evaluate_prints_findings_and_opens_alerts(project: Path) -> None:
    code, out = run("evaluate")
    assert code == 0, out
    assert "comes 25 days after" in out and "15 May 2030" in out
    assert "Alerts: 0 new" in out  # `calsync sync` already evaluated and opened it
    opened = json.loads(run("alerts", "--format", "json")[1])
    assert [a["labels"]["alertname"] for a in opened] == ["R1"]
    code, out = run("evaluate", "--dry-run", "--format", "json")
    data = json.loads(out)
    assert data["summary"] is None and data["findings"][0]["rule"] == "R1"
    assert run("evaluate", "--rule", "R9")[0] == 2


def test_alerts_workflow_from_the_command_line(project: Path) -> None:
    run("evaluate")
    code, out = run("alerts", "--format", "json")
    [alert] = json.loads(out)
    ref = str(alert["id"])
    assert run("alerts", "ack", ref, "-m", "KS in April", "--by", "anna") == (
        0, f"Alert {ref} is now acknowledged.\n")
    code, out = run("alerts", "show", ref)
    assert code == 0 and "acknowledged" in out and "KS in April" in out and "anna" in out
    code, out = run("alerts", "snooze", ref, "--until", "2099-01-01", "-m", "later")
    assert code == 0 and "snoozed until" in out
    assert run("alerts", "--state", "snoozed", "--format", "json")[1].count('"id"') == 1
    assert run("alerts", "reopen", ref)[0] == 0
    code, out = run("alerts", "silence", "add", "-l", "alertname=R1", "--until", "P7D",
                    "-m", "known")
    assert code == 0 and "alertname=R1" in out and "mutes 1 firing alert(s)" in out
    assert json.loads(run("alerts", "--state", "silenced", "--format", "json")[1])
    code, out = run("alerts", "silence", "list")
    assert code == 0 and "active" in out
    assert run("alerts", "silence", "expire", "1")[0] == 0
    assert json.loads(run("alerts", "--state", "silenced", "--format", "json")[1]) == []
    assert run("alerts", "silence", "add", "-l", "nonsense", "-m", "x")[0] == 2
    code, out = run("alerts", "silence", "add", "-l", "alertname=~R[1", "-m", "x")
    assert code == 2 and "'R[1' is not a regular expression" in out
    assert "Traceback" not in out
    code, out = run("alerts", "silence", "add", "-l", "alertnme=R1", "-m", "typo")
    assert code == 0 and "mutes 0 firing alert(s)" in out
    assert "did you mean 'alertname'?" in out
    code, out = run("alerts", "silence", "add", "-l", "alertname=R1", "-m", "known",
                    "--until", "2020-01-01")
    assert code == 2 and "must end after it starts" in out
    code, out = run("alerts", "send")
    assert code == 0 and "sent 0" in out
    assert run("alerts", "show", "999")[0] == 1
