"""Every rule kind on hand-built timelines, with the edge cases that bite in practice:
all-day vs timed, summer-time change, events without end, cancelled events, election
years, tentative events, escalation as the due date approaches."""

from __future__ import annotations

from datetime import UTC, date, datetime

from calsync.model import Status
from tests.rules.timelines import ev, findings, run

CAL = "Europe/Stockholm"

PRECEDES = """
selectors:
  cofin: {kind: decision, tags: [co-financing]}
  close: {kind: deadline, tags: [call]}
  meetings: {kind: meeting}
rules:
  R1:
    kind: precedes
    title: co-financing before the call closes
    rationale: A decision after the call closes cannot back the application.
    a: cofin
    b: close
    join: {keys: [programme], pick: nearest}
    severity: critical
"""


def call(start: str = "2026-05-15", programme: str = "ERDF", **kw: object) -> object:
    return ev(f"call-{start}-{programme}", "ERDF Övre Norrland call closes", start,
              level="national", actor="Tillväxtverket", kind="deadline", tags=["call"],
              attrs={"programme": programme}, **kw)  # type: ignore[arg-type]


def cofin(start: str, end: str | None = None, uid: str = "cofin", **kw: object) -> object:
    return ev(uid, "Co-financing decision", start, end, level="municipal",
              actor="Vindelns kommun", kind="decision", tags=["co-financing"],
              attrs={"programme": kw.pop("programme", "ERDF")}, **kw)  # type: ignore[arg-type]


def test_precedes_explains_what_where_and_by_how_much() -> None:
    meeting = ev("ks", "Kommunstyrelsen", "2026-04-27T13:00:00+02:00", level="municipal",
                 actor="Vindelns kommun", kind="meeting")
    [f] = findings(PRECEDES, [call(), cofin("2026-06-09"), meeting])
    assert f.summary == ("Vindelns kommun: Co-financing decision (9 June 2026) comes 25 days "
                         "after Tillväxtverket: ERDF Övre Norrland call closes (15 May 2026), "
                         "but it must come first (rule R1: co-financing before the call closes)")
    assert (f.slack_days, f.severity, f.required, f.actual) == (
        -25, "critical", "before it", "25 days after it")
    assert f.fix is not None and f.fix.date == date(2026, 5, 15)
    assert f.fix.meeting is not None and f.fix.meeting.day == date(2026, 4, 27)
    assert f.fix.text == ("Vindelns kommun: decide by 15 May 2026; your last meeting before "
                          "then is Kommunstyrelsen on 27 April 2026")
    assert f.owner == "Vindelns kommun"  # no organisations configured: the actor moves
    assert f.object is not None and f.object.actor == "Tillväxtverket"
    assert f.annotations()["rationale"].startswith("A decision after the call")
    assert f.identity_labels() == {"alertname": "R1", "rule_kind": "precedes",
                                   "subject_uid": f.subject.uid, "object_uid": f.object.uid}


def test_precedes_passes_on_time_and_on_the_day_itself() -> None:
    assert findings(PRECEDES, [call("2026-04-15"), cofin("2026-03-10")]) == []
    assert findings(PRECEDES, [call(), cofin("2026-05-15")]) == []  # same day, all-day


def test_all_day_against_timed_compares_by_day() -> None:
    timed = cofin("2026-05-15T16:00:00+02:00", "2026-05-15T17:00:00+02:00")
    assert findings(PRECEDES, [call(), timed]) == []
    late = cofin("2026-05-16T09:00:00+02:00", "2026-05-16T10:00:00+02:00")
    [f] = findings(PRECEDES, [call(), late])
    assert f.slack_days == -1


def test_timed_against_timed_compares_to_the_minute() -> None:
    close = call("2026-05-15T12:00:00+02:00")
    [f] = findings(PRECEDES, [close, cofin("2026-05-15T12:00:00+02:00",
                                           "2026-05-15T18:00:00+02:00")])
    assert f.slack_days == -0.25 and "6 hours" not in f.summary
    assert findings(PRECEDES, [close, cofin("2026-05-15T09:00:00+02:00",
                                            "2026-05-15T11:59:00+02:00")]) == []


