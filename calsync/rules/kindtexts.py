"""What each rule kind says, in Swedish and English: one function per sentence, for
precedes, deadline, within, no_overlap, blackout and coverage (`calsync.rules.kinds`).

The shared parts (events, rules, fixes, what-if) are in `calsync.rules.texts`, the values
they write out in `calsync.rules.wording`. Apart only so that no module passes 400 lines.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from calsync.i18n.catalogs import N_
from calsync.rules.wording import (
    Days,
    Dur,
    Length,
    Listed,
    Msg,
    Range,
    Value,
    Weekday,
    Worded,
    msg,
    two_days,
)

__all__ = [
    "BLACKOUT_REQUIRED",
    "NO_DATE_KNOWN",
    "Pair",
    "blackout_effective",
    "blackout_fix_extend",
    "blackout_in",
    "blackout_required_effective",
    "blackout_window",
    "coverage_actual",
    "coverage_gap",
    "coverage_required",
    "coverage_runs_out",
    "deadline_before_anchor",
    "deadline_late",
    "deadline_required",
    "info_gap",
    "inside",
    "named",
    "no_overlap",
    "no_overlap_actual",
    "no_overlap_required",
    "non_working_day",
    "outside",
    "precedes_actual",
    "precedes_early",
    "precedes_late",
    "precedes_required",
    "within_outside",
    "within_required",
    "working_days",
    "yearly_window",
]



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
               year=year, days=two_days(first, last), rule=rule)


def deadline_required(deadline: date, earliest: date | None) -> Msg:
    if earliest is None:
        return msg(N_("by {day}"), day=deadline)
    return msg(N_("between {days}"), days=two_days(earliest, deadline))


def info_gap(what: Worded, deadline: date) -> Msg:
    """`what`: the step, its organisation first ("Umeå kommun: Kommunfullmäktige
    fastställer budget … för 2028"), in the sentence's language where it has it."""
    return msg(N_("No date is known yet for {what}; the deadline is {deadline}."),
               what=what, deadline=deadline)


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


