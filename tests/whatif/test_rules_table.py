"""What-if for every shipped rule on the synced pilot (frozen clock 2026-11-29), through
`calsync whatif` and `POST /api/whatif` (parametrised), the store the same afterwards.

FIRES: per rule, changes that make a finding of that rule appear. Most rules do not fire
on the pilot (only R4 and R13 do), so the change adds the hypothetical event(s) the rule
reads, shaped like a connector's (the tags and attributes of schedules/README.md), or
moves a real pilot event (R2-B reshapes the RUS, R19 moves the MFF's adoption).

RESOLVES: per rule, a move that makes a finding of that rule disappear. A what-if compares
against "store + given", so the firing change goes in `given` (assumed on both sides) with
its added step named (`"as"`), and the change moves that step (or the moved pilot event) to
a compliant date: the finding is under "disappear" and names the moved event. R4 and R13
also resolve findings that exist on the pilot itself (the council's decision added; the
review reshaped), with nothing given.
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


def named(change: dict[str, Any], name: str) -> dict[str, Any]:
    """The added event of `change`, named so that a move in the same request can name it."""
    return {"add": {**change["add"], "as": name}}


def decided_budget(start: str, year: str, **attrs: str) -> dict[str, Any]:
    """Umeå's council adopting a budget, as a municipal connector reports it."""
    return add(f"Umeå kommun adopts the {year} budget", start, level="municipal",
               actor="Umeå kommun", kind="budget", tags=["budget-adoption"],
               attrs={**UMEA, "budget_year": year, **attrs})


def by_cycle(runtime: Runtime, cycle: str) -> str:
    """The UID of the pilot's one event of a built-in cycle (stable across syncs)."""
    cycle, _, year = cycle.partition("@")
    with runtime.engine.connect() as conn:
        found = [e.uid for e in list_events(conn, limit=100000)
                 if e.data.attrs.get("cycle") == cycle and str(e.start).startswith(year)]
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

# R13 fires on the pilot itself; to make it *appear*, the review is given reshaped to end
# in time (resolved) and the change stretches it past the regions' input again.
REVIEW = "{cycle:region-24.rus.review@2026}"
FIRE_GIVEN = {"R13": [{"move": REVIEW, "to": "2026-12-01..2027-03-01"}]}
FIRES["R13"] = [{"move": REVIEW, "to": "2026-12-01..2027-12-31"}]


def step(rule: str, n: int = 0) -> dict[str, Any]:
    """FIRES[rule]'s n-th added event, named "step"."""
    return named(FIRES[rule][n], "step")


def moved(to: str, uid: str = "step") -> list[dict[str, Any]]:
    return [{"move": uid, "to": to}]


# rule -> (given, changes): the given fires the rule, the change's move resolves it.
RESOLVES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "R1": ([FIRES["R1"][0], named(FIRES["R1"][1], "step")], moved("2027-02-01")),
    "R2-A": ([step("R2-A")], moved("2027-09-01")),
    # The RUS given ending in June 2027; the change stretches it to the end of 2028.
    "R2-B": (FIRES["R2-B"], moved("2020-01-01..2028-12-31", FIRES["R2-B"][0]["move"])),
    "R3": ([step("R3")], moved("2030-11-20")),
    "R4": ([step("R4")], moved("2027-11-20")),
    "R5": ([step("R5")], moved("2027-10-15")),
    "R6": ([step("R6")], moved("2027-01-15")),
    "R7": ([step("R7")], moved("2029-10-01")),
    "R8": ([step("R8")], moved("2028-09-01")),
    "R9": ([step("R9")], moved("2027-09-01..2027-10-29")),
    "R10": ([step("R10")], moved("2027-01-04")),
    "R11-A": ([step("R11-A")], moved("2027-04-01")),
    "R11-B": ([step("R11-B")], moved("2027-06-15")),
    # The approval given after the discharge, then moved before it.
    "R11-C": ([FIRES["R11-C"][0], named(FIRES["R11-C"][1], "step")], moved("2027-04-20")),
    "R12": ([step("R12")], moved("2030-11-02")),
    "R13": ([], FIRE_GIVEN["R13"]),
    "R14-A": ([step("R14-A")], moved("2030-11-25")),
    "R14-B": ([step("R14-B")], moved("2030-12-18")),
    "R15": ([step("R15")], moved("2027-02-15")),
    # The partnership given prioritising before Umeå's budget; moved after it.
    "R16": ([named(FIRES["R16"][0], "step"), FIRES["R16"][1]], moved("2027-12-15")),
    "R17": ([step("R17")], moved("2027-11-01")),
    "R18": ([step("R18")], moved("2027-10-15")),
    # The MFF given adopted in February 2028; moved back to the spring of 2027.
    "R19": (FIRES["R19"], moved("2027-04-01", FIRES["R19"][0]["move"])),
}