def test_events_without_end_are_instants() -> None:
    close = call("2026-05-15T12:00:00+02:00")
    assert findings(PRECEDES, [close, cofin("2026-05-15T12:00:00+02:00")]) == []
    [f] = findings(PRECEDES, [close, cofin("2026-05-15T12:30:00+02:00")])
    assert f.slack_days == round(-30 / 1440, 2)


def test_a_day_of_lead_is_a_calendar_day_across_the_summer_time_change() -> None:
    text = PRECEDES.replace("severity: critical", "severity: critical\n    min_lead: P1D")
    # 2026-03-29 02:00 CET -> 03:00 CEST: 10:00 to 10:00 next day is 23 hours, one day.
    before = cofin("2026-03-28T09:00:00+01:00", "2026-03-28T10:00:00+01:00")
    assert findings(text, [call("2026-03-29T10:00:00+02:00"), before]) == []
    [f] = findings(text, [call("2026-03-29T09:30:00+02:00"), before])
    assert f.required == "at least 1 day before it" and "at least 1 day before" in f.summary


def test_cancelled_events_are_ignored_and_tentative_ones_count() -> None:
    assert findings(PRECEDES, [call(), cofin("2026-06-09", status=Status.CANCELLED)]) == []
    assert findings(PRECEDES, [call(status=Status.CANCELLED), cofin("2026-06-09")]) == []
    [f] = findings(PRECEDES, [call(), cofin("2026-06-09", status=Status.TENTATIVE)])
    assert f.slack_days == -25


def test_join_key_keeps_programmes_apart_and_nearest_picks_the_call() -> None:
    found = [call("2026-05-15", "ERDF"), call("2026-09-15", "ERDF"), call("2026-05-01", "ESF"),
             cofin("2026-06-09")]
    [f] = findings(PRECEDES, found)
    assert f.object is not None and f.object.day == date(2026, 5, 15)


def test_max_lead_flags_a_decision_taken_too_early() -> None:
    text = PRECEDES.replace("severity: critical", "max_lead: P180D")
    [f] = findings(text, [call(), cofin("2025-10-01")])
    assert "comes 7 months before" in f.summary
    assert "but at most 180 days may lie between them" in f.summary
    assert f.fix is not None and f.fix.direction == "from" and f.fix.date == date(2025, 11, 16)


def test_next_pairs_without_keys() -> None:
    text = """
rules:
  proposal-before-council:
    kind: precedes
    a: {kind: report}
    b: {kind: meeting}
    min_lead: P14D
"""
    report = ev("r", "Proposal", "2026-10-20", kind="report", actor="Umeå kommun")
    council = ev("kf", "KF", "2026-10-26", kind="meeting", actor="Umeå kommun")
    later = ev("kf2", "KF", "2026-11-30", kind="meeting", actor="Umeå kommun")
    [f] = findings(text, [report, council, later])
    assert f.object is not None and f.object.title == "KF" and f.slack_days == -8


def test_escalation_as_the_due_date_approaches() -> None:
    text = PRECEDES.replace("severity: critical", """severity: info
    escalate:
      - {before_due: P90D, severity: warning}
      - {before_due: P30D, severity: critical}""")
    events = [call("2026-05-15"), cofin("2026-06-09")]
    severity = {now: findings(text, events, now)[0].severity for now in (
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 4, 20, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))}
    assert list(severity.values()) == ["info", "warning", "critical", "critical"]


WITHIN = """
rules:
  R7:
    kind: within
    a: {tags: [payment-claim], where: {fund_period: 2021-2027}}
    point: end
    relative_to: {selector: {tags: {all: [eligibility]}}, anchor: start, to_anchor: end}
  R8:
    kind: within
    a: {where: {depends_on: mff-2028-2034}}
    window: {from: 2028-07-01}
    severity: warning
"""


