"""Every sentence the rules say to people, in one place, in Swedish and English.

Findings are read by coordinators, not by the admin who wrote the rule: dates are local
dates written out ("14 May 2027", "14 maj 2027"), lengths are words ("25 days",
"3 years and 2 months"), events are named by title and owner, and nothing here mentions
selector names, ISO durations, slack figures or UTC instants. The rule kinds compute
values (events, dates, lengths) and call one function here per sentence; each returns a
`Msg`: the English template (the msgid of the `findings` catalog) and its values, which
`Msg.render(language)` writes out in either language. A finding is rendered in every
language when it is made, so the alert store, feeds and notifications can serve each
reader in theirs while the alert's identity stays the same.

A finding's first-named event is the one its fix is about: when only the other event's
owner can move, the sentence is turned round so that "move it" means that event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, Union

from babel.dates import format_date
from babel.numbers import format_decimal
from dateutil.relativedelta import relativedelta

from calsync.i18n.catalogs import N_, translator
from calsync.i18n.formats import format_day
from calsync.i18n.languages import Language

__all__ = [
    "BLACKOUT_REQUIRED",
    "NO_DATE_KNOWN",
    "Dur",
    "Length",
    "Listed",
    "Msg",
    "Pair",
    "Range",
    "Value",
    "addressed",
    "blackout_effective",
    "blackout_fix_extend",
    "blackout_in",
    "blackout_required_effective",
    "blackout_window",
    "cap_reached",
    "coverage_actual",
    "coverage_gap",
    "coverage_required",
    "coverage_runs_out",
    "deadline_before_anchor",
    "deadline_late",
    "deadline_required",
    "fix_by",
    "fix_from",
    "fix_passed",
    "fix_span",
    "info_gap",
    "inside",
    "label",
    "msg",
    "named",
    "no_overlap",
    "no_overlap_actual",
    "no_overlap_required",
    "non_working_day",
    "outside",
    "planning_note",
    "precedes_actual",
    "precedes_early",
    "precedes_late",
    "precedes_required",
    "render",
    "rule_ref",
    "shown_list",
    "whatif_none",
    "whatif_range",
    "with_owner",
    "within_outside",
    "within_required",
    "working_days",
    "yearly_window",
]

DAYS_SHOWN_UP_TO = 99
"""Lengths up to this many days are said in days; longer ones in years and months."""

_HEAD_MONTH = "d MMMM"  # i18n: not text (a CLDR date pattern)
_WEEKDAY_DAY = "EEEE d MMMM y"  # i18n: not text (a CLDR date pattern)


# --- values that render per language --------------------------------------------------

@dataclass(frozen=True, slots=True)
class Range:
    """Days from `first` to `last`: `14 May 2027`, `2–30 November 2027`,
    `21 June – 13 August 2027`, `13 September 2026 – 7 September 2030`."""

    first: date
    last: date

    def render(self, lang: Language) -> str:
        if self.first == self.last:
            return format_day(self.first, lang)
        return f"{_head(self.first, self.last, lang)}{_dash(self.first, self.last)}" \
               f"{format_day(self.last, lang)}"


def _dash(first: date, last: date) -> str:
    return "–" if (first.year, first.month) == (last.year, last.month) else " – "


def _head(first: date, last: date, lang: Language) -> str:
    """The first day of a range, as much as the last day does not already say."""
    if (first.year, first.month) == (last.year, last.month):
        return str(first.day)
    if first.year == last.year:
        return format_date(first, _HEAD_MONTH, locale=lang)
    return format_day(first, lang)


@dataclass(frozen=True, slots=True)
class Head:
    """The first day of a pair said with the words between (`15 October` and …)."""

    first: date
    last: date

    def render(self, lang: Language) -> str:
        return _head(self.first, self.last, lang)


@dataclass(frozen=True, slots=True)
class Weekday:
    """`Friday 12 March 2027`, `fredag 12 mars 2027`."""

    day: date

    def render(self, lang: Language) -> str:
        return format_date(self.day, _WEEKDAY_DAY, locale=lang)


@dataclass(frozen=True, slots=True)
class Days:
    """`1 day`, `25 days`, `1.5 days` (the sign is the caller's business)."""

    n: float

    def render(self, lang: Language) -> str:
        n = abs(self.n)
        if float(n).is_integer():
            return _count(lang, "day", int(n))
        t = translator(lang, "findings")
        return t.ngettext("{count} day", "{count} days", 2).format(
            count=format_decimal(round(n, 1), locale=lang))


def _count(lang: Language, unit: str, n: int) -> str:
    """`1 year`, `2 months`: one plural message per unit (literal, so it is extracted)."""
    t = translator(lang, "findings")
    if unit == "year":
        text = t.ngettext("{count} year", "{count} years", n)
    elif unit == "month":
        text = t.ngettext("{count} month", "{count} months", n)
    elif unit == "week":
        text = t.ngettext("{count} week", "{count} weeks", n)
    elif unit == "hour":
        text = t.ngettext("{count} hour", "{count} hours", n)
    elif unit == "minute":
        text = t.ngettext("{count} minute", "{count} minutes", n)
    else:
        text = t.ngettext("{count} day", "{count} days", n)
    return text.format(count=n)


def _joined(lang: Language, parts: list[str]) -> str:
    """`1 year`, `1 year and 2 months`, `1 year, 2 months and 3 days`."""
    if len(parts) <= 1:
        return "".join(parts)
    t = translator(lang, "findings")
    return t.gettext("{rest} and {last}").format(rest=", ".join(parts[:-1]), last=parts[-1])


@dataclass(frozen=True, slots=True)
class Length:
    """How far apart two days are, as people say it: `25 days` up to three months or so,
    then years and months (`3 years and 2 months`); the days left over are dropped
    because the sentence names both dates anyway."""

    n_days: float
    first: date
    last: date

    def render(self, lang: Language) -> str:
        if abs(self.n_days) <= DAYS_SHOWN_UP_TO:
            return Days(self.n_days).render(lang)
        lo, hi = min(self.first, self.last), max(self.first, self.last)
        delta = relativedelta(hi, lo)
        parts = [_count(lang, unit, value) for value, unit in ((delta.years, "year"),
                                                               (delta.months, "month")) if value]
        return _joined(lang, parts) or Days(self.n_days).render(lang)


@dataclass(frozen=True, slots=True)
class Dur:
    """A configured duration in words: P6M is `6 months`, P1Y2M `1 year and 2 months`;
    `the_one`: `1 month` said as `the month` (the month before X)."""

    delta: relativedelta | None
    the_one: bool = False

    def render(self, lang: Language) -> str:
        d = self.delta
        if d is None:
            return Days(0).render(lang)
        weeks, rest = (d.days // 7, 0) if d.days % 7 == 0 else (0, d.days)
        values = [(abs(v), unit) for v, unit in ((d.years, "year"), (d.months, "month"),
                                                 (weeks, "week"), (rest, "day"),
                                                 (d.hours, "hour"), (d.minutes, "minute")) if v]
        if not values:
            return Days(0).render(lang)
        if self.the_one and len(values) == 1 and values[0][0] == 1:
            return _one(lang, values[0][1])
        return _joined(lang, [_count(lang, unit, v) for v, unit in values])

    def __bool__(self) -> bool:
        return bool(self.delta)


_ONE = {"year": N_("the year"), "month": N_("the month"), "week": N_("the week"),
        "day": N_("the day"), "hour": N_("the hour"), "minute": N_("the minute")}


def _one(lang: Language, unit: str) -> str:
    return translator(lang, "findings").gettext(_ONE[unit])


Value = Union[str, int, date, "Msg", Range, Head, Weekday, Days, Length, Dur, "Listed"]


@dataclass(frozen=True, slots=True)
class Msg:
    """A text of the `findings` catalog with its values, written out per language."""

    template: str
    params: tuple[tuple[str, Value], ...] = ()

    def render(self, lang: Language) -> str:
        text = translator(lang, "findings").gettext(self.template)
        if not self.params:
            return text
        return text.format(**{k: render(v, lang) for k, v in self.params})

    def __str__(self) -> str:  # English, for logs and debugging
        return self.render("en")


def render(value: Value, lang: Language) -> str:
    """Any value of a text, written out in `lang`."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)  # years: 2030, never "2 030"
    if isinstance(value, date):
        return format_day(value, lang)
    return value.render(lang)


def msg(template: str, **params: Value) -> Msg:
    return Msg(template, tuple(params.items()))


def _two(first: date, last: date) -> Msg:
    """`15 October and 30 November 2030` (after "between")."""
    return msg(N_("{first} and {last}"), first=Head(first, last), last=last)


# --- events and rules -----------------------------------------------------------------

def with_owner(title: str, owner: str) -> str:
    """`Skellefteå kommun: Budget 2028`, without doubling a prefix the title already has."""
    if not owner or title.startswith(owner):
        return title
    return f"{owner}: {title}"


def label(name: str, first: date, last: date) -> Msg:
    """`Vindelns kommun: Co-financing decision (9 June 2026)`."""
    return msg(N_("{name} ({when})"), name=name, when=Range(first, last))


def rule_ref(rule_id: str, title: str) -> Msg:
    """`rule R1: co-financing decided before the call closes` (the end of a finding)."""
    if title:
        return msg(N_("rule {rule}: {title}"), rule=rule_id, title=title)
    return msg(N_("rule {rule}"), rule=rule_id)


_VERBS = {"comes": N_("comes"), "starts": N_("starts"), "ends": N_("ends")}


def _verb(point: str, multi_day: bool, late: bool) -> str:
    """What an event does at the point a rule checks: a one-day event `comes`; a longer
    one `starts` or `ends` (a whole span is late by its end, early by its start)."""
    if not multi_day:
        return "comes"
    if point == "span":
        return "ends" if late else "starts"
    return "ends" if point == "end" else "starts"


def _of(point: str, event: Msg, multi_day: bool) -> Value:
    """`the end of X` for a span measured at its end; a one-day event is just `X`."""
    if not multi_day:
        return event
    if point == "end":
        return msg(N_("the end of {event}"), event=event)
    return msg(N_("the start of {event}"), event=event)


# --- precedes -------------------------------------------------------------------------

class Pair(NamedTuple):
    """The two events of a precedes finding: labels, the points compared, and whether
    each spans more than a day (then "the end of X", "ends")."""

    first: Msg
    first_point: str
    first_multi: bool
    second: Msg
    second_point: str
    second_multi: bool


def precedes_late(pair: Pair, *, gap: Length | None, after: bool, lead: Dur | None,
                  turned: bool, expected_by: date | None, rule: Msg) -> Msg:
    """A precedes rule missed: `first` should come (at least `lead`) before `second`.

    `gap` is how far apart they are (None: the same day); `after` whether the first
    comes after the second. `turned`: only the second event's owner can move, so the
    sentence starts with it. `expected_by`: the first is only an expectation, due by
    then (and `first` is its name alone)."""
    first, first_point, first_multi, second, second_point, second_multi = pair
    if turned:
        verb = msg(_VERBS[_verb(second_point, second_multi, False)])
        other = _of(first_point, first, first_multi)
        if gap is None:
            how = msg(N_("{event} {verb} on the same day as {other}"), event=second,
                      verb=verb, other=other)
        elif after:
            how = msg(N_("{event} {verb} {gap} before {other}"), event=second, verb=verb,
                      gap=gap, other=other)
        else:
            how = msg(N_("{event} {verb} only {gap} after {other}"), event=second, verb=verb,
                      gap=gap, other=other)
        need = msg(N_("it must come after it")) if lead is None else \
            msg(N_("it must come at least {lead} after it"), lead=lead)
        return msg(N_("{how}, but {need} ({rule})"), how=how, need=need, rule=rule)
    verb = msg(_VERBS[_verb(first_point, first_multi, True)])
    other = _of(second_point, second, second_multi)
    if expected_by is not None:
        if gap is None:
            how = msg(N_("{event} is expected only by {day}, the same day as {other}"),
                      event=first, day=expected_by, other=other)
        elif after:
            how = msg(N_("{event} is expected only by {day}, {gap} after {other}"),
                      event=first, day=expected_by, gap=gap, other=other)
        else:
            how = msg(N_("{event} is expected only by {day}, just {gap} before {other}"),
                      event=first, day=expected_by, gap=gap, other=other)
    elif gap is None:
        how = msg(N_("{event} {verb} on the same day as {other}"), event=first, verb=verb,
                  other=other)
    elif after:
        how = msg(N_("{event} {verb} {gap} after {other}"), event=first, verb=verb, gap=gap,
                  other=other)
    else:
        how = msg(N_("{event} {verb} only {gap} before {other}"), event=first, verb=verb,
                  gap=gap, other=other)
    need = msg(N_("it must come first")) if lead is None else \
        msg(N_("it must come at least {lead} before"), lead=lead)
    return msg(N_("{how}, but {need} ({rule})"), how=how, need=need, rule=rule)


def precedes_early(pair: Pair, *, gap: Length | Days, most: Dur, rule: Msg) -> Msg:
    """A precedes rule with a maximum lead, exceeded."""
    first, first_point, first_multi, second, second_point, second_multi = pair
    return msg(N_("{event} {verb} {gap} before {other}, but at most {most} may lie between "
                  "them ({rule})"), event=first,
               verb=msg(_VERBS[_verb(first_point, first_multi, False)]), gap=gap,
               other=_of(second_point, second, second_multi), most=most, rule=rule)


def precedes_required(lead: Dur | None, most: Dur | None = None) -> Msg:
    if most is not None:
        return msg(N_("at most {most} before it"), most=most)
    return msg(N_("before it")) if lead is None else \
        msg(N_("at least {lead} before it"), lead=lead)


def precedes_actual(gap: Length | None, after: bool) -> Msg:
    if gap is None:
        return msg(N_("the same day"))
    return msg(N_("{gap} after it"), gap=gap) if after else msg(N_("{gap} before it"), gap=gap)


# --- deadline -------------------------------------------------------------------------

def deadline_late(*, subject: Msg, gap: Length, deadline: date, rule: Msg) -> Msg:
    return msg(N_("{event} comes {gap} after the deadline of {deadline} ({rule})"),
               event=subject, gap=gap, deadline=deadline, rule=rule)


def deadline_before_anchor(*, subject: Msg, anchor: Msg, year: int, first: date,
                           last: date, rule: Msg) -> Msg:
    """A step that must come after an anchor in its year (the newly elected council)."""
    return msg(N_("{event} comes before {anchor}; in {year} it must come between {days}, "
                  "and nothing is scheduled then ({rule})"), event=subject, anchor=anchor,
               year=year, days=_two(first, last), rule=rule)


def deadline_required(deadline: date, earliest: date | None) -> Msg:
    if earliest is None:
        return msg(N_("by {day}"), day=deadline)
    return msg(N_("between {days}"), days=_two(earliest, deadline))


def info_gap(owner: str, what: str, deadline: date) -> Msg:
    return msg(N_("No date is known for {owner}'s {what}; the deadline is {deadline}."),
               owner=owner, what=what, deadline=deadline)


NO_DATE_KNOWN = Msg(N_("no date known"))


# --- within ---------------------------------------------------------------------------

_COME = {"comes": N_("come"), "starts": N_("start"), "ends": N_("end")}


def within_outside(*, subject: Msg, point: str, multi_day: bool, gap: Length, late: bool,
                   edge: date, lo: date | None, hi: date | None, around: Msg | None,
                   rule: Msg) -> Msg:
    """An event outside its window: `late` past `edge` (where it closes) or before it
    (where it opens). `around`: the event that sets a relative window."""
    word = _verb(point, multi_day, late)
    values: dict[str, Value] = {"event": subject, "verb": msg(_VERBS[word]),
                                "come": msg(_COME[word]), "gap": gap, "day": edge,
                                "rule": rule}
    if around is not None:
        if late:
            return msg(N_("{event} {verb} {gap} after {day}, when the window set by {around} "
                          "closes, but it must {come} within it ({rule})"), around=around,
                       **values)
        return msg(N_("{event} {verb} {gap} before {day}, when the window set by {around} "
                      "opens, but it must {come} within it ({rule})"), around=around, **values)
    if lo is not None and hi is not None:
        if late:
            return msg(N_("{event} {verb} {gap} after the window of {days}, but it must "
                          "{come} within it ({rule})"), days=Range(lo, hi), **values)
        return msg(N_("{event} {verb} {gap} before the window of {days}, but it must "
                      "{come} within it ({rule})"), days=Range(lo, hi), **values)
    if late:
        return msg(N_("{event} {verb} {gap} after {day}, but it must {come} by then ({rule})"),
                   **values)
    return msg(N_("{event} {verb} {gap} before {day}, but it must not {come} earlier "
                  "({rule})"), **values)


def within_required(lo: date | None, hi: date | None, around: Msg | None) -> Msg:
    if around is not None:
        return msg(N_("within the window set by {around}"), around=around)
    if lo is not None and hi is not None:
        return msg(N_("within {days}"), days=Range(lo, hi))
    if hi is not None:
        return msg(N_("by {day}"), day=hi)
    return msg(N_("on or after {day}"), day=lo or date.min)


def outside(gap: Length) -> Msg:
    return msg(N_("{gap} outside"), gap=gap)


# --- no_overlap -----------------------------------------------------------------------

def no_overlap(*, later: Msg, first: Msg, clash: bool, gap: Length | None,
               separation: Dur, rule: Msg) -> Msg:
    """Two events that clash, or come closer than `separation` (`gap`: how far apart)."""
    if clash:
        return msg(N_("{event} clashes with {other}; they must not overlap ({rule})"),
                   event=later, other=first, rule=rule)
    if gap is None:
        return msg(N_("{event} comes on the same day as {other}, but at least {separation} "
                      "must lie between them ({rule})"), event=later, other=first,
                   separation=separation, rule=rule)
    return msg(N_("{event} comes only {gap} after {other}, but at least {separation} must "
                  "lie between them ({rule})"), event=later, gap=gap, other=first,
               separation=separation, rule=rule)


def no_overlap_required(separation: Dur | None) -> Msg:
    if separation is None:
        return msg(N_("no overlap"))
    return msg(N_("at least {separation} apart"), separation=separation)


def no_overlap_actual(clash: bool, gap: Length | None) -> Msg:
    if clash:
        return msg(N_("overlapping"))
    return msg(N_("the same day")) if gap is None else msg(N_("{gap} apart"), gap=gap)


# --- blackout -------------------------------------------------------------------------

def blackout_window(event: Value, before: Dur | None, after: Dur | None) -> Value:
    """A window made from an event, widened: `the month before X`, `X and 2 weeks after
    it`."""
    if before and after:
        return msg(N_("{event}, from {before} before to {after} after it"), event=event,
                   before=before, after=after)
    if before:
        return msg(N_("{before} before {event}"), event=event,
                   before=Dur(before.delta, the_one=True))
    if after:
        return msg(N_("{event} and {after} after it"), event=event,
                   after=Dur(after.delta, the_one=True))
    return event


def non_working_day(d: date, name: str | None) -> Value:
    """`Sunday 14 March 2027`, `Good Friday (18 April 2025)`."""
    return msg(N_("{name} ({day})"), name=name, day=d) if name else Weekday(d)


def yearly_window(name: str, first: date, last: date) -> Value:
    if name:
        return msg(N_("{name} ({days})"), name=name, days=Range(first, last))
    return Range(first, last)


def named(name: str, window: Value) -> Msg:
    """A window of a named spec: `Holidays: Sunday 14 March 2027`."""
    return msg(N_("{name}: {window}"), name=name, window=window)


@dataclass(frozen=True, slots=True)
class Listed:
    """`A; B; C and 2 more`."""

    items: tuple[Value, ...]
    limit: int = 3

    def render(self, lang: Language) -> str:
        shown = "; ".join(render(v, lang) for v in self.items[:self.limit])
        if len(self.items) <= self.limit:
            return shown
        more = len(self.items) - self.limit
        return translator(lang, "findings").ngettext(
            "{shown} and {count} more", "{shown} and {count} more", more).format(
            shown=shown, count=more)


def shown_list(labels: Sequence[Value]) -> Listed:
    return Listed(tuple(labels))


def blackout_in(*, subject: Msg, point: str, multi_day: bool, windows: Listed,
                non_working: bool, rule: Msg) -> Msg:
    verb = {"start": "starts", "end": "ends", "span": "falls"}[point] if multi_day \
        else "falls"
    if non_working:
        texts = {"starts": N_("{event} starts on a non-working day, {windows} ({rule})"),
                 "ends": N_("{event} ends on a non-working day, {windows} ({rule})"),
                 "falls": N_("{event} falls on a non-working day, {windows} ({rule})")}
    else:
        texts = {"starts": N_("{event} starts in a blackout: {windows} ({rule})"),
                 "ends": N_("{event} ends in a blackout: {windows} ({rule})"),
                 "falls": N_("{event} falls in a blackout: {windows} ({rule})")}
    return msg(texts[verb], event=subject, windows=windows, rule=rule)


def blackout_effective(*, subject: Msg, effective: int, total: int, windows: Listed,
                       need: int, rule: Msg) -> Msg:
    shown: Value = windows if windows.items else msg(N_("the blackouts"))
    return msg(N_("{event} leaves only {effective} of its {total} working days outside "
                  "{windows}, but it needs at least {need} ({rule})"), event=subject,
               effective=effective, total=total, windows=shown, need=need, rule=rule)


def blackout_fix_extend(until: date, need: int) -> Msg:
    return msg(N_("extend it to {day} ({need} working days clear of the blackout), or move "
                  "it clear of it"), day=until, need=need)


BLACKOUT_REQUIRED = Msg(N_("outside the blackouts"))


def blackout_required_effective(need: int) -> Msg:
    return msg(N_("at least {need} working days outside the blackouts"), need=need)


def inside(n_days: float) -> Msg:
    return msg(N_("{days} inside"), days=Days(round(n_days)))


def working_days(effective: int, total: int) -> Msg:
    return msg(N_("{effective} of {total} working days"), effective=effective, total=total)


# --- coverage -------------------------------------------------------------------------

def coverage_runs_out(*, who: str, last: Msg, gap: Length, span: Value, uncovered: Range,
                      allowed: Dur | None, rule: Msg) -> Msg:
    if allowed:
        return msg(N_("{who}{event} runs out {gap} before the end of {span}: nothing covers "
                      "{uncovered}, more than the {allowed} it allows ({rule})"), who=who,
                   event=last, gap=gap, span=span, uncovered=uncovered, allowed=allowed,
                   rule=rule)
    return msg(N_("{who}{event} runs out {gap} before the end of {span}: nothing covers "
                  "{uncovered} ({rule})"), who=who, event=last, gap=gap, span=span,
               uncovered=uncovered, rule=rule)


def coverage_gap(*, who: str, span: Value, uncovered: Range, gap: Length,
                 allowed: Dur | None, rule: Msg) -> Msg:
    if allowed:
        return msg(N_("{who}nothing covers {uncovered} ({gap}) of {span}, more than the "
                      "{allowed} it allows ({rule})"), who=who, uncovered=uncovered, gap=gap,
                   span=span, allowed=allowed, rule=rule)
    return msg(N_("{who}nothing covers {uncovered} ({gap}) of {span} ({rule})"), who=who,
               uncovered=uncovered, gap=gap, span=span, rule=rule)


def coverage_required(allowed: Dur | None) -> Msg:
    return msg(N_("gaps of at most {allowed}"), allowed=allowed) if allowed \
        else msg(N_("no gap"))


def coverage_actual(gap: Length) -> Msg:
    return msg(N_("a gap of {gap}"), gap=gap)


# --- fixes ----------------------------------------------------------------------------

_BY = {
    "decide": N_("decide by {day}"),
    "move": N_("move it to {day} at the latest"),
    "end": N_("move it to end by {day}"),
    "set": N_("decide by {day} and publish the date in a calendar calsync reads"),
    "successor": N_("decide on a successor in force from {next}, by {day}"),
}
_BETWEEN = {
    "decide": N_("decide between {days}"),
    "move": N_("move it to between {days}"),
    "end": N_("move it to end between {days}"),
    "set": N_("decide between {days} and publish the date in a calendar calsync reads"),
    "successor": N_("decide on a successor between {days}"),
}


def fix_passed(latest: date) -> Msg:
    return msg(N_("too late: the last date that would do, {day}, has passed; reschedule it "
                  "or record an exception"), day=latest)


def fix_by(verb: str, latest: date, earliest: date | None, meeting: str | None,
           meeting_day: date | None) -> Msg:
    """`decide by 14 May 2027; your last meeting before then is KS on 26 April 2027`."""
    text = (msg(_BETWEEN[verb], days=_two(earliest, latest)) if earliest is not None
            else msg(_BY[verb], day=latest, next=latest + timedelta(days=1)))
    if meeting is not None and meeting_day is not None:
        return msg(N_("{fix}; your last meeting before then is {meeting} on {day}"),
                   fix=text, meeting=meeting, day=meeting_day)
    return text


def fix_from(earliest: date, meeting: str | None, meeting_day: date | None) -> Msg:
    """`move it to 15 December 2027 or later; your first meeting from then is …`."""
    text = msg(N_("move it to {day} or later"), day=earliest)
    if meeting is not None and meeting_day is not None:
        return msg(N_("{fix}; your first meeting from then is {meeting} on {day}"),
                   fix=text, meeting=meeting, day=meeting_day)
    return text


def fix_span(fix: Msg, reopens: date) -> Msg:
    """A span in a blackout: end before it or start after it."""
    return msg(N_("{fix}, or to start from {day}"), fix=fix, day=reopens)


def addressed(owner: str, fix: Msg) -> Msg:
    """A fix addressed to the organisation that can act on it."""
    return msg(N_("{owner}: {fix}"), owner=owner, fix=fix)


def planning_note(actor: str, direction: str, on: date, working_day: bool) -> Msg:
    """Nobody calsync works for can move the date: say what to plan for, never "move it".

    `working_day`: the date falls on a non-working day and `on` is the working day
    before it (a call that closes on a Sunday)."""
    if working_day:
        if actor:
            return msg(N_("planning note: {actor} sets this date, a non-working day; the last "
                          "working day before it is {day}, so be ready by then"), actor=actor,
                       day=Weekday(on))
        return msg(N_("planning note: this date is a non-working day; the last working day "
                      "before it is {day}, so be ready by then"), day=Weekday(on))
    if direction == "by":
        need = msg(N_("by {day}"), day=on)
    else:
        need = msg(N_("on {day} or later"), day=on)
    if actor:
        return msg(N_("planning note: {actor} sets this date and no organisation here can "
                      "change it; the rule would need it {need}, so plan around the date as "
                      "it is"), actor=actor, need=need)
    return msg(N_("planning note: this date is set elsewhere and no organisation here can "
                  "change it; the rule would need it {need}, so plan around the date as it "
                  "is"), need=need)


FIX_LINE = N_("Fix: {fix}.")
WHY_LINE = N_("Why: {rationale}")


def cap_reached(rule_id: str, cap: int) -> str:
    """A warning for the admin (logs, `calsync evaluate`), not a finding."""
    head = f"rule {rule_id} found more than {cap} misalignments; "  # i18n: not text (admin)
    tail = f"only the first {cap} are shown. "  # i18n: not text (admin)
    hint = "Narrow the rule's events or raise its max_findings."  # i18n: not text (admin)
    return head + tail + hint


# --- what-if --------------------------------------------------------------------------

def whatif_range(first: date, last: date, searched_to_edge: bool) -> Msg:
    """`any date from 2 to 30 November 2027 keeps all rules satisfied`."""
    if first == last:
        text = msg(N_("only {day} keeps all rules satisfied"), day=first)
    else:
        text = msg(N_("any date from {first} to {last} keeps all rules satisfied"),
                   first=Head(first, last), last=last)
    if searched_to_edge:
        return msg(N_("{text} (as far as searched)"), text=text)
    return text


def whatif_none(limit: int, around: date) -> Msg:
    return msg(N_("no date within {limit} days of {day} keeps all rules satisfied"),
               limit=limit, day=around)