# R19 looks one year ahead (horizon P1Y): at the frozen clock (29 November 2026) the
# budget's date is beyond it, so no what-if can make R19 fire then; the coordinator asks
# in March 2027 (the same store, a later clock), as tests/pilot does.
ASKED_ON = {"R19": datetime(2027, 3, 1, 9, 0, tzinfo=UTC)}


def with_uids(runtime: Runtime, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`{cycle:C}` (or `{cycle:C@YEAR}`, the one starting in YEAR) replaced by its UID."""
    out = []
    for change in changes:
        change = dict(change)
        for op in ("move", "cancel"):
            ref = change.get(op)
            if isinstance(ref, str) and ref.startswith("{cycle:"):
                change[op] = by_cycle(runtime, ref[len("{cycle:"):-1])
        out.append(change)
    return out


def cli_args(changes: list[dict[str, Any]], prefix: str = "--") -> list[str]:
    """The same changes as `calsync whatif` options (`--given-...` with that prefix)."""
    args: list[str] = []
    for change in changes:
        if "move" in change:
            args += [prefix + "move", f"{change['move']}={change['to']}"]
        elif "cancel" in change:
            args += [prefix + "cancel", change["cancel"]]
        else:
            args += [prefix + "add", json.dumps(change["add"])]
    return args


def whatif(runtime: Runtime, face: str, changes: list[dict[str, Any]],
           given: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if face == "cli":
        result = CliRunner().invoke(cli, ["whatif", *cli_args(changes),
                                          *cli_args(given or [], "--given-"),
                                          "--format", "json"], obj={"runtime": runtime})
        assert result.exit_code == 0, result.output
        answer: dict[str, Any] = json.loads(result.output)
        return answer
    response = TestClient(create_app(runtime)).post(
        "/api/whatif", json={"changes": changes, **({"given": given} if given else {})})
    assert response.status_code == 200, response.text
    got: dict[str, Any] = response.json()
    return got


FACES = ["cli", "api"]


def test_the_tables_name_every_shipped_rule(pilot: Runtime) -> None:
    assert set(FIRES) == set(RESOLVES) == set(pilot.config.rules)
    assert len(FIRES) == 23


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("rule", sorted(FIRES))
def test_a_change_makes_the_rule_fire(pilot: Runtime, face: str, rule: str) -> None:
    before = snapshot(pilot.engine)
    asked = replace(pilot, clock=FixedClock(ASKED_ON[rule])) if rule in ASKED_ON else pilot
    answer = whatif(asked, face, with_uids(pilot, FIRES[rule]),
                    with_uids(pilot, FIRE_GIVEN.get(rule, [])))
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


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("rule", sorted(RESOLVES))
def test_a_move_resolves_the_rules_finding(pilot: Runtime, face: str, rule: str) -> None:
    """Given the firing change, the move makes that rule's finding disappear, and the
    finding that goes names the moved event (the added step: its `whatif-N` UID)."""
    before = snapshot(pilot.engine)
    asked = replace(pilot, clock=FixedClock(ASKED_ON[rule])) if rule in ASKED_ON else pilot
    given, changes = (with_uids(pilot, c) for c in RESOLVES[rule])
    answer = whatif(asked, face, changes, given)
    [move] = [c for c in answer["changes"] if c["op"] == "move"]
    gone = answer["per_rule"][rule]["disappear"]
    assert gone, answer["per_rule"][rule]
    involved = {u for f in gone for u in (f["evidence"]["subject"]["uid"],
                                          (f["evidence"].get("object") or {}).get("uid"))}
    assert move["uid"] in involved, (move, gone)
    assert answer["per_rule"][rule]["appear"] == [], answer["per_rule"][rule]
    assert snapshot(pilot.engine) == before
