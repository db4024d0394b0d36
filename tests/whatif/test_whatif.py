"""What-if on the synced pilot (SQLite and PostgreSQL), through the CLI and the API:
changes that make a shipped rule fire and that resolve a finding, bad input, and a store
that is exactly the same afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calsync.alerts.evaluate import evaluate_stored
from calsync.cli import cli
from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.conftest import REPO
from tests.pilotdb import snapshot, sync_enabled


@pytest.fixture
def pilot(engine: Engine, make_runtime: Callable[..., Runtime],
          monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COLUMNS", "200")
    return sync_enabled(make_runtime(REPO / "config.yaml", engine))


def whatif(runtime: Runtime, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["whatif", *args], obj={"runtime": runtime}, input=input)
    return result.exit_code, result.output


def subject_of(runtime: Runtime, rule: str) -> str:
    findings = evaluate_stored(runtime.engine, runtime.config, runtime.clock.now()).findings
    return next(f.subject.uid for f in findings if f.rule_id == rule)


def test_a_call_deadline_on_a_saturday_fires_r10_and_a_weekday_does_not(pilot: Runtime
                                                                       ) -> None:
    before = snapshot(pilot.engine)
    call = {"title": "Hypothetical call closes", "start": "2027-03-06", "kind": "deadline",
            "level": "eu", "actor": "European Commission", "tags": ["call-deadline"]}
    code, out = whatif(pilot, "--add", json.dumps(call), "--format", "json")
    assert code == 0, out
    [fired] = json.loads(out)["per_rule"]["R10"]["appear"]
    assert "Hypothetical call closes" in fired["summary"]
    client = TestClient(create_app(pilot))
    api = client.post("/api/whatif", json={"changes": [{"add": call}]})
    assert api.status_code == 200
    assert len(api.json()["per_rule"]["R10"]["appear"]) == 1
    weekday = client.post("/api/whatif", json={"changes": [
        {"add": {**call, "start": "2027-03-03"}}]}).json()
    assert weekday["per_rule"].get("R10", {}).get("appear", []) == []
    assert snapshot(pilot.engine) == before


def test_cancel_by_search_is_confirmed(pilot: Runtime) -> None:
    code, out = whatif(pilot, "--cancel", "Regional development strategy (RUS)",
                       "--format", "json", input="y\n")
    assert code == 0, out
    assert "Använda den här händelsen?" in out  # the pilot's language
    assert "'Regional development strategy (RUS)' är " in out
    answer = json.loads(out[out.index("{"):])
    assert answer["changes"][0]["op"] == "cancel" and "R2-B" in answer["rules"]


def test_bad_input_is_exit_2_and_4xx(pilot: Runtime) -> None:
    code, out = whatif(pilot, "--move", "no-such-uid@x=2027-01-01", "--lang", "en")
    assert code == 2 and "no event has the UID 'no-such-uid@x'" in out
    code, out = whatif(pilot, "--move", "no-such-uid@x=2027-01-01")
    assert code == 2 and "ingen händelse har UID 'no-such-uid@x'" in out
    code, out = whatif(pilot, "--cancel", "budget", "--lang", "en")
    assert code == 2 and "matches more than 10 events" in out and "narrower search" in out
    code, out = whatif(pilot, "--cancel", "budget")
    assert code == 2 and "matchar fler än 10 händelser" in out
    code, out = whatif(pilot, "--cancel", "Umeå årsredovisningen 2027", "--lang", "en")
    assert code == 2 and "matches 2 events: " in out and "ansvarsfrihet" not in out
    assert "annual report 2027 to Kommunfullmäktige" in out and "discharge from liability" in out
    uid = subject_of(pilot, "R13")
    code, out = whatif(pilot, "--move", f"{uid}=2027-02-30", "--lang", "en")
    assert code == 2 and "expected a date as YYYY-MM-DD, 'today'" in out
    client = TestClient(create_app(pilot))
    response = client.post("/api/whatif", json={"changes": [{"cancel": "no-such-uid@x"}]})
    assert response.status_code == 404 and "no-such-uid@x" in response.text
    response = client.post("/api/whatif", json={"changes": [{"move": uid, "to": "soon"}]})
    assert response.status_code == 400 and "ändring 1.to" in response.text  # language: sv
    assert client.post("/api/whatif", json={"changes": []}).status_code == 400


def test_relative_dates_from_the_frozen_today(pilot: Runtime) -> None:
    """`+P90D` is 90 days after the clock's today (2026-11-29), the same in CLI and API."""
    uid = subject_of(pilot, "R13")
    code, out = whatif(pilot, "--move", f"{uid}=+P1Y", "--format", "json")
    assert code == 0, out
    assert json.loads(out)["changes"][0]["to"] == "2027-11-29"
    api = TestClient(create_app(pilot)).post(
        "/api/whatif", json={"changes": [{"move": uid, "to": "-P1Y"}]}).json()
    assert api["changes"][0]["to"] == "2025-11-29"
    code, out = whatif(pilot, "--move", f"{uid}=today", "--format", "json")
    assert json.loads(out)["changes"][0]["to"] == "2026-11-29"


