"""The worked scenarios of rules-and-scenarios.yaml (a copy of the shared domain file, in
tests/rules/data/) against the rules
shipped in config.yaml (R1-R12), on timelines in the pilot's tag and attribute
vocabulary (schedules/README.md), in memory. The same rules through connectors, and the
pilot as shipped, are tested end to end in tests/pilot/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from calsync.config import load_config
from calsync.config.schema import Config
from calsync.model import Event
from calsync.rules.findings import Finding
from tests.conftest import REPO
from tests.rules.timelines import ev, run

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
COVERED = {"S-F1", "S-F2", "S-F3", "S-N1", "S-N2", "S-N3"}


@pytest.fixture(scope="module")
def shipped() -> Config:
    """The shipped config, read in English (it says `language: sv`; tests/pilot reads the
    Swedish findings)."""
    return load_config(REPO / "config.yaml").model_copy(update={"language": "en"})


def found(config: Config, events: list[Event], rules: set[str], now: datetime = NOW
          ) -> list[Finding]:
    evaluation = run(config, events, now, lookback=False)
    return [f for f in evaluation.findings if f.rule_id in rules]


def municipal(org: str, name: str, uid: str, title: str, day: str, kind: str,
              tags: list[str], **attrs: str) -> Event:
    return ev(uid, title, day, level="municipal", actor=name, kind=kind,
              tags=[*tags, "local-government", "municipality"],
              attrs={"org": org, "municipality_code": org[-4:], **attrs})


def seated(year: int) -> Event:
    return ev(f"seated-{year}", f"Councils elected in {year} take office",
              f"{year}-10-15", f"{year + 4}-10-15", level="national",
              actor="Kommun- och regionfullmäktige", kind="period",
              tags=["election", "council-term"])


def test_every_shared_scenario_is_covered() -> None:
    path = Path(__file__).resolve().parent / "data" / "rules-and-scenarios.yaml"
    ids = {s["id"] for s in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]}
    assert ids <= COVERED, f"scenarios without a test: {sorted(ids - COVERED)}"


def test_s_f1_cofinancing_after_the_call_closed(shipped: Config) -> None:
    call = ev("call", "ERDF Övre Norrland call closes", "2026-05-15", level="national",
              actor="Tillväxtverket", kind="deadline", tags=["call", "erdf"],
              attrs={"programme": "ERDF Övre Norrland"})
    decision = municipal("kommun-2404", "Vindelns kommun", "cofin",
                         "Co-financing decision (Kommunstyrelsen)", "2026-06-09", "decision",
                         ["co-financing"], programme="ERDF Övre Norrland",
                         body="Kommunstyrelsen")
    ks = municipal("kommun-2404", "Vindelns kommun", "ks", "Kommunstyrelsen", "2026-04-27",
                   "meeting", ["meeting"], body="Kommunstyrelsen")
    [f] = found(shipped, [call, decision, ks], {"R1"})
    assert f.severity == "critical" and f.slack_days == -25  # expected: error, 25 days late
    assert f.summary.startswith("Vindelns kommun: Co-financing decision (Kommunstyrelsen) "
                                "(9 June 2026) comes 25 days after Tillväxtverket: ERDF Övre "
                                "Norrland call closes (15 May 2026), but it must come first")
    assert f.fix is not None and "too late: the last date that would do, 15 May 2026, has " \
        "passed" in f.fix.text


def test_s_n1_cofinancing_before_the_call_closes(shipped: Config) -> None:
    call = ev("call", "Call closes", "2026-04-15", level="national", actor="Tillväxtverket",
              kind="deadline", tags=["call"], attrs={"programme": "ERDF Övre Norrland"})
    decision = municipal("kommun-2480", "Umeå kommun", "cofin", "Co-financing decision",
                         "2026-03-10", "decision", ["co-financing"],
                         programme="ERDF Övre Norrland")
    assert found(shipped, [call, decision], {"R1"}, datetime(2026, 1, 10, tzinfo=UTC)) == []


def test_s_f2_election_year_budget_not_by_the_new_council(shipped: Config) -> None:
    june = municipal("kommun-2482", "Skellefteå kommun", "b27", "KF adopts Budget 2027",
                     "2026-06-16", "budget", ["budget-adoption", "observed", "election-year"],
                     budget_year="2027", track="outgoing-council", body="Kommunfullmäktige")
    [f] = found(shipped, [seated(2022), seated(2026), june], {"R3", "R4"})
    assert (f.rule_id, f.severity) == ("R3", "critical")
    assert "between 15 October and 30 November 2026" in f.summary


def test_s_f2_real_2018_variant_with_deferral_does_not_fire(shipped: Config) -> None:
    june = municipal("kommun-2482", "Skellefteå kommun", "b19a", "KF adopts Budget 2019",
                     "2018-06-18", "budget", ["budget-adoption", "observed"],
                     budget_year="2019", track="outgoing-council")
    december = municipal("kommun-2482", "Skellefteå kommun", "b19b",
                         "New KF adopts Budget 2019", "2018-12-18", "budget",
                         ["budget-adoption", "deferred-track"], budget_year="2019",
                         track="deferred")
    assert found(shipped, [seated(2018), june, december], {"R3", "R4"},
                 datetime(2019, 1, 10, tzinfo=UTC)) == []


def test_s_f3_strategy_not_ready_for_the_programme_period(shipped: Config) -> None:
    rus = ev("rus", "Regional development strategy (RUS) 2020-2030", "2020-01-01",
             "2031-01-01", level="regional", actor="Region Västerbotten", kind="period",
             tags=["strategy", "rus"], attrs={"valid_until": "2030-12-31"})
    revision = ev("rev", "RUS revision adopted", "2028-06-13", level="regional",
                  actor="Region Västerbotten", kind="decision",
                  tags=["strategy", "rus", "revision"])
    period = ev("mff", "MFF 2028-2034", "2028-01-01", "2035-01-01", level="eu",
                actor="Council of the EU", kind="period",
                tags=["mff", "budget", "programme-period"])
    timeline = [rus, revision, period]
    findings = {f.rule_id: f for f in found(shipped, timeline, {"R2-A", "R2-B"})}
    assert set(findings) == {"R2-A"}  # R2-B (horizon P1Y) speaks in the strategy's last year
    findings |= {f.rule_id: f for f in found(shipped, timeline, {"R2-B"},
                                             datetime(2030, 3, 1, tzinfo=UTC))}
    a, b = findings["R2-A"], findings["R2-B"]
    assert a.severity == "warning" and a.slack_days == -164  # adopted 164 days after start
    assert "comes 5 months after the start of Council of the EU: MFF 2028-2034 (1 January " \
        "2028" in a.summary
    assert b.severity == "warning" and "runs out 4 years before" in b.summary


def test_s_n2_lycksele_on_time_in_a_normal_year(shipped: Config) -> None:
    proposal = municipal("kommun-2481", "Lycksele kommun", "p", "KS proposes Budget 2028",
                         "2027-10-26", "budget", ["board-proposal"], budget_year="2028",
                         track="ordinary")
    adoption = municipal("kommun-2481", "Lycksele kommun", "a", "KF adopts Budget 2028",
                         "2027-11-23", "budget", ["budget-adoption"], budget_year="2028",
                         track="ordinary")
    assert found(shipped, [seated(2026), proposal, adoption], {"R4", "R5"}) == []
    late = municipal("kommun-2481", "Lycksele kommun", "p2", "KS proposes Budget 2029",
                     "2028-11-05", "budget", ["board-proposal"], budget_year="2029")
    [f] = found(shipped, [late], {"R5"})
    assert f.slack_days == -5


def test_s_n3_umea_re_adopts_with_the_new_council(shipped: Config) -> None:
    june = municipal("kommun-2480", "Umeå kommun", "j", "KF adopts Budget 2027", "2026-06-15",
                     "budget", ["budget-adoption", "observed"], budget_year="2027")
    november = municipal("kommun-2480", "Umeå kommun", "n", "New KF adopts Budget 2027",
                         "2026-11-24", "budget", ["budget-adoption", "election-year"],
                         budget_year="2027", track="election-year")
    assert found(shipped, [seated(2026), june, november], {"R3", "R4"}) == []


def test_extra_r7_expenditure_after_eligibility(shipped: Config) -> None:
    eligibility = ev("elig", "Eligibility of expenditure, 2021-2027 cohesion programmes",
                     "2021-01-01", "2030-01-01", level="eu", kind="period",
                     tags=["cohesion", "eligibility"],
                     attrs={"cycle": "eu.cohesion.2021-2027.eligibility"})

    def payment(day: str) -> Event:
        return ev(f"pay-{day}", "Last payment claim", day, level="regional",
                  actor="Region Västerbotten", kind="deadline", tags=["payment-claim"],
                  attrs={"fund_period": "2021-2027"})

    [f] = found(shipped, [eligibility, payment("2030-02-15")], {"R7"})
    assert f.severity == "critical" and f.slack_days == -46
    assert found(shipped, [eligibility, payment("2029-11-30")], {"R7"}) == []


def blackouts(year: int) -> list[Event]:
    return [ev(f"july-{year}", "Summer holiday blackout", f"{year}-07-01", f"{year}-08-01",
               level="national", kind="blackout", tags=["blackout", "summer"]),
            ev(f"xmas-{year}", "Christmas blackout", f"{year}-12-23", f"{year + 1}-01-07",
               level="national", kind="blackout", tags=["blackout", "christmas"])]


def test_extra_r9_consultation_over_july(shipped: Config) -> None:
    remiss = ev("remiss", "Remiss: regional transport plan", "2026-06-22", "2026-08-15",
                level="regional", actor="Region Västerbotten", kind="consultation")
    [f] = found(shipped, [*blackouts(2026), remiss], {"R9"})
    assert (f.details["effective_working_days"], f.details["working_days"]) == ("17", "40")
    spring = ev("spring", "Remiss", "2027-02-01", "2027-03-27", level="regional",
                actor="Region Västerbotten", kind="consultation")
    assert found(shipped, [*blackouts(2027), spring], {"R9"}) == []


def test_extra_r12_strategic_process_in_the_campaign(shipped: Config) -> None:
    campaign = ev("campaign", "Election campaign 2026", "2026-08-01", "2026-10-15",
                  level="national", actor="Political parties", kind="period",
                  tags=["election", "election-year", "campaign", "convention"])
    remiss = ev("rus-remiss", "Remiss: RUS revision", "2026-08-17", "2026-10-10",
                level="regional", actor="Region Västerbotten", kind="consultation",
                tags=["strategy", "rus"])
    [f] = found(shipped, [campaign, remiss], {"R12"})
    assert "Election campaign 2026" in f.summary


def test_extra_r10_deadline_on_christmas_eve(shipped: Config) -> None:
    deadline = ev("d", "Application deadline", "2026-12-24", level="eu", kind="deadline",
                  actor="Interreg Aurora", tags=["call"])
    [f] = found(shipped, [deadline], {"R10"})
    assert f.severity == "info" and "Christmas Eve (24 December 2026)" in f.summary


def test_the_shipped_receivers_need_no_network_or_secrets(shipped: Config) -> None:
    assert shipped.alerts.receivers and not any(r.enabled for r in
                                                shipped.alerts.receivers.values())
    assert str(Path(shipped.source_file).name) == "config.yaml"