def eligibility() -> object:
    return ev("elig", "Eligibility of expenditure, 2021-2027", "2021-01-01", "2030-01-01",
              level="eu", kind="period", tags=["eligibility"])


def payment(day: str) -> object:
    return ev(f"pay-{day}", "Last payment claim", day, kind="deadline", level="regional",
              actor="Region Västerbotten", tags=["payment-claim"],
              attrs={"fund_period": "2021-2027"})


def test_within_relative_to_an_events_span() -> None:
    [f] = findings(WITHIN, [eligibility(), payment("2030-02-15")])
    assert f.rule_id == "R7" and f.slack_days == -46
    assert ("comes 46 days after 31 December 2029, when the window set by Eligibility of "
            "expenditure, 2021-2027 (1 January 2021 – 31 December 2029) closes") in f.summary
    assert findings(WITHIN, [eligibility(), payment("2029-11-30")]) == []


def test_within_absolute_window() -> None:
    early = ev("call28", "NRPP call opens", "2028-02-01", kind="deadline",
               attrs={"depends_on": "mff-2028-2034"})
    fine = ev("call29", "NRPP call opens", "2028-09-01", kind="deadline",
              attrs={"depends_on": "mff-2028-2034"})
    [f] = findings(WITHIN, [early, fine])
    assert f.rule_id == "R8"
    assert "5 months before 1 July 2028, but it must not come earlier" in f.summary
    assert f.fix is not None and f.fix.date == date(2028, 7, 1) and f.fix.direction == "from"


def test_within_relative_offsets() -> None:
    text = """
rules:
  consult-before-decision:
    kind: within
    a: {kind: consultation}
    point: end
    relative_to:
      selector: {kind: decision}
      join: {keys: [org], pick: next}
      anchor: start
      from: -P90D
      to: -P14D
"""
    decision = ev("d", "Strategy adopted", "2027-06-10", kind="decision", attrs={"org": "x"})
    late = ev("c", "Remiss", "2027-04-01", "2027-06-01", kind="consultation",
              attrs={"org": "x"})
    ok = ev("c2", "Remiss", "2027-03-01", "2027-05-20", kind="consultation",
            attrs={"org": "x"})
    [f] = findings(text, [decision, late, ok])
    assert f.subject.uid == late.uid and f.slack_days == -4  # ends 05-31, window closes 05-27


OVERLAP = """
rules:
  no-clash:
    kind: no_overlap
    a: {kind: meeting}
    partition: [actor]
  spaced:
    kind: no_overlap
    a: {kind: decision}
    partition: [org]
    min_separation: P2D
"""


def test_no_overlap_per_actor() -> None:
    a = ev("a", "KS", "2026-04-27T09:00:00+02:00", "2026-04-27T12:00:00+02:00",
           kind="meeting", actor="Vindelns kommun")
    b = ev("b", "KF", "2026-04-27T11:00:00+02:00", "2026-04-27T15:00:00+02:00",
           kind="meeting", actor="Vindelns kommun")
    other = ev("c", "KS", "2026-04-27T10:00:00+02:00", "2026-04-27T11:00:00+02:00",
               kind="meeting", actor="Umeå kommun")
    [f] = findings(OVERLAP, [a, b, other])
    assert f.subject.uid == b.uid and f.object is not None and f.object.uid == a.uid
    assert "clashes with" in f.summary and f.slack_days == round(-1 / 24, 2)
    assert f.identity == {"events": " ".join(sorted((a.uid, b.uid)))}


def test_no_overlap_all_day_and_instants() -> None:
    day = ev("d", "Budget day", "2026-04-27", kind="meeting", actor="X")
    timed = ev("t", "KS", "2026-04-27T09:00:00+02:00", kind="meeting", actor="X")
    same = ev("s", "KF", "2026-04-27T09:00:00+02:00", kind="meeting", actor="X")
    next_day = ev("n", "KF", "2026-04-28", kind="meeting", actor="X")
    found = findings(OVERLAP, [day, timed, same, next_day])
    pairs = {frozenset((f.subject.uid, f.object.uid)) for f in found if f.object}
    assert pairs == {frozenset((day.uid, timed.uid)), frozenset((day.uid, same.uid)),
                     frozenset((timed.uid, same.uid))}


