"""VTIMEZONE components in the rule-based (RRULE) form that Outlook understands.

RFC 5545 requires a VTIMEZONE for every TZID a calendar uses. Outlook maps RDATE-only
definitions (what `icalendar` generates) to the wrong Windows zone and shifts events by
an hour, so calsync writes each zone the way Google's own exports do: one STANDARD and
one DAYLIGHT observance per stretch of years in which the rule stayed the same, each
with `RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=nSU` (or `-1SU` for "last Sunday").

The transitions come from the system's zoneinfo data, scanned over the years the feed
needs (one year before its first event to one after its last). The output depends only
on the zone name and that span, so it is byte-stable between requests and cached.
A rule that no BYDAY expresses (a fixed date, a lunar calendar) falls back to one
observance per transition with plain DTSTART, which every client reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["vtimezone"]

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FIRST_YEAR = 1970
_LAST_YEAR = 2100


@dataclass(frozen=True, slots=True)
class _Transition:
    utc: datetime          # the instant the new offset applies
    local: datetime        # wall clock just before it, in the old offset (VTIMEZONE DTSTART)
    before: timedelta      # offset before
    after: timedelta       # offset after
    name: str              # abbreviation after (TZNAME)
    daylight: bool         # the new offset is summer time

    def byday(self) -> set[str]:
        """The BYDAY forms (nth / last weekday of the month) this date satisfies."""
        day, weekday = self.local.day, _DAYS[self.local.weekday()]
        out = {f"{(day - 1) // 7 + 1}{weekday}"}
        if (self.local + timedelta(days=7)).month != self.local.month:
            out.add(f"-1{weekday}")
        return out

    def shape(self) -> tuple[object, ...]:
        return (self.daylight, self.before, self.after, self.name, self.local.month,
                self.local.time())


def _offset(zone: ZoneInfo, at: datetime) -> tuple[timedelta, timedelta, str]:
    local = at.astimezone(zone)
    return (local.utcoffset() or timedelta(0), local.dst() or timedelta(0),
            local.tzname() or "")


def _transitions(name: str, first: int, last: int) -> list[_Transition]:
    """Every change of offset (or of abbreviation/DST flag) between the two years."""
    zone = ZoneInfo(name)
    out: list[_Transition] = []
    step = timedelta(days=1)
    at = datetime(first, 1, 1, tzinfo=UTC)
    end = datetime(last + 1, 1, 1, tzinfo=UTC)
    state = _offset(zone, at)
    while at < end:
        nxt = at + step
        new = _offset(zone, nxt)
        if new != state:
            lo, hi = at, nxt  # bisect to the second: state holds at lo, new at hi
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                if _offset(zone, mid) == state:
                    lo = mid
                else:
                    hi = mid
            after = _offset(zone, hi)
            local = (hi + state[0]).replace(tzinfo=None)
            out.append(_Transition(utc=hi, local=local, before=state[0], after=after[0],
                                   name=after[2], daylight=after[1] != timedelta(0)))
            state = new
        at = nxt
    return out


def _fmt_offset(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _group(transitions: list[_Transition]) -> list[tuple[list[_Transition], str | None]]:
    """Runs of yearly transitions sharing one shape and one BYDAY form."""
    runs: list[tuple[list[_Transition], set[str]]] = []
    open_runs: dict[tuple[object, ...], int] = {}  # shape -> index of the run it may extend
    for tr in transitions:
        shape = tr.shape()
        index = open_runs.get(shape)
        if index is not None:
            run, forms = runs[index]
            common = forms & tr.byday()
            if common and tr.local.year == run[-1].local.year + 1:
                run.append(tr)
                runs[index] = (run, common)
                continue
        open_runs[shape] = len(runs)
        runs.append(([tr], tr.byday()))
    out: list[tuple[list[_Transition], str | None]] = []
    for run, forms in runs:
        if len(run) == 1:
            out.append((run, None))
        else:  # prefer "last Sunday" to "4th Sunday" when both always hold
            out.append((run, sorted(forms, key=lambda f: (not f.startswith("-"), f))[0]))
    return out


@lru_cache(maxsize=256)
def vtimezone(name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """The unfolded content lines of a VTIMEZONE for zone `name`, valid from `first_year`
    to `last_year` (clamped to 1970..2100). Cached: zone data does not change at runtime."""
    first = max(_FIRST_YEAR, min(first_year, _LAST_YEAR))
    last = max(first, min(last_year, _LAST_YEAR))
    # Scan from a year early, so the observance in force on 1 January of `first` (say,
    # southern summer time that began in November) is part of the definition.
    transitions = _transitions(name, max(_FIRST_YEAR, first - 1), last)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    start = datetime(first, 1, 1, tzinfo=UTC)
    if not transitions or transitions[0].utc > start:
        # Nothing changed just before the window: one observance holds from its start.
        offset, dst, abbr = _offset(ZoneInfo(name), start)
        kind = "DAYLIGHT" if dst else "STANDARD"
        lines += [f"BEGIN:{kind}", f"DTSTART:{first}0101T000000",
                  f"TZOFFSETFROM:{_fmt_offset(offset)}", f"TZOFFSETTO:{_fmt_offset(offset)}"]
        if abbr:
            lines.append(f"TZNAME:{abbr}")
        lines.append(f"END:{kind}")
    if transitions:
        groups = _group(transitions)
        # The last run of each shape that reaches the final year stays open (no UNTIL).
        final_year = transitions[-1].local.year
        for run, byday in groups:
            head = run[0]
            kind = "DAYLIGHT" if head.daylight else "STANDARD"
            lines += [f"BEGIN:{kind}", f"DTSTART:{_local(head.local)}",
                      f"TZOFFSETFROM:{_fmt_offset(head.before)}",
                      f"TZOFFSETTO:{_fmt_offset(head.after)}"]
            if byday is not None:
                rule = f"RRULE:FREQ=YEARLY;BYMONTH={head.local.month};BYDAY={byday}"
                if run[-1].local.year < final_year:
                    rule += f";UNTIL={run[-1].utc.strftime('%Y%m%dT%H%M%SZ')}"
                lines.append(rule)
            if head.name:
                lines.append(f"TZNAME:{head.name}")
            lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return tuple(lines)
