"""Every shipped rule end to end: what the upstreams publish (an iCal feed and an OParl
meeting API served on 127.0.0.1), mapped by the shipped config.yaml, synced beside the
built-in cycles, evaluated; each rule at least once firing and once not, judged on the
alert: rule, severity, the organisation it is addressed to and the figures it names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calsync.config import load_config
from tests.conftest import REPO
from tests.pilot.harness import Outcome, Pilot
from tests.pilot.upstream import Item, Upstreams
from tests.server import RecordingServer


def kommun(who: str, title: str, day: str, description: str = "") -> Item:
    """A decision in the municipalities' shared iCal feed (ORGANIZER names who)."""
    return Item("kommun-beslut", title, day, description=description, organizer=who)


def region(body: str, title: str, start: str, end: str | None = None) -> Item:
    """A meeting item of Region Västerbotten's OParl API (`body`: RUN, RF, RS, SFP)."""
    return Item("region-moten", title, start, end, organizer=body)


def eu(who: str, title: str, day: str, description: str = "") -> Item:
    """An item of the EU office's iCal feed: calls, project milestones, EU decisions."""
    return Item("eu-projekt", title, day, description=description, organizer=who)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


# The day after the 2026 budget deadline, as in tests/pilot/test_first_run.py: before it,
# R4 rightly notes that no adoption date is known for any of the 16 organisations.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
COFIN = "Kommunstyrelsen beslutar om medfinansiering av projektet Norrsken inom ERDF Övre Norrland."
ERDF_CALL = ("Tillväxtverket", "Utlysning stänger: ERDF Övre Norrland 2027:1",
             "Regionalfondsprogrammet Övre Norrland, programperioden 2021–2027.")


@dataclass(frozen=True)
class Fires:
    """The alert a firing case must raise."""

    severity: str
    owner: str | None           # the organisation the fix is addressed to; None: nobody here
    figures: tuple[str, ...] = ()   # texts the summary or the fix must contain


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    items: tuple[Item, ...]
    fires: Fires | None
    now: datetime = NOW
    extra: dict[str, str] = field(default_factory=dict)


