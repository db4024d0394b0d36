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

from datetime import date, timedelta

from calsync.configtypes import Text
from calsync.i18n.catalogs import N_
from calsync.rules.wording import Head, Msg, Range, Value, Weekday, msg, two_days, written

__all__ = [
    "FIX_LINE",
    "WHY_LINE",
    "addressed",
    "cap_reached",
    "fix_by",
    "fix_from",
    "fix_passed",
    "fix_span",
    "label",
    "planning_note",
    "rule_ref",
    "whatif_none",
    "whatif_range",
    "with_owner",
]



# --- events and rules -----------------------------------------------------------------

def with_owner(title: str, owner: str) -> str:
    """`Skellefteå kommun: Budget 2028`, without doubling a prefix the title already has."""
    if not owner or title.startswith(owner):
        return title
    return f"{owner}: {title}"


def label(name: Value, first: date, last: date) -> Msg:
    """`Vindelns kommun: Co-financing decision (9 June 2026)`."""
    return msg(N_("{name} ({when})"), name=name, when=Range(first, last))


def rule_ref(rule_id: str, title: Text) -> Msg:
    """`rule R1: co-financing decided before the call closes`, `regel R1: medfinansieringen
    beslutas innan utlysningen stänger` (the end of a finding): the title in the
    sentence's language when the rule gives both."""
    if title:
        return msg(N_("rule {rule}: {title}"), rule=rule_id, title=written(title))
    return msg(N_("rule {rule}"), rule=rule_id)


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
    text = (msg(_BETWEEN[verb], days=two_days(earliest, latest)) if earliest is not None
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
