"""Every sentence the rules say to people, in one place.

Findings are read by coordinators, not by the admin who wrote the rule: dates are local
dates written out ("14 May 2027"), lengths are words ("25 days", "3 years and 2 months"),
events are named by title and owner, and nothing here mentions selector names, ISO
durations, slack figures or UTC instants. The rule kinds compute values (events, dates,
lengths) and call one function here per sentence; each sentence is one template with
named fields, so it moves into the message catalogs (Swedish and English) as it is.

A finding's first-named event is the one its fix is about: when only the other event's
owner can move, the sentence is turned round so that "move it" means that event.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

__all__ = [
    "Pair",
    "addressed",
    "blackout_effective",
    "blackout_fix_extend",
    "blackout_in",
    "cap_reached",
    "coverage_gap",
    "coverage_runs_out",
    "day",
    "day_range",
    "days",
    "deadline_before_anchor",
    "deadline_late",
    "duration",
    "fix_by",
    "fix_from",
    "fix_passed",
    "fix_span",
    "info_gap",
    "length",
    "no_overlap",
    "planning_note",
    "precedes_early",
    "precedes_late",
    "rule_ref",
    "weekday_day",
    "whatif_none",
    "whatif_range",
    "when",
    "with_owner",
    "within_outside",
]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAYS_SHOWN_UP_TO = 99
"""Lengths up to this many days are said in days; longer ones in years and months."""


# --- values -------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def day(d: date) -> str:
    """`14 May 2027` (cached: findings repeat the same few thousand days)."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def weekday_day(d: date) -> str:
    """`Friday 13 February 2026`."""
    return f"{_WEEKDAYS[d.weekday()]} {day(d)}"


def day_range(first: date, last: date) -> str:
    """`14 May 2027`, `2–30 November 2027`, `21 June – 13 August 2027`,
    `13 September 2026 – 7 September 2030`: the shared month and year said once."""
    if first == last:
        return day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {_MONTHS[last.month - 1]} {last.year}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {day(last)}"
    return f"{day(first)} – {day(last)}"


def _two(first: date, last: date, word: str) -> str:
    """`2 and 30 November 2027`, `15 October and 30 November 2030` (after "between")."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} {word} {day(last)}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} {word} {day(last)}"
    return f"{day(first)} {word} {day(last)}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _joined(parts: list[str]) -> str:
    """`1 year`, `1 year and 2 months`, `1 year, 2 months and 3 days`."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def days(n: float) -> str:
    """`1 day`, `25 days`, `1.5 days` (the sign is the caller's business)."""
    n = abs(n)
    if float(n).is_integer():
        return _count(int(n), "day")
    return f"{n:.1f} days"


def length(n_days: float, first: date, last: date) -> str:
    """How far apart two days are, as people say it: `25 days` up to three months or so,
    then years and months (`3 years and 2 months`, `5 months`); the days left over are
    dropped because the sentence names both dates anyway."""
    if abs(n_days) <= DAYS_SHOWN_UP_TO:
        return days(n_days)
    lo, hi = min(first, last), max(first, last)
    delta = relativedelta(hi, lo)
    parts = [_count(value, unit) for value, unit in ((delta.years, "year"),
                                                      (delta.months, "month")) if value]
    return _joined(parts) or days(n_days)


