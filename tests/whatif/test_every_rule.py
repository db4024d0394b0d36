"""What-if proof on the synced pilot with the frozen clock, through `calsync whatif` and
`POST /api/whatif` (which must agree), the store the same afterwards: R13's case.

R13 (the RUS review of this term before the regions' input to the 2028-2034 plan) is a
span from 13 September 2026 to 7 September 2030 that must *end* before the input of 30
June 2027. Last session "move it to 2027-03-01" did not resolve it, because a move keeps
an event's length: the span then ended in 2031. A move can now give the span's first and
last day (`UID=2026-12-01..2027-03-01`), which resolves it.
(Not yet here: a firing and a resolving change for every one of the 23 shipped rules.)
"""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient

from calsync.alerts.evaluate import evaluate_stored
from calsync.cli import cli
from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.pilotdb import pilot, snapshot

__all__ = ["pilot"]


def both_faces(runtime: Runtime, change: dict[str, Any]) -> dict[str, Any]:
    """The answer of `calsync whatif` and of `POST /api/whatif`, which must be the same."""
    result = CliRunner().invoke(cli, ["whatif", "--move", f"{change['move']}={change['to']}",
                                      "--format", "json"], obj={"runtime": runtime})
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    api = TestClient(create_app(runtime)).post("/api/whatif", json={"changes": [change]})
    assert api.status_code == 200, api.text
    got = api.json()
    for one in (answer, got):
        one.pop("seconds")
    assert got == answer
    return answer


def test_r13_a_move_keeps_the_length_a_range_reshapes_the_span(pilot: Runtime) -> None:
    before = snapshot(pilot.engine)
    [finding] = [f for f in evaluate_stored(pilot.engine, pilot.config,
                                            pilot.clock.now()).findings if f.rule_id == "R13"]
    uid = finding.subject.uid
    shifted = both_faces(pilot, {"move": uid, "to": "2027-03-01"})
    assert shifted["per_rule"]["R13"]["disappear"] == []  # still ends after June 2027
    reshaped = both_faces(pilot, {"move": uid, "to": "2026-12-01..2027-03-01"})
    [gone] = reshaped["per_rule"]["R13"]["disappear"]
    assert gone["evidence"]["subject"]["uid"] == uid
    assert reshaped["changes"][0]["last"] == "2027-03-01"
    [window] = reshaped["ranges"]
    assert window["from"] is not None and window["from"] <= "2026-12-01" <= window["to"]
    bad = CliRunner().invoke(cli, ["whatif", "--move", f"{uid}=2027-03-01..2026-12-01",
                                    "--lang", "en"],
                             obj={"runtime": pilot})
    assert bad.exit_code == 2 and "before the first" in bad.output
    assert snapshot(pilot.engine) == before