CASES = [
    # R1: co-financing before the call closes (scenario S-F1 / S-N1, a year later).
    Case("R1", "decided after the call closed", (
        eu(ERDF_CALL[0], ERDF_CALL[1], "2027-05-14", ERDF_CALL[2]),
        kommun("Vindeln", "KS beslutar om medfinansiering av projektet Norrsken", "2027-06-08",
               COFIN),
        kommun("Vindeln", "Kommunstyrelsens sammanträde", "2027-04-26")),
        Fires("warning", "Vindelns kommun", ("25 days", "14 May 2027", "26 April 2027"))),
    Case("R1", "decided before the call closes", (
        eu(ERDF_CALL[0], ERDF_CALL[1], "2027-05-14", ERDF_CALL[2]),
        kommun("Vindeln", "KS beslutar om medfinansiering av projektet Norrsken", "2027-04-20",
               COFIN)), None),
    # R2-A: the strategy revised before the programme period (S-F3).
    Case("R2-A", "revision adopted after the period starts", (
        region("RF", "Regionfullmäktige antar reviderad regional utvecklingsstrategi",
               "2028-06-13"),),
        Fires("warning", "Region Västerbotten", ("5 months", "MFF 2028-2034"))),
    Case("R2-A", "revision adopted before the period starts", (
        region("RF", "Regionfullmäktige antar reviderad regional utvecklingsstrategi",
               "2027-10-12"),), None),
    # R2-B: a valid RUS for the whole period; shown in the strategy's last year.
    Case("R2-B", "no successor strategy", (
        region("RF", "Regionfullmäktige sammanträde", "2030-02-24"),),
        Fires("warning", "Region Västerbotten", ("4 years", "2034")), now=at("2030-03-01")),
    Case("R2-B", "a successor strategy to 2040", (
        # in force from the council's decision in December 2030
        region("RF", "Regional utvecklingsstrategi 2031–2040 för Västerbotten", "2030-12-17",
               "2040-12-31"),), None, now=at("2030-03-01")),
    # R3: the newly elected council adopts the budget in an election year (S-F2 / S-N3).
    Case("R3", "only the outgoing council adopted", (
        kommun("Skellefteå", "KF fastställer budget 2031", "2030-06-17",
               "Kommunfullmäktige fastställer budget för år 2031 med plan för 2032–2033."),),
        Fires("critical", "Skellefteå kommun", ("between 15 October and 30 November 2030",))),
    Case("R3", "the new council re-adopts in November", (
        kommun("Skellefteå", "KF fastställer budget 2031", "2030-06-17",
               "Kommunfullmäktige fastställer budget för år 2031."),
        kommun("Skellefteå", "KF fastställer budget 2031 (nyvalda fullmäktige)", "2030-11-26",
               "De nyvalda fullmäktige fastställer budget för år 2031.")), None),
    # R4: the council adopts the budget by 30 November (S-N2 and a late variant).
    Case("R4", "adopted in December without special reasons", (
        kommun("Lycksele", "KF fastställer budget 2028", "2027-12-14",
               "Kommunfullmäktige fastställer budget för år 2028."),),
        Fires("critical", "Lycksele kommun", ("14 days", "30 November 2027"))),
    Case("R4", "adopted on 23 November", (
        kommun("Lycksele", "KF fastställer budget 2028", "2027-11-23",
               "Kommunfullmäktige fastställer budget för år 2028."),
        # Simrishamn's real title without a year: kept, but without budget_year.
        kommun("Lycksele", "KF beslutar om skattesats och driftbudget", "2027-11-23",
               "Kommunfullmäktige beslutar om skattesats, driftramar och taxor.")), None,
        extra={"capture_failed": "1"}),
    # R5: the board proposes the budget by 31 October.
    Case("R5", "proposed in November", (
        kommun("Lycksele", "KS föreslår budget 2028", "2027-11-05",
               "Kommunstyrelsen föreslår budget för år 2028."),),
        Fires("warning", "Lycksele kommun", ("5 days", "31 October 2027"))),
    Case("R5", "proposed on 26 October", (
        kommun("Lycksele", "KS föreslår budget 2028", "2027-10-26",
               "Kommunstyrelsen föreslår budget för år 2028."),), None),
    # R6: local decisions on state money after the appropriation directions.
    Case("R6", "decided before the regleringsbrev", (
        kommun("Umeå", "KS beslutar om arbetsmarknadsinsatser", "2027-12-10",
               "Insatserna finansieras med statsbidrag för år 2028."),),
        Fires("warning", "Umeå kommun", ("15 December 2027",))),
    Case("R6", "decided in January", (
        kommun("Umeå", "KS beslutar om arbetsmarknadsinsatser", "2028-01-20",
               "Insatserna finansieras med statsbidrag för år 2028."),), None),
    # R7: 2021-2027 expenditure inside the eligibility period.
    Case("R7", "last payment after eligibility ends", (
        eu("Region", "Slutlig utbetalningsansökan: projektet Norrsken", "2030-02-15",
           "Projekt inom programperioden 2021–2027."),),
        Fires("critical", "Region Västerbotten", ("46 days", "31 December 2029"))),
    Case("R7", "last payment in October 2029", (
        eu("Region", "Slutlig utbetalningsansökan: projektet Norrsken", "2029-10-15",
           "Projekt inom programperioden 2021–2027."),), None),
    # R8: nothing planned on 2028-2034 money before July 2028.
    Case("R8", "a plan counting on 2028-2034 money in February 2028", (
        kommun("Umeå", "KS beslutar om projektplan för innovationsarenan", "2028-02-01",
               "Finansieras med EU-medel 2028–2034."),),
        Fires("warning", "Umeå kommun", ("1 July 2028",))),
    Case("R8", "the same plan in September 2028", (
        kommun("Umeå", "KS beslutar om projektplan för innovationsarenan", "2028-09-01",
               "Finansieras med EU-medel 2028–2034."),), None),
    # R9: consultations keep 25 working days outside July and Christmas.
    Case("R9", "a remiss over July", (
        region("RS", "Remiss: regional transportplan", "2027-06-21", "2027-08-13"),),
        Fires("warning", "Region Västerbotten", ("working days",))),
    Case("R9", "a remiss in February and March", (
        region("RS", "Remiss: regional transportplan", "2027-02-01", "2027-03-26"),), None),
    # R10: call deadlines on non-working days (a planning note: nobody here can move it).
    Case("R10", "a call closing on a Sunday", (
        eu("Interreg Aurora", "Utlysning stänger: Interreg Aurora 2027:1", "2027-03-14",
           "Interreg Aurora, programperioden 2021–2027."),),
        Fires("info", None, ("14 March 2027", "12 March 2027"))),
    Case("R10", "a call closing on a Wednesday", (
        eu("Interreg Aurora", "Utlysning stänger: Interreg Aurora 2027:1", "2027-03-17",
           "Interreg Aurora, programperioden 2021–2027."),), None),
    # R11: the annual report chain.
    Case("R11-A", "annual report submitted after 15 April", (
        kommun("Skellefteå", "KS lämnar årsredovisningen för 2027", "2028-04-24",
               "Kommunstyrelsen lämnar årsredovisningen för år 2027 till fullmäktige."),),
        Fires("critical", "Skellefteå kommun", ("9 days", "15 April 2028"))),
    Case("R11-A", "annual report submitted on 10 April", (
        kommun("Skellefteå", "KS lämnar årsredovisningen för 2027", "2028-04-10",
               "Kommunstyrelsen lämnar årsredovisningen för år 2027 till fullmäktige."),), None),
    Case("R11-B", "discharge in July", (
        kommun("Skellefteå", "KF beslutar om ansvarsfrihet för 2027", "2028-07-05",
               "Kommunfullmäktige beslutar om ansvarsfrihet för år 2027."),),
        Fires("critical", "Skellefteå kommun", ("5 days", "30 June 2028"))),
    Case("R11-B", "discharge on 20 June", (
        kommun("Skellefteå", "KF beslutar om ansvarsfrihet för 2027", "2028-06-20",
               "Kommunfullmäktige beslutar om ansvarsfrihet för år 2027."),), None),
    Case("R11-C", "annual report approved after the discharge", (
        kommun("Skellefteå", "KF beslutar om ansvarsfrihet för 2027", "2028-06-20",
               "Kommunfullmäktige beslutar om ansvarsfrihet för år 2027."),
        kommun("Skellefteå", "KF godkänner årsredovisningen för 2027", "2028-06-26",
               "Kommunfullmäktige godkänner årsredovisningen för år 2027.")),
        Fires("critical", "Skellefteå kommun", ("20 June 2028",))),
    Case("R11-C", "annual report approved in April", (
        kommun("Skellefteå", "KF beslutar om ansvarsfrihet för 2027", "2028-06-20",
               "Kommunfullmäktige beslutar om ansvarsfrihet för år 2027."),
        kommun("Skellefteå", "KF godkänner årsredovisningen för 2027", "2028-04-27",
               "Kommunfullmäktige godkänner årsredovisningen för år 2027.")), None),
    # R12: no strategic commitments during the 2030 campaign.
    Case("R12", "a strategy remiss in the campaign", (
        region("RS", "Remiss: strategi för kompetensförsörjning", "2030-08-19", "2030-10-10"),),
        Fires("warning", "Region Västerbotten", ("Election campaign 2030",))),
    Case("R12", "the same remiss after the councils take office", (
        region("RS", "Remiss: strategi för kompetensförsörjning", "2030-10-21", "2030-12-06"),),
        None),
    # R13: the RUS review of this term before the regions' input to the 2028-2034 plan.
    Case("R13", "review planned for March 2028", (
        region("RF", "Översyn av den regionala utvecklingsstrategin (mandatperioden 2026–2030)",
               "2028-03-01"),),
        Fires("warning", "Region Västerbotten", ("30 June 2027",))),
    Case("R13", "review decided in April 2027", (
        region("RF", "Översyn av den regionala utvecklingsstrategin (mandatperioden 2026–2030)",
               "2027-04-20"),), None),
    # R14-A: election-year budgets after the state's budget bill.
    Case("R14-A", "adopted before a new government's bill", (
        kommun("Umeå", "KF fastställer budget 2031", "2030-11-12",
               "De nyvalda fullmäktige fastställer budget för år 2031."),),
        Fires("warning", "Umeå kommun", ("15 November 2030",))),
    Case("R14-A", "adopted after the latest bill", (
        kommun("Umeå", "KF fastställer budget 2031", "2030-11-26",
               "De nyvalda fullmäktige fastställer budget för år 2031."),), None),
    # R14-B: ... and the Riksdag's frame decision in December (information).
    Case("R14-B", "adopted in November, before the frame decision", (
        kommun("Umeå", "KF fastställer budget 2031", "2030-11-26",
               "De nyvalda fullmäktige fastställer budget för år 2031."),),
        Fires("info", "Umeå kommun", ("5 December 2030",))),
    Case("R14-B", "adopted on the December track", (
        kommun("Umeå", "KF fastställer budget 2031", "2030-12-16",
               "De nyvalda fullmäktige fastställer budget för år 2031 (särskilda skäl)."),),
        None),
    # R15: the committee's 1:1 decisions after the villkorsbeslut.
    Case("R15", "1:1 money allocated in early December", (
        region("RUN", "Regionala utvecklingsmedel (1:1) för år 2028", "2027-12-01"),),
        Fires("warning", "Region Västerbotten", ("15 December 2027",))),
    Case("R15", "1:1 money allocated in February", (
        region("RUN", "Regionala utvecklingsmedel (1:1) för år 2028", "2028-02-10"),), None),
    # R16: the co-financier's budget adopted before the partnership prioritises.
    Case("R16", "budget adopted after the prioritisation", (
        region("SFP", "Prioritering: projektet Norrsken (medfinansiär Skellefteå kommun, "
               "år 2028)", "2027-06-10"),
        kommun("Skellefteå", "KF fastställer budget 2028", "2027-11-22",
               "Kommunfullmäktige fastställer budget för år 2028.")),
        Fires("warning", "Skellefteå kommun", ("10 June 2027",))),
    Case("R16", "prioritisation after the budget", (
        region("SFP", "Prioritering: projektet Norrsken (medfinansiär Skellefteå kommun, "
               "år 2028)", "2027-12-08"),
        kommun("Skellefteå", "KF fastställer budget 2028", "2027-11-22",
               "Kommunfullmäktige fastställer budget för år 2028.")), None),
    # R17: the last 2021-2027 calls leave two years before eligibility ends.
    Case("R17", "a call closing in March 2028", (
        eu("Tillväxtverket", "Utlysning stänger: ERDF Övre Norrland 2028:1", "2028-03-15",
           ERDF_CALL[2]),),
        Fires("warning", None, ("31 December 2029",))),
    Case("R17", "a call closing in September 2027", (
        eu("Tillväxtverket", "Utlysning stänger: ERDF Övre Norrland 2027:3", "2027-09-15",
           ERDF_CALL[2]),), None),
    # R18: payment claims not left to the month before a decommitment target.
    Case("R18", "a claim planned in December", (
        eu("Region", "Utbetalningsansökan: projektet Norrsken", "2027-12-10",
           "Projekt inom programperioden 2021–2027."),),
        Fires("warning", "Region Västerbotten", ("31 December 2027",))),
    Case("R18", "a claim planned in October", (
        eu("Region", "Utbetalningsansökan: projektet Norrsken", "2027-10-15",
           "Projekt inom programperioden 2021–2027."),), None),
    # R19: the MFF 2028-2034 adopted before the EU budget for 2028 (a planning note).
    Case("R19", "the MFF planned for February 2028", (
        eu("Region", "Rådet antar MFF-förordningen 2028–2034", "2028-02-15"),),
        Fires("info", None, ("27 December 2027",)), now=at("2027-03-01")),
    Case("R19", "the MFF adopted in June 2027", (
        eu("Region", "Rådet antar MFF-förordningen 2028–2034", "2027-06-30"),), None,
        now=at("2027-03-01")),
]


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pilot]:
    with RecordingServer() as server:
        yield Pilot(tmp_path_factory.mktemp("pilot"), server, NOW)


