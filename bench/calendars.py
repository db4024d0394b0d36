"""Deterministic, realistic policy calendars for the benchmarks, and a mutator.

    generate(10_000)                      -> list[Item] (seeded, same every time)
    mutate(items, 0.01, seed=1)           -> a copy with 1 % of the items changed
    render(items)                         -> the iCalendar text (CRLF, folded lines)

The mix is the one issue 18 measured with: 60 % timed events in Europe/Stockholm (with a
VTIMEZONE), 25 % all-day (some multi-day), 10 % recurring series (weekly, fortnightly or
monthly, with EXDATEs; about fifteen occurrences each inside the sync horizon), 5 %
cancelled. Every event belongs to one of the four levels (EU, national, regional,
municipal: its first CATEGORIES value, which `ICAL_MAPPING` maps to the level) and has a
Swedish or English title, description and location of realistic length. 2024-2034.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

__all__ = ["ICAL_MAPPING", "LEVEL_CATEGORY", "Item", "generate", "mutate", "occurrences",
           "render"]

LEVEL_CATEGORY = {"eu": "EU", "national": "Nationell", "regional": "Regional",
                  "municipal": "Kommunal"}
ICAL_MAPPING = [{"field": "category", "equals": cat, "level": level}
                for level, cat in LEVEL_CATEGORY.items()]
ACTORS = {
    "eu": ("European Commission", "European Parliament", "Council of the EU"),
    "national": ("Riksdagen", "Regeringen", "Tillväxtverket", "Vinnova"),
    "regional": ("Region Västerbotten", "Regionfullmäktige", "Regionstyrelsen"),
    "municipal": ("Umeå kommun", "Skellefteå kommun", "Lycksele kommun", "Vilhelmina kommun",
                  "Storumans kommun", "Sorsele kommun", "Malå kommun", "Norsjö kommun",
                  "Robertsfors kommun", "Vännäs kommun", "Bjurholms kommun", "Nordmalings "
                  "kommun", "Vindelns kommun", "Åsele kommun", "Dorotea kommun"),
}
KINDS = ("Sammanträde", "Beslut", "Budget", "Remiss", "Deadline", "Rapport", "Samråd")
TOPICS = ("budget 2027 och flerårsplan", "ERDF co-financing", "regional utvecklingsstrategi",
          "Just Transition Fund call", "investeringsplan", "delårsrapport",
          "European Semester country report", "MFF mid-term review", "taxor och avgifter",
          "kollektivtrafikplan", "skolorganisation", "Horizon Europe partnership")
FIRST = date(2024, 1, 1).toordinal()
DAYS = 11 * 365
STAMP = "20261101T080000Z"

VTIMEZONE = (
    "BEGIN:VTIMEZONE", "TZID:Europe/Stockholm",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE")


@dataclass(frozen=True, slots=True)
class Item:
    """One VEVENT: `shape` is timed, allday, series or cancelled."""

    uid: str
    shape: str
    level: str
    actor: str
    kind: str
    title: str
    description: str
    location: str
    start: datetime  # naive wall time in Europe/Stockholm (dates: midnight)
    minutes: int  # duration; all-day: days × 1440
    sequence: int = 0
    rrule: str = ""
    count: int = 0
    exdates: tuple[datetime, ...] = ()


def generate(total: int, *, seed: int = 18) -> list[Item]:
    """`total` VEVENTs in the issue's mix, the same for the same arguments."""
    rng = random.Random(seed)
    out = []
    for i in range(total):
        roll = i % 20  # exact shares: 12/20 timed, 5/20 all-day, 2/20 series, 1/20 cancelled
        shape = ("timed" if roll < 12 else "allday" if roll < 17 else "series" if roll < 19
                 else "cancelled")
        level = ("eu", "national", "regional", "municipal")[rng.randrange(4)]
        actor = rng.choice(ACTORS[level])
        kind = rng.choice(KINDS)
        topic = rng.choice(TOPICS)
        day = date.fromordinal(FIRST + rng.randrange(DAYS))
        if shape == "allday":
            start = datetime(day.year, day.month, day.day)
            minutes = 1440 * (1 if rng.random() < 0.7 else rng.randrange(2, 15))
        else:
            start = datetime(day.year, day.month, day.day, rng.randrange(8, 17),
                             rng.choice((0, 15, 30, 45)))
            minutes = rng.choice((30, 60, 90, 120, 180, 240))
        item = Item(uid=f"{level}-{i}@bench.calsync.se", shape=shape, level=level,
                    actor=actor, kind=kind, title=f"{actor}: {kind.lower()}, {topic}",
                    description=f"Ärende {i}: {topic}. Underlag, förslag till beslut och "
                                f"protokoll publiceras enligt föredragningslistan; see the "
                                f"agenda for details.",
                    location=f"{actor}, sal {1 + i % 7}", start=start, minutes=minutes)
        if shape == "series":
            step, rule = rng.choice(((7, "FREQ=WEEKLY"), (14, "FREQ=WEEKLY;INTERVAL=2"),
                                     (28, "FREQ=MONTHLY")))
            count = rng.randrange(8, 23)
            skipped = tuple(start + timedelta(days=step * k)
                            for k in sorted(rng.sample(range(1, count), 2))) if step < 28 \
                else ()
            item = replace(item, rrule=f"{rule};COUNT={count}", count=count, exdates=skipped)
        out.append(item)
    return out