def test_an_added_step_is_named_and_moved_in_the_same_request(pilot: Runtime) -> None:
    """`"as"` names an added event; a move names it (or its `whatif-N` UID). Given, the
    added step's finding is on both sides and the move makes it disappear; in the changes
    (no given) nothing was there before, so nothing disappears; mistakes are 4xx / exit 2."""
    before = snapshot(pilot.engine)
    call = {"title": "Hypothetical call closes", "start": "2027-03-06", "kind": "deadline",
            "level": "eu", "actor": "European Commission", "tags": ["call-deadline"],
            "as": "call"}
    client = TestClient(create_app(pilot))
    given = client.post("/api/whatif", json={"given": [{"add": call}],
                                             "changes": [{"move": "call", "to": "2027-03-08"}]})
    assert given.status_code == 200, given.text
    answer = given.json()
    assert answer["given"] == [{"op": "add", "uid": "whatif-1", "title": call["title"],
                                "start": "2027-03-06", "as": "call"}]
    assert answer["changes"][0] | {"from": None} == {
        "op": "move", "uid": "whatif-1", "title": call["title"], "from": None,
        "to": "2027-03-08"}
    [gone] = answer["per_rule"]["R10"]["disappear"]
    assert gone["evidence"]["subject"]["uid"] == "whatif-1"
    [window] = answer["ranges"]
    assert window["uid"] == "whatif-1" and window["from"] <= "2027-03-08" <= window["to"]
    code, out = whatif(pilot, "--given-add", json.dumps(call), "--move", "call=2027-03-08",
                       "--format", "json")
    assert code == 0, out
    cli_answer = json.loads(out)
    for one in (cli_answer, answer):
        one.pop("seconds")
    assert cli_answer == answer
    together = client.post("/api/whatif", json={"changes": [
        {"move": "whatif-1", "to": "2027-03-13"}, {"add": call}]}).json()
    assert together["per_rule"]["R10"]["disappear"] == []
    assert len(together["per_rule"]["R10"]["appear"]) == 1  # Saturday 13 March
    twice = client.post("/api/whatif", json={"changes": [{"add": call}, {"add": call}]})
    assert twice.status_code == 400 and "'call'" in twice.text
    unknown = client.post("/api/whatif", json={"changes": [{"move": "cal", "to": "today"}]})
    assert unknown.status_code == 404 and "'cal'" in unknown.text
    code, out = whatif(pilot, "--add", json.dumps(call), "--add", json.dumps(call))
    assert code == 2 and "'call'" in out
    code, out = whatif(pilot, "--given-add", json.dumps(call), "--cancel", "whatif-9")
    assert code == 2 and "'whatif-9'" in out
    assert snapshot(pilot.engine) == before


def test_an_add_in_a_schedule_steps_shape(pilot: Runtime) -> None:
    """A step as a schedule writes it (title in both languages, `when: {date}` or
    `{start, end}`) is added like an API event: the English is its stored title, as for a
    synced schedule step, and the answer names it in the reader's language."""
    step = {"title": {"sv": "Utlysningen stänger", "en": "The call closes"},
            "when": {"date": "2027-03-06"}, "kind": "deadline", "level": "eu",
            "actor": "European Commission", "tags": ["call-deadline"]}
    code, out = whatif(pilot, "--add", json.dumps(step), "--format", "json")
    assert code == 0, out
    answer = json.loads(out)
    [fired] = answer["per_rule"]["R10"]["appear"]
    assert "Utlysningen stänger (6 mars 2027)" in fired["summary"], fired["summary"]
    assert answer["changes"][0]["title"] == "Utlysningen stänger"  # the reader's language
    _code, english = whatif(pilot, "--add", json.dumps(step), "--format", "json", "--lang", "en")
    assert json.loads(english)["changes"][0]["title"] == "The call closes"
    client = TestClient(create_app(pilot))
    api = client.post("/api/whatif", json={"changes": [{"add": step}]}).json()
    api.pop("seconds"), answer.pop("seconds")
    assert api == answer
    span = {**step, "when": {"start": "2027-03-01", "end": "2027-03-06"}}
    spanned = client.post("/api/whatif", json={"changes": [{"add": span}]})
    assert spanned.status_code == 200, spanned.text
    for bad, field in (({**step, "when": {"rrule": "FREQ=YEARLY"}}, "ändring 1.when"),
                       ({**step, "title": {"de": "Aufruf"}}, "ändring 1.title")):
        response = client.post("/api/whatif", json={"changes": [{"add": bad}]})
        assert response.status_code == 400 and field in response.text, response.text


def test_the_table_speaks_the_configs_language(pilot: Runtime) -> None:
    """The pilot says `language: sv`: the table's title, headings, effects and change lines
    are Swedish (the findings and ranges already were)."""
    call = {"title": "Hypothetical call closes", "start": "2027-03-06", "kind": "deadline",
            "level": "eu", "actor": "European Commission", "tags": ["call-deadline"],
            "as": "call"}
    code, out = whatif(pilot, "--given-add", json.dumps(call), "--move", "call=2027-03-08")
    assert code == 0, out
    for word in ("antaget, lägg till: Hypothetical call closes (whatif-1) 2027-03-06",
                 "flytta: Hypothetical call closes (whatif-1) 2027-03-06 → 2027-03-08",
                 "Vad som skulle ändras", "regel", "effekt", "avvikelse", "åtgärd",
                 "försvinner"):
        assert word in out, word
    for word in ("What would change", "disappears", "given", "move:"):
        assert word not in out, word