def test_every_shipped_rule_has_a_firing_and_a_quiet_case() -> None:
    shipped = set(load_config(REPO / "config.yaml").rules)
    fire = {c.rule for c in CASES if c.fires is not None}
    quiet = {c.rule for c in CASES if c.fires is None}
    assert fire == shipped and quiet == shipped, (shipped - fire, shipped - quiet)


def text_of(outcome: Outcome, rule: str) -> str:
    """The finding in English (the pilot's alerts are in Swedish; both are stored)."""
    return "\n".join(f"{a.annotations['summary_en']}\n{a.annotations.get('fix_en', '')}"
                     for a in outcome.of(rule))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}: {c.name}")
def test_rule_through_connectors(pilot: Pilot, case: Case, tmp_path: Path) -> None:
    outcome = pilot.run(Upstreams(list(case.items)), case.now)
    synced = sum(r.added for r in outcome.reports)
    assert synced == len(case.items), "every published item arrives as an event"
    if "capture_failed" in case.extra:
        assert sum(r.capture_failed for r in outcome.reports) == int(case.extra["capture_failed"])
    found = outcome.of(case.rule)
    if case.fires is None:
        assert found == [], text_of(outcome, case.rule)
        return
    assert len(found) == 1, text_of(outcome, case.rule) or "no alert"
    [alert] = found
    assert alert.severity == case.fires.severity, alert.summary
    assert alert.labels.get("owner") == case.fires.owner, alert.labels
    text = text_of(outcome, case.rule)
    for figure in case.fires.figures:
        assert figure in text, f"{figure!r} not in:\n{text}"