def duration(delta: relativedelta | None) -> str:
    """A configured duration in words: P6M is `6 months`, P1Y2M `1 year and 2 months`."""
    if delta is None:
        return "0 days"
    weeks, rest = (delta.days // 7, 0) if delta.days % 7 == 0 else (0, delta.days)
    parts = [_count(abs(value), unit) for value, unit in (
        (delta.years, "year"), (delta.months, "month"), (weeks, "week"), (rest, "day"),
        (delta.hours, "hour"), (delta.minutes, "minute")) if value]
    return _joined(parts) if parts else "0 days"


def when(first: date, text: str, last: date | None = None) -> str:
    """An event's time as people read it: its day or days (`21 June – 13 August 2027`);
    without `last`, the ISO dates in `text` written out (clock times kept)."""
    if last is not None:
        return day_range(first, last)
    return _when(text) or day(first)


@lru_cache(maxsize=65536)
def _when(text: str) -> str:
    return _ISO_DATE.sub(lambda m: day(date.fromisoformat(m.group(0))), text)


def with_owner(title: str, owner: str) -> str:
    """`Skellefteå kommun: Budget 2028`, without doubling a prefix the title already has."""
    if not owner or title.startswith(owner):
        return title
    return f"{owner}: {title}"


def rule_ref(rule_id: str, title: str) -> str:
    """`rule R1: co-financing decided before the call closes` (the end of a finding)."""
    return f"rule {rule_id}: {title}" if title else f"rule {rule_id}"


def _verb(point: str, multi_day: bool, late: bool) -> str:
    """What an event does at the point a rule checks: a one-day event `comes`; a longer
    one `starts` or `ends` (a whole span is late by its end, early by its start)."""
    if not multi_day:
        return "comes"
    if point == "span":
        return "ends" if late else "starts"
    return "ends" if point == "end" else "starts"


def _of(point: str, label: str, multi_day: bool) -> str:
    """`the end of X` for a span measured at its end; a one-day event is just `X`."""
    if not multi_day:
        return label
    return f"the {'end' if point == 'end' else 'start'} of {label}"


# --- precedes -------------------------------------------------------------------------

class Pair(NamedTuple):
    """The two events of a precedes finding: labels, the points compared, and whether
    each spans more than a day (then "the end of X", "ends")."""

    first: str
    first_point: str
    first_multi: bool
    second: str
    second_point: str
    second_multi: bool


def precedes_late(pair: Pair, *, gap: str | None, after: bool, lead: str | None,
                  turned: bool, expected_by: date | None, rule: str) -> str:
    """A precedes rule missed: `first` should come (at least `lead`) before `second`.

    `gap` is how far apart they are (None: the same day); `after` whether the first
    comes after the second. `turned`: only the second event's owner can move, so the
    sentence starts with it. `expected_by`: the first is only an expectation, due by
    then."""
    first, first_point, first_multi, second, second_point, second_multi = pair
    if turned:
        verb = _verb(second_point, second_multi, False)
        other = _of(first_point, first, first_multi)
        if gap is None:
            how = f"{second} {verb} on the same day as {other}"
        elif after:
            how = f"{second} {verb} {gap} before {other}"
        else:
            how = f"{second} {verb} only {gap} after {other}"
        need = "it must come after it" if lead is None else \
            f"it must come at least {lead} after it"
        return f"{how}, but {need} ({rule})"
    verb = _verb(first_point, first_multi, True)
    other = _of(second_point, second, second_multi)
    if expected_by is not None:  # `first` is the event's name alone: the date follows
        if gap is None:
            how = f"{first} is expected only by {day(expected_by)}, the same day as {other}"
        elif after:
            how = f"{first} is expected only by {day(expected_by)}, {gap} after {other}"
        else:
            how = (f"{first} is expected only by {day(expected_by)}, just {gap} before "
                   f"{other}")
    elif gap is None:
        how = f"{first} {verb} on the same day as {other}"
    elif after:
        how = f"{first} {verb} {gap} after {other}"
    else:
        how = f"{first} {verb} only {gap} before {other}"
    need = "it must come first" if lead is None else f"it must come at least {lead} before"
    return f"{how}, but {need} ({rule})"


def precedes_early(pair: Pair, *, gap: str, most: str, rule: str) -> str:
    """A precedes rule with a maximum lead, exceeded."""
    first, first_point, first_multi, second, second_point, second_multi = pair
    verb = _verb(first_point, first_multi, False)
    other = _of(second_point, second, second_multi)
    return (f"{first} {verb} {gap} before {other}, but at most {most} may lie between "
            f"them ({rule})")


def precedes_required(lead: str | None, most: str | None = None) -> str:
    if most is not None:
        return f"at most {most} before it"
    return "before it" if lead is None else f"at least {lead} before it"


def precedes_actual(gap: str | None, after: bool) -> str:
    if gap is None:
        return "the same day"
    return f"{gap} after it" if after else f"{gap} before it"


# --- deadline -------------------------------------------------------------------------

def deadline_late(*, subject: str, gap: str, deadline: date, rule: str) -> str:
    return f"{subject} comes {gap} after the deadline of {day(deadline)} ({rule})"


def deadline_before_anchor(*, subject: str, anchor: str, year: int, first: date,
                           last: date, rule: str) -> str:
    """A step that must come after an anchor in its year (the newly elected council)."""
    return (f"{subject} comes before {anchor}; in {year} it must come between "
            f"{_two(first, last, 'and')}, and nothing is scheduled then ({rule})")


def deadline_required(deadline: date, earliest: date | None) -> str:
    if earliest is None:
        return f"by {day(deadline)}"
    return f"between {_two(earliest, deadline, 'and')}"


def info_gap(owner: str, what: str, deadline: date) -> str:
    return f"No date is known for {owner}'s {what}; the deadline is {day(deadline)}."


NO_DATE_KNOWN = "no date known"


# --- within ---------------------------------------------------------------------------

def within_outside(*, subject: str, point: str, multi_day: bool, gap: str, late: bool,
                   edge: date, lo: date | None, hi: date | None, around: str | None,
                   rule: str) -> str:
    """An event outside its window: `late` past `edge` (where it closes) or before it
    (where it opens). `around`: the event that sets a relative window."""
    verb = _verb(point, multi_day, late)
    side = "after" if late else "before"
    come = {"comes": "come", "starts": "start", "ends": "end"}[verb]
    if around is not None:
        where = "closes" if late else "opens"
        return (f"{subject} {verb} {gap} {side} {day(edge)}, when the window set by "
                f"{around} {where}, but it must {come} within it ({rule})")
    if lo is not None and hi is not None:
        return (f"{subject} {verb} {gap} {side} the window of {day_range(lo, hi)}, but it "
                f"must {come} within it ({rule})")
    if late:
        return f"{subject} {verb} {gap} after {day(edge)}, but it must {come} by then ({rule})"
    return (f"{subject} {verb} {gap} before {day(edge)}, but it must not {come} earlier "
            f"({rule})")


def within_required(lo: date | None, hi: date | None, around: str | None) -> str:
    if around is not None:
        return f"within the window set by {around}"
    if lo is not None and hi is not None:
        return f"within {day_range(lo, hi)}"
    return f"by {day(hi)}" if hi is not None else f"on or after {day(lo or date.min)}"


def outside(gap: str) -> str:
    return f"{gap} outside"


# --- no_overlap -----------------------------------------------------------------------

def no_overlap(*, later: str, first: str, clash: bool, gap: str | None, separation: str,
               rule: str) -> str:
    """Two events that clash, or come closer than `separation` (`gap`: how far apart)."""
    if clash:
        return f"{later} clashes with {first}; they must not overlap ({rule})"
    apart = "on the same day as" if gap is None else f"only {gap} after"
    return (f"{later} comes {apart} {first}, but at least {separation} must lie between "
            f"them ({rule})")


def no_overlap_required(separation: str | None) -> str:
    return "no overlap" if separation is None else f"at least {separation} apart"


def no_overlap_actual(clash: bool, gap: str | None) -> str:
    if clash:
        return "overlapping"
    return "the same day" if gap is None else f"{gap} apart"


# --- blackout -------------------------------------------------------------------------

def blackout_window(label: str, before: str | None, after: str | None) -> str:
    """A window made from an event, widened: `the 1 month before X`, `X and the 2 weeks
    after it`."""
    if before and after:
        return f"{label}, from {before} before to {after} after it"
    if before:
        return f"the {_one(before)} before {label}"
    if after:
        return f"{label} and the {_one(after)} after it"
    return label


def _one(length: str) -> str:
    """`1 month` is `month` after "the" (the month before X); `2 weeks` stays."""
    return length.removeprefix("1 ") if length.count(" ") == 1 else length


def non_working_day(d: date, name: str | None) -> str:
    """`Sunday 14 March 2027`, `Good Friday (18 April 2025)`."""
    return f"{name} ({day(d)})" if name else weekday_day(d)


def yearly_window(name: str, first: date, last: date) -> str:
    shown = day_range(first, last)
    return f"{name} ({shown})" if name else shown


def shown_list(labels: list[str], limit: int = 3) -> str:
    """`A; B; C and 2 more`."""
    shown = "; ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def blackout_in(*, subject: str, point: str, multi_day: bool, windows: str,
                non_working: bool, rule: str) -> str:
    verb = {"start": "starts", "end": "ends", "span": "falls"}[point] if multi_day \
        else "falls"
    if non_working:
        return f"{subject} {verb} on a non-working day, {windows} ({rule})"
    return f"{subject} {verb} in a blackout: {windows} ({rule})"