def test_no_overlap_minimum_separation() -> None:
    first = ev("x", "Decision 1", "2026-05-04", kind="decision", attrs={"org": "o"})
    second = ev("y", "Decision 2", "2026-05-06", kind="decision", attrs={"org": "o"})
    third = ev("z", "Decision 3", "2026-05-09", kind="decision", attrs={"org": "o"})
    [f] = findings(OVERLAP, [first, second, third])
    assert f.subject.uid == second.uid and "only 1 day after" in f.summary
    assert "at least 2 days must lie between them" in f.summary
    assert f.fix is not None and f.fix.date == date(2026, 5, 7)


def test_no_overlap_across_two_selectors() -> None:
    text = """
rules:
  no-decisions-on-holidays:
    kind: no_overlap
    a: {kind: decision}
    b: {kind: holiday}
"""
    holiday = ev("h", "Midsummer Eve", "2026-06-19", kind="holiday")
    decision = ev("d", "Decision", "2026-06-19T10:00:00+02:00", kind="decision")
    other = ev("d2", "Decision", "2026-06-18T10:00:00+02:00", kind="decision")
    [f] = findings(text, [holiday, decision, other])
    assert {f.subject.uid, f.object.uid if f.object else ""} == {holiday.uid, decision.uid}


BLACKOUT = """
selectors:
  consultations: {kind: consultation}
  elections: {kind: election, tags: [election]}
rules:
  R9:
    kind: blackout
    a: consultations
    windows:
      - {name: July, yearly: {from: --07-01, to: --07-31}}
      - {name: Christmas, yearly: {from: --12-23, to: --01-06}}
    min_effective_working_days: 25
  R10:
    kind: blackout
    a: {kind: deadline}
    point: start
    windows: [{non_working_days: SE}]
    severity: info
  R12:
    kind: blackout
    a: {kind: consultation, tags: [strategic]}
    windows:
      - {name: election campaign, yearly: {from: --08-01, to: --10-14}, in_years_of: elections}
  around-elections:
    kind: blackout
    a: {kind: decision}
    windows: [{selector: elections, before: P42D, after: P14D}]
"""


def election(day: str) -> object:
    return ev(f"el-{day}", "General election", day, kind="election", tags=["election"])


def test_blackout_counts_working_days_outside_july() -> None:
    remiss = ev("r", "Remiss RUS", "2026-06-22", "2026-08-15", kind="consultation")
    [f] = [f for f in findings(BLACKOUT, [remiss]) if f.rule_id == "R9"]
    assert f.details["effective_working_days"] == "17" and f.details["working_days"] == "40"
    assert f.slack_days == -8 and "outside July (1–31 July 2026)" in f.summary
    assert f.fix is not None and f.fix.text.startswith("extend it to 26 August 2026")
    spring = ev("s", "Remiss", "2027-02-01", "2027-03-27", kind="consultation")
    assert [f for f in findings(BLACKOUT, [spring]) if f.rule_id == "R9"] == []


def test_blackout_over_christmas_wraps_the_year() -> None:
    remiss = ev("x", "Remiss", "2026-12-14", "2027-01-23", kind="consultation")
    [f] = [f for f in findings(BLACKOUT, [remiss]) if f.rule_id == "R9"]
    assert "Christmas (23 December 2026 – 6 January 2027)" in f.summary


def test_deadline_on_a_non_working_day() -> None:
    eve = ev("d", "Application deadline", "2026-12-24", kind="deadline", level="eu")
    timed = ev("t", "Call closes", "2026-12-25T17:00:00+01:00", kind="deadline", level="eu")
    fine = ev("f", "Call closes", "2026-12-23", kind="deadline", level="eu")
    found = {f.subject.uid: f for f in findings(BLACKOUT, [eve, timed, fine])}
    assert set(found) == {eve.uid, timed.uid}
    assert found[eve.uid].severity == "info"
    assert "falls on a non-working day, Christmas Eve (24 December 2026)" in found[eve.uid].summary
    assert found[eve.uid].fix is not None and found[eve.uid].fix.date == date(2026, 12, 23)