def mutate(items: list[Item], share: float, *, seed: int = 1) -> list[Item]:
    """A copy in which `share` of the items (chosen by `seed`) were retitled and moved a
    day, with SEQUENCE bumped, as an upstream edit does."""
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(items)), round(len(items) * share)))
    out = list(items)
    for i in chosen:
        old = items[i]
        out[i] = replace(old, title=old.title + " (ändrad)", start=old.start + timedelta(days=1),
                         exdates=tuple(d + timedelta(days=1) for d in old.exdates),
                         sequence=old.sequence + 1)
    return out


def occurrences(items: list[Item]) -> int:
    """How many occurrences the items expand to (all inside the default horizon)."""
    return sum(it.count - len(it.exdates) if it.shape == "series" else 1 for it in items)


def _fold(line: str) -> list[str]:
    """RFC 5545 folding at 75 octets (never inside a UTF-8 sequence)."""
    raw = line.encode()
    if len(raw) <= 75:
        return [line]
    parts, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(raw[start:end].decode())
        start, limit = end, 74
    return [parts[0], *(" " + p for p in parts[1:])]


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


def _vevent(it: Item) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{it.uid}", f"DTSTAMP:{STAMP}", f"SEQUENCE:{it.sequence}"]
    if it.shape == "allday":
        end = it.start + timedelta(minutes=it.minutes)
        lines += [f"DTSTART;VALUE=DATE:{it.start:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    else:
        end = it.start + timedelta(minutes=it.minutes)
        lines += [f"DTSTART;TZID=Europe/Stockholm:{it.start:%Y%m%dT%H%M%S}",
                  f"DTEND;TZID=Europe/Stockholm:{end:%Y%m%dT%H%M%S}"]
    if it.rrule:
        lines.append(f"RRULE:{it.rrule}")
        lines += [f"EXDATE;TZID=Europe/Stockholm:{d:%Y%m%dT%H%M%S}" for d in it.exdates]
    lines += [f"SUMMARY:{_esc(it.title)}", f"DESCRIPTION:{_esc(it.description)}",
              f"LOCATION:{_esc(it.location)}",
              f"CATEGORIES:{LEVEL_CATEGORY[it.level]},{it.kind}",
              f"STATUS:{'CANCELLED' if it.shape == 'cancelled' else 'CONFIRMED'}",
              "END:VEVENT"]
    return lines


def render(items: list[Item]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calsync//bench calendars//SV",
             "CALSCALE:GREGORIAN", "X-WR-CALNAME:Policy cycles (bench)",
             "X-WR-TIMEZONE:Europe/Stockholm", *VTIMEZONE]
    for it in items:
        for line in _vevent(it):
            lines += _fold(line)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