def blackout_effective(*, subject: str, effective: int, total: int, windows: str,
                       need: int, rule: str) -> str:
    return (f"{subject} leaves only {effective} of its {total} working days outside "
            f"{windows or 'the blackouts'}, but it needs at least {need} ({rule})")


def blackout_fix_extend(until: date, need: int) -> str:
    return (f"extend it to {day(until)} ({need} working days clear of the blackout), or "
            "move it clear of it")


BLACKOUT_REQUIRED = "outside the blackouts"


def blackout_required_effective(need: int) -> str:
    return f"at least {need} working days outside the blackouts"


def inside(n_days: float) -> str:
    return f"{days(round(n_days))} inside"


def working_days(effective: int, total: int) -> str:
    return f"{effective} of {total} working days"


# --- coverage -------------------------------------------------------------------------

def coverage_runs_out(*, who: str, last: str, gap: str, span: str, uncovered: str,
                      allowed: str | None, rule: str) -> str:
    most = f", more than the {allowed} it allows" if allowed else ""
    return (f"{who}{last} runs out {gap} before the end of {span}: nothing covers "
            f"{uncovered}{most} ({rule})")


def coverage_gap(*, who: str, span: str, uncovered: str, gap: str, allowed: str | None,
                 rule: str) -> str:
    most = f", more than the {allowed} it allows" if allowed else ""
    return f"{who}nothing covers {uncovered} ({gap}) of {span}{most} ({rule})"


