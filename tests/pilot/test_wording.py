"""How findings read, pinned word for word: every shipped rule's firing case of
tests/pilot (through connectors, as a coordinator sees the alert), the first run's R13
and the information gap R4 reports before a budget deadline.

A coordinator reads what is out of step (both events by title and owner, their days),
who can move (the fix is addressed to that organisation, or is a planning note when
nobody here can) and to when; dates are written out, lengths are words, and no selector
names, ISO dates or durations, slack figures or jargon ("effective deadline") appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from calsync.alerts.store import Alert, list_alerts
from calsync.config import load_config
from calsync.configtypes import Localized
from tests.conftest import REPO
from tests.pilot.harness import Pilot
from tests.pilot.test_first_run import FIRST_RUN, first_run
from tests.pilot.test_rules_end_to_end import CASES, NOW, Case
from tests.pilot.upstream import Upstreams
from tests.server import RecordingServer

# rule: the summary and fix of its firing case in tests/pilot/test_rules_end_to_end.py, in
# English and in Swedish (the pilot's language: what `summary` and `fix` say)
WORDING = {
    "R1": (
        ("Vindelns kommun: KS beslutar om medfinansiering av projektet Norrsken (8 June 2027) "
         "comes 25 days after Tillväxtverket: Utlysning stänger: ERDF Övre Norrland 2027:1 (14 "
         "May 2027), but it must come first (rule R1: co-financing decided before the call "
         "closes)"),
        ("Vindelns kommun: decide by 14 May 2027; your last meeting before then is "
         "Kommunstyrelsens sammanträde on 26 April 2027"),
        ("Vindelns kommun: KS beslutar om medfinansiering av projektet Norrsken (8 juni 2027) "
         "kommer 25 dagar efter Tillväxtverket: Utlysning stänger: ERDF Övre Norrland 2027:1 (14 "
         "maj 2027), men den måste komma före (regel R1: medfinansieringen beslutas innan "
         "utlysningen stänger)"),
        ("Vindelns kommun: besluta senast 14 maj 2027; ert sista möte före dess är "
         "Kommunstyrelsens sammanträde den 26 april 2027")),
    "R2-A": (
        ("Region Västerbotten: Regionfullmäktige antar reviderad regional utvecklingsstrategi (13"
         " June 2028) comes 5 months after the start of Council of the EU (unanimity, after EP "
         "consent): MFF 2028-2034 (proposed) (1 January 2028 – 31 December 2034), but it must "
         "come first (rule R2-A: strategy revised before the programme period starts)"),
        ("Region Västerbotten: decide by 1 January 2028"),
        ("Region Västerbotten: Regionfullmäktige antar reviderad regional utvecklingsstrategi "
         "(13 juni 2028) kommer 5 månader efter början på Council of the EU (unanimity, after EP "
         "consent): EU:s långtidsbudget (MFF) 2028–2034 (förslag) (1 januari 2028 – 31 december "
         "2034), men den måste komma före (regel R2-A: strategin revideras innan programperioden "
         "börjar)"),
        ("Region Västerbotten: besluta senast 1 januari 2028")),
    "R2-B": (
        ("Region Västerbotten: Regional development strategy (RUS) for Västerbotten 2020-2030 (1 "
         "January 2020 – 31 December 2030) runs out 4 years before the end of Council of the EU "
         "(unanimity, after EP consent): MFF 2028-2034 (proposed) (1 January 2028 – 31 December "
         "2034): nothing covers 1 January 2031 – 31 December 2034 (rule R2-B: a valid regional "
         "development strategy for the whole programme period)"),
        ("Region Västerbotten: decide on a successor in force from 1 January 2031, by 31 December"
         " 2030"),
        ("Region Västerbotten: Regional utvecklingsstrategi 2020-2030 (1 januari 2020 – 31 "
         "december 2030) tar slut 4 år före slutet på Council of the EU (unanimity, after EP "
         "consent): EU:s långtidsbudget (MFF) 2028–2034 (förslag) (1 januari 2028 – 31 december "
         "2034): inget täcker 1 januari 2031 – 31 december 2034 (regel R2-B: en gällande "
         "regional utvecklingsstrategi under hela programperioden)"),
        ("Region Västerbotten: besluta om en efterföljare som gäller från 1 januari 2031, senast "
         "31 december 2030")),
    "R3": (
        ("Skellefteå kommun: KF fastställer budget 2031 (17 June 2030) comes before Skellefteå "
         "kommun: the newly elected Kommunfullmäktige takes office (four-year term from 2030) (15"
         " October 2030); in 2030 it must come between 15 October and 30 November 2030, and "
         "nothing is scheduled then (rule R3: in election years the newly elected council adopts "
         "the budget)"),
        ("Skellefteå kommun: decide between 15 October and 30 November 2030"),
        ("Skellefteå kommun: KF fastställer budget 2031 (17 juni 2030) kommer före Skellefteå "
         "kommun: det nyvalda Kommunfullmäktige tillträder (fyraårig mandatperiod från 2030) (15 "
         "oktober 2030); 2030 måste den komma mellan 15 oktober och 30 november 2030, och inget "
         "är planerat då (regel R3: valår fastställer det nyvalda fullmäktige budgeten)"),
        ("Skellefteå kommun: besluta mellan 15 oktober och 30 november 2030")),
    "R4": (
        ("Lycksele kommun: KF fastställer budget 2028 (14 December 2027) comes 14 days after the "
         "deadline of 30 November 2027 (rule R4: council adopts the budget by 30 November)"),
        ("Lycksele kommun: decide by 30 November 2027"),
        ("Lycksele kommun: KF fastställer budget 2028 (14 december 2027) kommer 14 dagar efter "
         "tidsfristen 30 november 2027 (regel R4: fullmäktige fastställer budgeten senast 30 "
         "november)"),
        ("Lycksele kommun: besluta senast 30 november 2027")),
    "R5": (
        ("Lycksele kommun: KS föreslår budget 2028 (5 November 2027) comes 5 days after the "
         "deadline of 31 October 2027 (rule R5: board proposes the budget by 31 October)"),
        ("Lycksele kommun: decide by 31 October 2027"),
        ("Lycksele kommun: KS föreslår budget 2028 (5 november 2027) kommer 5 dagar efter "
         "tidsfristen 31 oktober 2027 (regel R5: styrelsen föreslår budgeten senast 31 oktober)"),
        ("Lycksele kommun: besluta senast 31 oktober 2027")),
    "R6": (
        ("Umeå kommun: KS beslutar om arbetsmarknadsinsatser (10 December 2027) comes 5 days "
         "before the start of Regeringen: Appropriation directions (regleringsbrev) for 2028 to "
         "agencies incl. Tillväxtverket and Vinnova, but it must come after it (rule R6: local "
         "decisions on state money after the appropriation directions)"),
        ("Umeå kommun: move it to 15 December 2027 or later"),
        ("Umeå kommun: KS beslutar om arbetsmarknadsinsatser (10 december 2027) kommer 5 dagar "
         "före början på Regeringen: Regleringsbrev för 2028 till myndigheterna, bland andra "
         "Tillväxtverket och Vinnova, men den måste komma efter (regel R6: lokala beslut om "
         "statliga medel fattas efter regleringsbreven)"),
        ("Umeå kommun: flytta den till 15 december 2027 eller senare")),
    "R7": (
        ("Region Västerbotten: Slutlig utbetalningsansökan: projektet Norrsken (15 February 2030)"
         " comes 46 days after 31 December 2029, when the window set by Managing authorities / "
         "European Commission: Eligibility of expenditure, 2021-2027 cohesion programmes (1 "
         "January 2021 – 31 December 2029) closes, but it must come within it (rule R7: 2021-2027"
         " expenditure inside the eligibility period)"),
        ("Region Västerbotten: move it to 31 December 2029 at the latest"),
        ("Region Västerbotten: Slutlig utbetalningsansökan: projektet Norrsken (15 februari "
         "2030) kommer 46 dagar efter 31 december 2029, då perioden enligt Managing authorities "
         "/ European Commission: Stödberättigande utgifter, sammanhållningsprogrammen 2021–2027 "
         "(1 januari 2021 – 31 december 2029) slutar, men den måste komma inom den (regel R7: "
         "utgifter för 2021–2027 inom perioden för stödberättigande utgifter)"),
        ("Region Västerbotten: flytta den till senast 31 december 2029")),
    "R8": (
        ("Umeå kommun: KS beslutar om projektplan för innovationsarenan (1 February 2028) comes "
         "5 months before 1 July 2028, but it must not come earlier (rule R8: no plans on "
         "2028-2034 money before it can exist)"),
        ("Umeå kommun: move it to 1 July 2028 or later"),
        ("Umeå kommun: KS beslutar om projektplan för innovationsarenan (1 februari 2028) kommer "
         "5 månader före 1 juli 2028, men den får inte komma tidigare (regel R8: inga planer på "
         "medel från 2028–2034 innan de kan finnas)"),
        ("Umeå kommun: flytta den till 1 juli 2028 eller senare")),
    "R9": (
        ("Region Västerbotten: Remiss: regional transportplan (21 June – 13 August 2027) leaves "
         "only 17 of its 39 working days outside Sweden: Summer holiday blackout (July) (1–31 "
         "July 2027), but it needs at least 25 (rule R9: consultations keep 25 working days "
         "outside July and Christmas)"),
        ("Region Västerbotten: extend it to 25 August 2027 (25 working days clear of the "
         "blackout), or move it clear of it"),
        ("Region Västerbotten: Remiss: regional transportplan (21 juni – 13 augusti 2027) har "
         "bara 17 av sina 39 arbetsdagar utanför Sweden: Semesterperiod (1–31 juli 2027), men "
         "behöver minst 25 (regel R9: remisser och samråd har minst 25 arbetsdagar utanför juli "
         "och julen)"),
        ("Region Västerbotten: förläng den till 25 augusti 2027 (25 arbetsdagar utanför "
         "spärrperioden), eller flytta den ut ur spärrperioden")),
    "R10": (
        ("Interreg Aurora MA/JS: Utlysning stänger: Interreg Aurora 2027:1 (14 March 2027) falls "
         "on a non-working day, Sunday 14 March 2027 (rule R10: call deadlines on non-working "
         "days)"),
        ("planning note: Interreg Aurora MA/JS sets this date, a non-working day; the last "
         "working day before it is Friday 12 March 2027, so be ready by then"),
        ("Interreg Aurora MA/JS: Utlysning stänger: Interreg Aurora 2027:1 (14 mars 2027) "
         "infaller på en arbetsfri dag, söndag 14 mars 2027 (regel R10: utlysningar som stänger "
         "en arbetsfri dag)"),
        ("planeringsnotering: Interreg Aurora MA/JS bestämmer detta datum, en arbetsfri dag; "
         "sista arbetsdagen före är fredag 12 mars 2027, så var klara då")),
    "R11-A": (
        ("Skellefteå kommun: KS lämnar årsredovisningen för 2027 (24 April 2028) comes 9 days "
         "after the deadline of 15 April 2028 (rule R11-A: annual report to the council and "
         "auditors by 15 April)"),
        ("Skellefteå kommun: decide by 15 April 2028"),
        ("Skellefteå kommun: KS lämnar årsredovisningen för 2027 (24 april 2028) kommer 9 dagar "
         "efter tidsfristen 15 april 2028 (regel R11-A: årsredovisningen till fullmäktige och "
         "revisorerna senast 15 april)"),
        ("Skellefteå kommun: besluta senast 15 april 2028")),
    "R11-B": (
        ("Skellefteå kommun: KF beslutar om ansvarsfrihet för 2027 (5 July 2028) comes 5 days "
         "after the deadline of 30 June 2028 (rule R11-B: discharge from liability by 30 June)"),
        ("Skellefteå kommun: decide by 30 June 2028"),
        ("Skellefteå kommun: KF beslutar om ansvarsfrihet för 2027 (5 juli 2028) kommer 5 dagar "
         "efter tidsfristen 30 juni 2028 (regel R11-B: beslut om ansvarsfrihet senast 30 juni)"),
        ("Skellefteå kommun: besluta senast 30 juni 2028")),
    "R11-C": (
        ("Skellefteå kommun: KF godkänner årsredovisningen för 2027 (26 June 2028) comes 6 days "
         "after Skellefteå kommun: KF beslutar om ansvarsfrihet för 2027 (20 June 2028), but it "
         "must come first (rule R11-C: the annual report is approved before the discharge "
         "decision)"),
        ("Skellefteå kommun: decide by 20 June 2028"),
        ("Skellefteå kommun: KF godkänner årsredovisningen för 2027 (26 juni 2028) kommer 6 "
         "dagar efter Skellefteå kommun: KF beslutar om ansvarsfrihet för 2027 (20 juni 2028), "
         "men den måste komma före (regel R11-C: årsredovisningen godkänns före beslutet om "
         "ansvarsfrihet)"),
        ("Skellefteå kommun: besluta senast 20 juni 2028")),
    "R12": (
        ("Region Västerbotten: Remiss: strategi för kompetensförsörjning (19 August – 10 October "
         "2030) falls in a blackout: Political parties: Election campaign 2030 - from 1 August "
         "until the new councils take office on 15 October (1 August – 14 October 2030) (rule "
         "R12: no strategic commitments during the election transition)"),
        ("Region Västerbotten: move it to end by 31 July 2030, or to start from 15 October 2030"),
        ("Region Västerbotten: Remiss: strategi för kompetensförsörjning (19 augusti – 10 "
         "oktober 2030) infaller under en spärrperiod: Political parties: Valrörelsen 2030 – "
         "från 1 augusti tills de nya fullmäktige tillträder den 15 oktober (1 augusti – 14 "
         "oktober 2030) (regel R12: inga strategiska åtaganden under valrörelsen)"),
        ("Region Västerbotten: flytta den så att den slutar senast 31 juli 2030, eller så att den"
         " börjar från 15 oktober 2030")),
    "R13": (
        ("Region Västerbotten: Översyn av den regionala utvecklingsstrategin (mandatperioden "
         "2026–2030) (1 March 2028) comes 8 months after Regeringen: The regions' input to the "
         "national and regional partnership plan 2028-2034 (tentative, mid-2027) (30 June 2027), "
         "but it must come first (rule R13: the RUS review of this term comes before the regions'"
         " input to the 2028-2034 plan)"),
        ("Region Västerbotten: decide by 30 June 2027"),
        ("Region Västerbotten: Översyn av den regionala utvecklingsstrategin (mandatperioden "
         "2026–2030) (1 mars 2028) kommer 8 månader efter Regeringen: Regionernas underlag till "
         "partnerskapsplanen 2028-2034 (30 juni 2027), men den måste komma före (regel R13: "
         "översynen av RUS under mandatperioden kommer före regionernas underlag till "
         "partnerskapsplanen 2028–2034)"),
        ("Region Västerbotten: besluta senast 30 juni 2027")),
    "R14-A": (
        ("Umeå kommun: KF fastställer budget 2031 (12 November 2030) comes 3 days before "
         "Regeringen: Budget bill for 2031 in an election year, new government (within three "
         "weeks of taking office, at the latest 15 November), but it must come after it (rule "
         "R14-A: in election years the council adopts the budget after the state's budget bill)"),
        ("Umeå kommun: move it to 15 November 2030 or later"),
        ("Umeå kommun: KF fastställer budget 2031 (12 november 2030) kommer 3 dagar före "
         "Regeringen: Budgetpropositionen för 2031 ett valår, ny regering (inom tre veckor efter "
         "tillträdet, senast 15 november), men den måste komma efter (regel R14-A: valår "
         "fastställer fullmäktige budgeten efter statens budgetproposition)"),
        ("Umeå kommun: flytta den till 15 november 2030 eller senare")),
    "R14-B": (
        ("Umeå kommun: KF fastställer budget 2031 (26 November 2030) comes 19 days before the end"
         " of Riksdagen: Riksdag frame decision on the 2031 budget in an election year (step 1), "
         "but it must come after it (rule R14-B: an election year's council budget and the "
         "Riksdag's December frame decision)"),
        ("Umeå kommun: move it to 15 December 2030 or later"),
        ("Umeå kommun: KF fastställer budget 2031 (26 november 2030) kommer 19 dagar före slutet "
         "på Riksdagens rambeslut om budgeten för 2031 ett valår (steg 1), men den måste komma "
         "efter (regel R14-B: fullmäktiges budget ett valår och riksdagens rambeslut i december)"),
        ("Umeå kommun: flytta den till 15 december 2030 eller senare")),
    "R15": (
        ("Region Västerbotten: Regionala utvecklingsmedel (1:1) för år 2028 (1 December 2027) "
         "comes 14 days before the start of Regeringen: Villkorsbeslut for 2028 - the "
         "government's conditions decision to the regions on appropriation 1:1 Regionala "
         "utvecklingsåtgärder, but it must come after it (rule R15: the regional development "
         "committee decides on 1:1 money after the villkorsbeslut)"),
        ("Region Västerbotten: move it to 15 December 2027 or later"),
        ("Region Västerbotten: Regionala utvecklingsmedel (1:1) för år 2028 (1 december 2027) "
         "kommer 14 dagar före början på Regeringen: Villkorsbeslut för 2028 – regeringens "
         "villkor till regionerna för anslag 1:1 Regionala utvecklingsåtgärder, men den måste "
         "komma efter (regel R15: regionala utvecklingsnämnden beslutar om 1:1-medel efter "
         "villkorsbeslutet)"),
        ("Region Västerbotten: flytta den till 15 december 2027 eller senare")),
    "R16": (
        ("Skellefteå kommun: KF fastställer budget 2028 (22 November 2027) comes 5 months after "
         "Strukturfondspartnerskapet Övre Norrland: Prioritering: projektet Norrsken "
         "(medfinansiär Skellefteå kommun, år 2028) (10 June 2027), but it must come first (rule "
         "R16: a municipality's budget is adopted before the partnership prioritises projects it "
         "co-finances)"),
        ("Skellefteå kommun: decide by 10 June 2027"),
        ("Skellefteå kommun: KF fastställer budget 2028 (22 november 2027) kommer 5 månader "
         "efter Strukturfondspartnerskapet Övre Norrland: Prioritering: projektet Norrsken "
         "(medfinansiär Skellefteå kommun, år 2028) (10 juni 2027), men den måste komma före "
         "(regel R16: kommunens budget fastställs innan partnerskapet prioriterar projekt som "
         "kommunen medfinansierar)"),
        ("Skellefteå kommun: besluta senast 10 juni 2027")),
    "R17": (
        ("Tillväxtverket: Utlysning stänger: ERDF Övre Norrland 2028:1 (15 March 2028) comes only"
         " 1 year and 9 months before the end of Managing authorities / European Commission: "
         "Eligibility of expenditure, 2021-2027 cohesion programmes (1 January 2021 – 31 December"
         " 2029), but it must come at least 2 years before (rule R17: the last 2021-2027 calls "
         "leave two years before eligibility ends)"),
        ("planning note: Tillväxtverket sets this date and no organisation here can change it; "
         "the rule would need it by 31 December 2027, so plan around the date as it is"),
        ("Tillväxtverket: Utlysning stänger: ERDF Övre Norrland 2028:1 (15 mars 2028) kommer "
         "bara 1 år och 9 månader före slutet på Managing authorities / European Commission: "
         "Stödberättigande utgifter, sammanhållningsprogrammen 2021–2027 (1 januari 2021 – 31 "
         "december 2029), men den måste komma minst 2 år före (regel R17: de sista utlysningarna "
         "för 2021–2027 stänger minst två år före sista dagen för stödberättigande utgifter)"),
        ("planeringsnotering: Tillväxtverket bestämmer detta datum och ingen organisation här kan"
         " ändra det; regeln skulle kräva det senast 31 december 2027, så planera utifrån datumet"
         " som det är")),
    "R18": (
        ("Region Västerbotten: Utbetalningsansökan: projektet Norrsken (10 December 2027) falls "
         "in a blackout: the month before European Commission: Automatic decommitment deadline "
         "2027 for 2021-2027 cohesion commitments (N+3; N+2 for 2027) (31 December 2027) (rule "
         "R18: 2021-2027 payment claims are not left to the month before a decommitment target)"),
        ("Region Västerbotten: move it to 29 November 2027 at the latest"),
        ("Region Västerbotten: Utbetalningsansökan: projektet Norrsken (10 december 2027) "
         "infaller under en spärrperiod: månaden före European Commission: Sista dag 2027 före "
         "automatiskt återtagande av sammanhållningsåtaganden 2021–2027 (N+3; N+2 för 2027) (31 "
         "december 2027) (regel R18: utbetalningsansökningar för 2021–2027 sparas inte till "
         "månaden före ett mål för automatiskt återtagande)"),
        ("Region Västerbotten: flytta den till senast 29 november 2027")),
    "R19": (
        ("Council of the EU: Rådet antar MFF-förordningen 2028–2034 (15 February 2028) comes 50 "
         "days after European Parliament and Council: EU budget for 2028 adopted (at the latest, "
         "after a full conciliation; in practice late November) (27 December 2027), but it must "
         "come first (rule R19: the MFF 2028-2034 is adopted before the EU budget for 2028)"),
        ("planning note: Council of the EU sets this date and no organisation here can change it;"
         " the rule would need it by 27 December 2027, so plan around the date as it is"),
        ("Council of the EU: Rådet antar MFF-förordningen 2028–2034 (15 februari 2028) kommer 50 "
         "dagar efter European Parliament and Council: EU-budgeten för 2028 antas (senast, efter "
         "ett fullt förlikningsförfarande; i praktiken i slutet av november) (27 december 2027), "
         "men den måste komma före (regel R19: långtidsbudgeten 2028–2034 antas före EU:s "
         "årsbudget för 2028)"),
        ("planeringsnotering: Council of the EU bestämmer detta datum och ingen organisation här "
         "kan ändra det; regeln skulle kräva det senast 27 december 2027, så planera utifrån "
         "datumet som det är")),
}

FIRING = [c for c in CASES if c.fires is not None]

_NOT_FOR_PEOPLE = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "an ISO date"),
    (re.compile(r"\bP(T?\d+[YMWDHS])+\b"), "an ISO duration"),
    (re.compile(r"\d{2}:\d{2}:\d{2}"), "a clock time with seconds"),
    (re.compile(r"slack|effective deadline|selector|lead [≥≤-]", re.I), "jargon"),
    (re.compile(r"[–-]\s*(…|\.\.\.)?\s*$"), "a dangling range"),
]


def readable(text: str) -> list[str]:
    """What in `text` a coordinator should not have to read."""
    return [f"{what}: {m.group(0)!r}" for pattern, what in _NOT_FOR_PEOPLE
            for m in [pattern.search(text)] if m]


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pilot]:
    with RecordingServer() as server:
        yield Pilot(tmp_path_factory.mktemp("wording"), server, NOW)


def test_every_firing_case_has_its_wording_pinned() -> None:
    assert sorted(WORDING) == sorted(c.rule for c in FIRING)


@pytest.mark.parametrize("case", FIRING, ids=lambda c: f"{c.rule}: {c.name}")
def test_the_finding_reads_as_pinned(pilot: Pilot, case: Case) -> None:
    [alert] = pilot.run(Upstreams(list(case.items)), case.now).of(case.rule)
    summary, fix, sv_summary, sv_fix = WORDING[case.rule]
    notes = alert.annotations
    assert (notes["summary_en"], notes["fix_en"]) == (summary, fix)
    assert (alert.summary, notes["fix"]) == (sv_summary, sv_fix)  # config.yaml: language: sv
    assert (notes["summary_sv"], notes["fix_sv"]) == (sv_summary, sv_fix)
    assert notes["description_en"].startswith(f"{summary}\nFix: {fix}.")
    assert notes["description"] == notes["description_sv"]
    assert notes["description_sv"].startswith(f"{sv_summary}\nÅtgärd: {sv_fix}.")
    # the rule's own words, in each sentence's language (config.yaml gives both)
    rule = load_config(pilot.config_path).rules[case.rule]
    assert isinstance(rule.rationale, Localized)
    assert notes["description_sv"].endswith(f"\nVarför: {rule.rationale.sv}")
    assert notes["description_en"].endswith(f"\nWhy: {rule.rationale.en}")
    assert (notes["rule_title"], notes["rationale"]) == (notes["rule_title_sv"],
                                                         notes["rationale_sv"])
    people = [summary, fix, sv_summary, sv_fix, notes.get("required", ""),
              notes.get("actual", ""), notes.get("windows", "")]
    assert readable("\n".join(people)) == []
    owner = alert.labels.get("owner")
    if owner:  # the fix is addressed to whoever can move
        assert fix.startswith(f"{owner}: ") and sv_fix.startswith(f"{owner}: ")
    else:  # nobody here can move: a planning note, never "move it"
        assert fix.startswith("planning note: ") and "move it" not in fix
        assert sv_fix.startswith("planeringsnotering: ") and "flytta" not in sv_fix


def _only(alerts: list[Alert], rule: str) -> list[Alert]:
    return [a for a in alerts if a.rule_id == rule]


def test_the_first_run_finding_reads_in_years_and_months(engine: Engine,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.chdir(REPO)
    first_run(engine, FIRST_RUN)
    with engine.connect() as conn:
        [alert] = _only(list_alerts(conn, state="firing", now=FIRST_RUN), "R13")
    assert alert.annotations["summary_en"] == (
        "Region Västerbotten: the regional development strategy is reviewed during the term "
        "elected in 2026 (at least once before the next election) is expected only by "
        "7 September 2030, 3 years and 2 months after Regeringen: The regions' input to the "
        "national and regional partnership plan 2028-2034 (tentative, mid-2027) (30 June "
        "2027), but it must come first (rule R13: the RUS review of this term comes before "
        "the regions' input to the 2028-2034 plan)")
    assert alert.annotations["fix_en"] == "Region Västerbotten: decide by 30 June 2027"
    assert alert.summary == alert.annotations["summary_sv"] == (
        "Region Västerbotten: den regionala utvecklingsstrategin ses över under mandatperioden "
        "som valdes 2026 (minst en gång före nästa val) väntas först till 7 september 2030, "
        "3 år och 2 månader efter Regeringen: Regionernas underlag till partnerskapsplanen "
        "2028-2034 (30 juni 2027), men den måste komma före (regel R13: översynen av RUS under "
        "mandatperioden kommer före regionernas underlag till partnerskapsplanen 2028–2034)")
    assert alert.annotations["fix"] == "Region Västerbotten: besluta senast 30 juni 2027"
    assert (alert.annotations["required"], alert.annotations["actual"]) == (
        "före", "3 år och 2 månader efter")


def test_the_information_gap_reads_as_a_request_for_the_date(sqlite_engine: Engine,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.chdir(REPO)
    now = datetime(2027, 11, 5, 9, 0, tzinfo=UTC)
    first_run(sqlite_engine, now)
    with sqlite_engine.connect() as conn:
        notes = _only(list_alerts(conn, state="firing", now=now), "R4")
    [umea] = [a for a in notes if a.labels.get("owner") == "Umeå kommun"]
    assert umea.annotations["summary_en"] == (
        "No date is known yet for Umeå kommun: Kommunfullmäktige adopts the 2028 budget, "
        "tax rate and three-year plan; the deadline is 30 November 2027.")
    assert umea.annotations["fix_en"] == ("Umeå kommun: decide by 30 November 2027 and "
                                          "publish the date in a calendar calsync reads")
    # the step named in Swedish, without its "(senast 30 november)" (it was the English
    # "2028 budget council adoption" of the attribute keys)
    assert umea.summary == ("Inget datum är känt än för Umeå kommun: Kommunfullmäktige "
                            "fastställer budget, skattesats och treårsplan för 2028; "
                            "tidsfristen är 30 november 2027.")
    assert umea.annotations["fix"] == ("Umeå kommun: besluta senast 30 november 2027 och "
                                       "publicera datumet i en kalender som calsync läser")
    assert readable("\n".join(a.summary + a.annotations["fix"] for a in notes)) == []
