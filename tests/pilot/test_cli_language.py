"""The CLI prints the pilot's findings in the config's language (config.yaml says
`language: sv`): `calsync alerts`, `alerts show` and `evaluate`, on the built-in cycles
synced as shipped, with the frozen clock (29 November 2026)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from calsync.cli import cli
from calsync.runtime import Runtime
from tests.conftest import REPO
from tests.pilotdb import sync_enabled


@pytest.fixture
def pilot(sqlite_engine: Engine, make_runtime: Callable[..., Runtime],
          monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COLUMNS", "240")
    return sync_enabled(make_runtime(REPO / "config.yaml", sqlite_engine))


def run(runtime: Runtime, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), obj={"runtime": runtime})
    assert result.exit_code == 0, result.output
    return result.output


def test_alerts_and_evaluate_speak_swedish_on_the_pilot(pilot: Runtime) -> None:
    assert pilot.config.language == "sv"
    out = run(pilot, "evaluate")
    flat = " ".join(out.replace("│", " ").split())
    assert "väntas först till" in flat and "3 år och 2 månader efter" in flat
    assert "Region Västerbotten: besluta senast 30 juni 2027" in flat
    assert "30 juni 2027" in flat and "June" not in flat
    listed = json.loads(run(pilot, "alerts", "--format", "json"))
    r13 = next(a for a in listed if a["rule"] == "R13")
    assert "väntas först till 7 september 2030" in r13["summary"]
    shown = " ".join(run(pilot, "alerts", "show", str(r13["id"])).split())
    assert "Åtgärd: Region Västerbotten: besluta senast 30 juni 2027." in shown
    assert "due: 30 juni 2027" in shown and "actual: 3 år och 2 månader efter" in shown
    # the English text travels with the alert for readers in the other language
    assert "is expected only by 7 September 2030" in r13["annotations"]["summary_en"]
