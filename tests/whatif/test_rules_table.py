"""What-if for every shipped rule on the synced pilot (frozen clock 2026-11-29), through
`calsync whatif` and `POST /api/whatif` (parametrised), the store the same afterwards.

FIRES: per rule, changes that make a finding of that rule appear. Most rules do not fire
on the pilot (only R4 and R13 do), so the change adds the hypothetical event(s) the rule
reads, shaped like a connector's (the tags and attributes of schedules/README.md), or
moves a real pilot event (R2-B reshapes the RUS, R19 moves the MFF's adoption).

RESOLVES: changes that make an existing finding disappear. A what-if compares against the
store, so only a finding that exists on the pilot can disappear: R4 (a budget with no known
date: adding the council's decision resolves it) and R13 (the review reshaped to end
before the input; tests/whatif/test_every_rule.py tells its story). For the other rules a
"add it, then move it" in one what-if cannot show a resolution: an added event has no UID
until the answer (`whatif-N`), a move can only name a stored event, and the diff is
against the store, where the added finding never existed. See the module's end.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from calsync.alerts.evaluate import evaluate_stored
from calsync.cli import cli
from calsync.clock import FixedClock
from calsync.runtime import Runtime
from calsync.store.events import list_events
from calsync.web.app import create_app
from tests.pilotdb import pilot, snapshot

__all__ = ["pilot"]

UMEA = {"org": "kommun-2480", "municipality_code": "2480"}


def add(title: str, start: str, end: str | None = None, **fields: Any) -> dict[str, Any]:
    """A hypothetical event, as `--add` and the API take it."""
    return {"add": {"title": title, "start": start, **({"end": end} if end else {}),
                    **fields}}


def decided_budget(start: str, year: str, **attrs: str) -> dict[str, Any]:
    """Umeå's council adopting a budget, as a municipal connector reports it."""
    return add(f"Umeå kommun adopts the {year} budget", start, level="municipal",
               actor="Umeå kommun", kind="budget", tags=["budget-adoption"],
               attrs={**UMEA, "budget_year": year, **attrs})


def by_cycle(runtime: Runtime, cycle: str) -> str:
    """The UID of the pilot's one event of a built-in cycle (stable across syncs)."""
    with runtime.engine.connect() as conn:
        found = [e.uid for e in list_events(conn, limit=100000)
                 if e.data.attrs.get("cycle") == cycle]
    assert len(found) == 1, (cycle, found)
    return found[0]


# rule -> changes that make one of its findings appear. A "{cycle:...}" UID is looked up.
FIRES: dict[str, list[dict[str, Any]]] = {
    "R1": [add("Call X closes", "2027-03-01", kind="deadline", tags=["call"],
               attrs={"programme": "x"}),
           add("Umeå co-finances X", "2027-04-01", level="municipal", kind="decision",
               tags=["co-financing"], attrs={"programme": "x"})],
    "R2-A": [add("Region revises the RUS", "2028-03-01", level="regional", kind="decision",
                 tags=["strategy"])],
    # The RUS ending in June 2027 instead of 2030 leaves the end of 2021-2027 uncovered
    # (cancelling it is no finding within the one-year horizon: the uncovered periods
    # then start in the past).
    "R2-B": [{"move": "{cycle:region-24.rus.2020-2030}", "to": "2020-01-01..2027-06-30"}],
    "R3": [decided_budget("2030-06-15", "2031")],
    "R4": [decided_budget("2027-12-10", "2028")],
    "R5": [add("Umeå's board proposes the 2028 budget", "2027-11-15", level="municipal",
               kind="budget", tags=["board-proposal"], attrs={**UMEA, "budget_year": "2028"})],
    "R6": [add("Umeå decides on state money", "2026-12-05", level="municipal",
               kind="decision", tags=["state-funded"], attrs={"funding_year": "2027"})],
    "R7": [add("Final payment claim", "2030-02-01", tags=["payment-claim"],
               attrs={"fund_period": "2021-2027"})],
    "R8": [add("Project assumes 2028-2034 money", "2028-02-01",
               attrs={"depends_on": "mff-2028-2034"})],
    "R9": [add("Consultation on the plan", "2027-07-01", "2027-08-01", level="municipal",
               kind="consultation")],
    "R10": [add("Call closes on a Saturday", "2027-01-02", kind="deadline", tags=["call"])],
    "R11-A": [add("Umeå annual report 2026", "2027-05-01", kind="report",
                  tags=["annual-report"], attrs={**UMEA, "accounts_year": "2026"})],
    "R11-B": [add("Umeå discharge 2026", "2027-08-01", tags=["discharge"],
                  attrs={**UMEA, "accounts_year": "2026"})],
    "R11-C": [add("Umeå discharge 2026", "2027-05-01", tags=["discharge"],
                  attrs={**UMEA, "accounts_year": "2026"}),
              add("Umeå approves the annual report 2026", "2027-06-01", kind="decision",
                  tags=["annual-report"], attrs={**UMEA, "accounts_year": "2026"})],
    "R12": [add("Umeå adopts a strategy", "2030-09-01", level="municipal", kind="decision",
                tags=["strategic"])],
    "R14-A": [decided_budget("2030-10-01", "2031")],
    "R14-B": [decided_budget("2030-11-20", "2031")],
    "R15": [add("Region allocates 1:1 money", "2026-12-01", level="regional",
                kind="decision", tags=["appropriation-1-1"], attrs={"funding_year": "2027"})],
    "R16": [add("Partnership prioritises", "2027-06-01", tags=["prioritisation",
                                                                 "co-financing-need"],
                attrs={"cofinancier": "Umeå kommun", "funding_year": "2028"}),
            decided_budget("2027-11-20", "2028")],
    "R17": [add("Late 2021-2027 call", "2028-06-01", kind="deadline", tags=["call"],
                attrs={"fund_period": "2021-2027"})],
    "R18": [add("Payment claim in December", "2027-12-15", tags=["payment-claim"],
                attrs={"fund_period": "2021-2027"})],
    # The MFF's adoption (a span over 2027) moved to February 2028, after the EU budget's
    # latest date (27 December 2027).
    "R19": [{"move": "{cycle:eu.mff.2028-2034.regulation-adopted}", "to": "2028-02-15"}],
}