def test_election_year_windows_only_in_election_years() -> None:
    events = [election("2026-09-13"), election("2030-09-08"),
              ev("a", "Remiss", "2026-08-17", "2026-10-10", kind="consultation",
                 tags=["strategic"]),
              ev("b", "Remiss", "2027-08-17", "2027-10-10", kind="consultation",
                 tags=["strategic"])]
    found = [f for f in findings(BLACKOUT, events) if f.rule_id == "R12"]
    assert [f.subject.day for f in found] == [date(2026, 8, 17)]
    assert "in a blackout: election campaign (1 August – 14 October 2026)" in found[0].summary


def test_windows_from_events_widened() -> None:
    events = [election("2026-09-13"),
              ev("d1", "Decision", "2026-08-03", kind="decision"),   # 41 days before
              ev("d2", "Decision", "2026-07-31", kind="decision"),   # 44 days before
              ev("d3", "Decision", "2026-09-27", kind="decision"),   # 14 days after
              ev("d4", "Decision", "2026-09-28", kind="decision")]
    found = [f for f in findings(BLACKOUT, events) if f.rule_id == "around-elections"]
    assert sorted(f.subject.day.isoformat() for f in found) == ["2026-08-03", "2026-09-27"]
    assert ("General election (13 September 2026), from 6 weeks before to 2 weeks after "
            "it") in found[0].summary


def test_blackout_match_keys() -> None:
    text = """
rules:
  no-decisions-in-recess:
    kind: blackout
    a: {kind: decision}
    windows: [{selector: {kind: blackout}, match: [org]}]
"""
    recess = ev("r", "Recess", "2026-07-01", "2026-08-01", kind="blackout", attrs={"org": "a"})
    mine = ev("m", "Decision", "2026-07-10", kind="decision", attrs={"org": "a"})
    theirs = ev("t", "Decision", "2026-07-10", kind="decision", attrs={"org": "b"})
    [f] = findings(text, [recess, mine, theirs])
    assert f.subject.uid == mine.uid


COVERAGE = """
selectors:
  strategy: {kind: period, tags: [strategy]}
  programme_period: {tags: [programme-period]}
rules:
  R2-B:
    kind: coverage
    a: strategy
    span: {selector: programme_period}
  budget-plan:
    kind: coverage
    a: {kind: budget, tags: [plan]}
    partition: [actor]
    span: {from: 2027-01-01, to: 2029-12-31}
    max_gap: P1M
"""


def test_coverage_gap_at_the_end_of_a_programme_period() -> None:
    rus = ev("rus", "RUS 2020-2030", "2020-01-01", "2031-01-01", kind="period",
             tags=["strategy"], actor="Region Västerbotten", level="regional")
    periods = [ev("p21", "MFF 2021-2027", "2021-01-01", "2028-01-01", tags=["programme-period"]),
               ev("p28", "MFF 2028-2034", "2028-01-01", "2035-01-01",
                  tags=["programme-period"])]
    [f] = [f for f in findings(COVERAGE, [rus, *periods]) if f.rule_id == "R2-B"]
    assert ("RUS 2020-2030 (1 January 2020 – 31 December 2030) runs out 4 years before the "
            "end of MFF 2028-2034") in f.summary
    assert "1 January 2031 – 31 December 2034" in f.summary and f.object is not None
    assert f.object.title == "MFF 2028-2034" and f.subject.uid == rus.uid
    assert f.fix is not None and f.fix.date == date(2030, 12, 31)