def coverage_required(allowed: str | None) -> str:
    return f"gaps of at most {allowed}" if allowed else "no gap"


def coverage_actual(gap: str) -> str:
    return f"a gap of {gap}"


# --- fixes ----------------------------------------------------------------------------

_BY = {
    "decide": "decide by {day}",
    "move": "move it to {day} at the latest",
    "end": "move it to end by {day}",
    "set": "decide by {day} and publish the date in a calendar calsync reads",
    "successor": "decide on a successor in force from {next}, by {day}",
}
_BETWEEN = {
    "decide": "decide between {range}",
    "move": "move it to between {range}",
    "end": "move it to end between {range}",
    "set": "decide between {range} and publish the date in a calendar calsync reads",
    "successor": "decide on a successor between {range}",
}


def fix_passed(latest: date) -> str:
    return (f"too late: the last date that would do, {day(latest)}, has passed; "
            "reschedule it or record an exception")


def fix_by(verb: str, latest: date, earliest: date | None, meeting: str | None,
           meeting_day: date | None) -> str:
    """`decide by 14 May 2027; your last meeting before then is KS on 26 April 2027`."""
    text = (_BETWEEN[verb].format(range=_two(earliest, latest, "and")) if earliest is not None
            else _BY[verb].format(day=day(latest), next=day(latest + timedelta(days=1))))
    if meeting is not None and meeting_day is not None:
        text += f"; your last meeting before then is {meeting} on {day(meeting_day)}"
    return text


def fix_from(earliest: date, meeting: str | None, meeting_day: date | None) -> str:
    """`move it to 15 December 2027 or later; your first meeting from then is …`."""
    text = f"move it to {day(earliest)} or later"
    if meeting is not None and meeting_day is not None:
        text += f"; your first meeting from then is {meeting} on {day(meeting_day)}"
    return text


def fix_span(fix: str, reopens: date) -> str:
    """A span in a blackout: end before it or start after it."""
    return f"{fix}, or to start from {day(reopens)}"


def addressed(owner: str, text: str) -> str:
    """A fix addressed to the organisation that can act on it."""
    return f"{owner}: {text}"


def planning_note(actor: str, direction: str, on: date, working_day: bool) -> str:
    """Nobody calsync works for can move the date: say what to plan for, never "move it".

    `working_day`: the date falls on a non-working day and `on` is the working day
    before it (a call that closes on a Sunday)."""
    who = f"{actor} sets this date" if actor else "this date is set elsewhere"
    if working_day:
        return (f"planning note: {who}, a non-working day; the last working day before "
                f"it is {weekday_day(on)}, so be ready by then")
    need = f"by {day(on)}" if direction == "by" else f"on {day(on)} or later"
    return (f"planning note: {who} and no organisation here can change it; the rule would "
            f"need it {need}, so plan around the date as it is")


def cap_reached(rule_id: str, cap: int) -> str:
    return (f"rule {rule_id} found more than {cap} misalignments; only the first {cap} are "
            f"shown. Narrow the rule's events or raise its max_findings.")


# --- what-if --------------------------------------------------------------------------

def whatif_range(first: date, last: date, searched_to_edge: bool) -> str:
    """`any date from 2 to 30 November 2027 keeps all rules satisfied`."""
    if first == last:
        text = f"only {day(first)} keeps all rules satisfied"
    else:
        text = f"any date from {_from_to(first, last)} keeps all rules satisfied"
    return text + (" (as far as searched)" if searched_to_edge else "")


def _from_to(first: date, last: date) -> str:
    """`2 to 30 November 2027`, `21 June to 13 August 2027`."""
    return _two(first, last, "to")


def whatif_none(limit: int, around: date) -> str:
    return f"no date within {limit} days of {day(around)} keeps all rules satisfied"
