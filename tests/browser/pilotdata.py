"""The pilot as the dashboard tests and the bench see it: the shipped config.yaml with
its example connectors reading from upstreams on 127.0.0.1 (tests/pilot), the built-in
cycles synced, plus a handful of published items that give the timeline a known
misalignment (R1: Vindeln decides its co-financing after the ERDF call closed), a
cancelled meeting and a hostile title. Nothing reaches the internet."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.pilot.upstream import Item, Upstreams

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
"""The dashboard's 'today': the R1 call closes and the late decision fall within a year."""

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'
CALL = "Utlysning stänger: ERDF Övre Norrland 2027:1"
LATE = "KS beslutar om medfinansiering av projektet Norrsken"
CANCELLED = "Regionala utvecklingsnämnden sammanträder (inställt)"

UPSTREAMS = Upstreams([
    Item("eu-projekt", CALL, "2027-05-14",
         description="Regionalfondsprogrammet Övre Norrland, programperioden 2021–2027.",
         organizer="Tillväxtverket"),
    Item("kommun-beslut", LATE, "2027-06-08", organizer="Vindeln",
         description="Kommunstyrelsen beslutar om medfinansiering av projektet Norrsken "
                     "inom ERDF Övre Norrland."),
    Item("kommun-beslut", "Kommunstyrelsens sammanträde", "2027-04-26", organizer="Vindeln"),
    Item("kommun-beslut", HOSTILE, "2027-04-12", organizer="Umeå"),
    Item("region-moten", CANCELLED, "2027-04-20", organizer="RUN", state="inställt"),
])