def test_coverage_partitions_and_allowed_gap() -> None:
    plans = [ev("u27", "Plan 2027", "2027-01-01", "2028-01-01", kind="budget", tags=["plan"],
                actor="Umeå"),
             ev("u28", "Plan 2028-29", "2028-01-20", "2030-01-01", kind="budget",
                tags=["plan"], actor="Umeå"),
             ev("l27", "Plan 2027", "2027-01-01", "2028-01-01", kind="budget", tags=["plan"],
                actor="Lycksele"),
             ev("l29", "Plan 2029", "2029-03-01", "2030-01-01", kind="budget", tags=["plan"],
                actor="Lycksele")]
    found = [f for f in findings(COVERAGE, plans) if f.rule_id == "budget-plan"]
    assert [(f.identity["partition"], f.subject.actor) for f in found] == [
        ("Lycksele", "Lycksele")]
    assert "1 January 2028 – 28 February 2029 (1 year and 2 months)" in found[0].summary


DEADLINE = """
selectors:
  council_budget: {kind: budget, tags: [budget-adoption]}
  councils_seated: {tags: {all: [council-term]}}
rules:
  R3:
    kind: deadline
    a: council_budget
    partition: [org]
    year: {attr: budget_year, offset: -1}
    by: --11-30
    in_years_of: councils_seated
    not_before: {selector: councils_seated}
    variants: [{when: {where: {track: deferred}}, by: --12-31}]
    severity: critical
  R4:
    kind: deadline
    a: council_budget
    partition: [org]
    year: {attr: budget_year, offset: -1}
    by: --11-30
    variants: [{when: {where: {track: deferred}}, by: --12-31}]
    severity: critical
"""


def adoption(org: str, day: str, budget_year: str, track: str = "ordinary") -> object:
    return ev(f"{org}-{day}", f"KF adopts budget {budget_year}", day, kind="budget",
              tags=["budget-adoption"], actor=org, level="municipal",
              attrs={"org": org, "budget_year": budget_year, "track": track})


def seated(day: str) -> object:
    return ev(f"seated-{day}", "Councils take office", day, kind="election",
              tags=["council-term"])


def test_deadline_in_an_election_year_needs_the_new_council() -> None:
    events = [seated("2026-10-15"), adoption("kommun-2482", "2026-06-16", "2027")]
    [f] = findings(DEADLINE, events, datetime(2026, 11, 29, tzinfo=UTC))
    assert f.rule_id == "R3" and f.identity == {"partition": "kommun-2482", "year": "2026"}
    assert "comes before Councils take office (15 October 2026)" in f.summary
    assert "between 15 October and 30 November 2026" in f.summary
    assert f.fix is not None and f.fix.date == date(2026, 11, 30)


def test_deadline_passes_when_the_new_council_re_adopts() -> None:
    events = [seated("2026-10-15"), adoption("kommun-2480", "2026-06-15", "2027"),
              adoption("kommun-2480", "2026-11-24", "2027")]
    assert findings(DEADLINE, events) == []


def test_deferred_track_moves_the_deadline_to_december() -> None:
    events = [seated("2018-10-15"), adoption("kommun-2482", "2018-06-18", "2019"),
              adoption("kommun-2482", "2018-12-18", "2019", track="deferred")]
    assert findings(DEADLINE, events, datetime(2019, 1, 10, tzinfo=UTC)) == []
    late = [adoption("kommun-2481", "2027-12-05", "2028")]
    [f] = findings(DEADLINE, late)
    assert f.rule_id == "R4" and f.slack_days == -5
    assert "5 days after the deadline of 30 November 2027" in f.summary


def test_deadline_outside_election_years_is_the_plain_rule() -> None:
    assert findings(DEADLINE, [seated("2026-10-15"),
                               adoption("kommun-2481", "2027-11-23", "2028")]) == []


def test_lookback_drops_old_history() -> None:
    text = DEADLINE + "alerts: {lookback: P1Y}\n"
    late = [adoption("kommun-2481", "2020-12-05", "2021")]
    assert run(text, late, datetime(2026, 11, 29, tzinfo=UTC), lookback=True).findings == []
    assert len(run(text, late, datetime(2021, 1, 10, tzinfo=UTC), lookback=True).findings) == 1