# R19 looks one year ahead (horizon P1Y): at the frozen clock (29 November 2026) the
# budget's date is beyond it, so no what-if can make R19 fire then; the coordinator asks
# in March 2027 (the same store, a later clock), as tests/pilot does.
ASKED_ON = {"R19": datetime(2027, 3, 1, 9, 0, tzinfo=UTC)}


def with_uids(runtime: Runtime, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for change in changes:
        change = dict(change)
        for op in ("move", "cancel"):
            ref = change.get(op)
            if isinstance(ref, str) and ref.startswith("{cycle:"):
                change[op] = by_cycle(runtime, ref[len("{cycle:"):-1])
        out.append(change)
    return out


def cli_args(changes: list[dict[str, Any]]) -> list[str]:
    """The same changes as `calsync whatif` options."""
    args: list[str] = []
    for change in changes:
        if "move" in change:
            args += ["--move", f"{change['move']}={change['to']}"]
        elif "cancel" in change:
            args += ["--cancel", change["cancel"]]
        else:
            args += ["--add", json.dumps(change["add"])]
    return args


def whatif(runtime: Runtime, face: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
    if face == "cli":
        result = CliRunner().invoke(cli, ["whatif", *cli_args(changes), "--format", "json"],
                                    obj={"runtime": runtime})
        assert result.exit_code == 0, result.output
        answer: dict[str, Any] = json.loads(result.output)
        return answer
    response = TestClient(create_app(runtime)).post("/api/whatif", json={"changes": changes})
    assert response.status_code == 200, response.text
    got: dict[str, Any] = response.json()
    return got


FACES = ["cli", "api"]


def test_the_table_names_every_shipped_rule(pilot: Runtime) -> None:
    assert set(FIRES) == set(pilot.config.rules) - {"R13"}  # R13: test_every_rule.py


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("rule", sorted(FIRES))
def test_a_change_makes_the_rule_fire(pilot: Runtime, face: str, rule: str) -> None:
    before = snapshot(pilot.engine)
    asked = replace(pilot, clock=FixedClock(ASKED_ON[rule])) if rule in ASKED_ON else pilot
    answer = whatif(asked, face, with_uids(pilot, FIRES[rule]))
    assert rule in answer["rules"], answer["rules"]
    appeared = answer["per_rule"][rule]["appear"]
    assert appeared, answer["per_rule"][rule]
    assert all(f["summary"] for f in appeared)
    assert snapshot(pilot.engine) == before


def _finding_uid(runtime: Runtime, rule: str, needle: str) -> str:
    found = [f.subject.uid for f in evaluate_stored(runtime.engine, runtime.config,
                                                    runtime.clock.now()).findings
             if f.rule_id == rule and needle in f.subject.title]
    assert found, (rule, needle)
    return found[0]


@pytest.mark.parametrize("face", FACES)
def test_r4_the_councils_decision_resolves_the_missing_date(pilot: Runtime, face: str
                                                            ) -> None:
    before = snapshot(pilot.engine)
    uid = _finding_uid(pilot, "R4", "Umeå kommun")
    answer = whatif(pilot, face, [decided_budget("2026-11-25", "2027")])
    gone = answer["per_rule"]["R4"]["disappear"]
    assert uid in {f["evidence"]["subject"]["uid"] for f in gone}, answer["per_rule"]["R4"]
    assert snapshot(pilot.engine) == before


@pytest.mark.parametrize("face", FACES)
def test_r13_reshaping_the_review_resolves_it(pilot: Runtime, face: str) -> None:
    before = snapshot(pilot.engine)
    uid = _finding_uid(pilot, "R13", "")
    answer = whatif(pilot, face, [{"move": uid, "to": "2026-12-01..2027-03-01"}])
    [gone] = answer["per_rule"]["R13"]["disappear"]
    assert gone["evidence"]["subject"]["uid"] == uid
    assert snapshot(pilot.engine) == before


# Not resolvable by a what-if on the pilot (nothing to resolve: no finding in the store):
# R1, R2-A, R2-B, R3, R5-R12, R14-A, R14-B, R15-R19. Their "resolve" half is the firing
# change's mirror (the same event on a compliant date gives no finding), which is not a
# disappearing finding; see the module docstring.