def test_the_reader_chooses_the_language(pilot: Runtime) -> None:
    """`?lang=`, then Accept-Language, then the config's `language: sv`: the input errors
    (400 and 404) and the answer's findings and ranges are in the reader's language; a
    language calsync does not speak is a 422. The CLI's `--lang` does the same."""
    client = TestClient(create_app(pilot))
    uid = subject_of(pilot, "R13")
    bad = {"changes": [{"move": uid, "to": "2027-03-01..2026-12-01"}]}
    swedish = client.post("/api/whatif", json=bad)
    assert swedish.status_code == 400
    assert "ändring 1.to: den sista dagen 2026-12-01 ligger före den första 2027-03-01" \
        in swedish.json()["detail"]
    english = client.post("/api/whatif?lang=en", json=bad)
    assert english.status_code == 400
    assert "change 1.to: the last day 2026-12-01 is before the first 2027-03-01" \
        in english.json()["detail"]
    heard = client.post("/api/whatif", json={"changes": [{"cancel": "no-such@x"}]},
                        headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert heard.status_code == 404 and "no event with UID 'no-such@x'" in heard.text
    missing = client.post("/api/whatif", json={"changes": [{"cancel": "no-such@x"}]})
    assert missing.status_code == 404
    assert "det finns ingen händelse med UID 'no-such@x'" in missing.text
    assert client.post("/api/whatif?lang=xx", json=bad).status_code == 422
    assert '"/api/whatif?lang=en"' in client.get("/?lang=en").text  # the dashboard's what-if
    move = {"changes": [{"move": uid, "to": "2026-12-01..2027-03-01"}]}
    sv, en = (client.post(f"/api/whatif?lang={lang}", json=move).json() for lang in ("sv", "en"))
    [sv_range], [en_range] = sv["ranges"], en["ranges"]
    assert (sv_range["from"], sv_range["to"]) == (en_range["from"], en_range["to"])
    assert sv_range["text"] != en_range["text"] and "keeps all rules satisfied" in en_range["text"]
    [sv_gone], [en_gone] = sv["per_rule"]["R13"]["disappear"], en["per_rule"]["R13"]["disappear"]
    assert sv_gone["summary"] != en_gone["summary"]
    assert sv == client.post("/api/whatif", json=move).json() | {"seconds": sv["seconds"]}
    code, out = whatif(pilot, "--move", f"{uid}=2027-03-01..2026-12-01")
    assert code == 2 and "den sista dagen" in out
    code, out = whatif(pilot, "--move", f"{uid}=2027-03-01..2026-12-01", "--lang", "en")
    assert code == 2 and "the last day" in out
    code, out = whatif(pilot, "--move", f"{uid}=2026-12-01..2027-03-01", "--lang", "en",
                       "--format", "json")
    assert code == 0 and json.loads(out)["ranges"][0]["text"] == en_range["text"]


def test_if_umea_adopts_its_budget_on_15_december(pilot: Runtime) -> None:
    """The question of issue 15, as a coordinator asks it: found by the Swedish words of
    the step they read, then "moved" to 15 December. The step is the statutory deadline
    (by 30 November); moving the law broke nothing, so the what-if tries the decision
    itself on that day: R4 fires with its fix, the satisfying range ends on 30 November,
    the deadline stays where it is, and the store does not change. The API answers the
    same for the step's UID."""
    before = snapshot(pilot.engine)
    code, out = whatif(pilot, "--yes", "--move", "Umeå treårsplan 2028=2027-12-15",
                       "--format", "json")
    assert code == 0, out
    answer = json.loads(out[out.index("{"):])
    [change] = answer["changes"]
    assert change["uid"].startswith("whatif-") and change["actual_of"].endswith("@calsync")
    # the decision on that day, not the deadline: without "(senast 30 november)"
    assert change["title"] == ("Umeå kommun: Kommunfullmäktige fastställer budget, "
                               "skattesats och treårsplan för 2028")
    [fired] = answer["per_rule"]["R4"]["appear"]
    assert "15 dagar efter tidsfristen 30 november 2027" in fired["summary"], fired
    assert fired["fix"] == "Umeå kommun: besluta senast 30 november 2027"
    [found] = answer["ranges"]
    assert found["to"] == "2027-11-30" and found["from"] < "2027-11-30", found
    api = TestClient(create_app(pilot)).post("/api/whatif", json={"changes": [
        {"move": change["actual_of"], "to": "2027-12-15"}]}).json()
    assert api["per_rule"]["R4"]["appear"] == answer["per_rule"]["R4"]["appear"]
    code, table = whatif(pilot, "--yes", "--move", "Umeå treårsplan 2028=2027-12-15")
    assert "prövat som det faktiska steget" in table and "R4" in table, table
    assert snapshot(pilot.engine) == before
