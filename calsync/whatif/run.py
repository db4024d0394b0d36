"""Running a what-if: the findings before and after a set of changes, and for each moved
event the range of dates that keeps every rule satisfied. Nothing is written.

Only the rules whose selectors contain a changed event run (`rules_touched`), and they
run on a small timeline of just the events those rules (and the meeting finder) can see:
a rule reads nothing else, so the answer is the one the whole timeline gives, and probing
a hundred candidate dates for a moved event stays cheap on 100,000 events.

For an open reader (`open_reader=True`: the API without an alerts or admin token) the
events only private feeds select stay private (`calsync.alerts.private`): a change that
names one is refused as an unknown UID, and no finding about one is listed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection

from calsync.alerts.fingerprint import fingerprint
from calsync.alerts.kept import kept_timeline, lock
from calsync.alerts.private import hidden_uids, refers_to
from calsync.config.schema import Config
from calsync.errors import NotFoundError
from calsync.i18n.events import title_in
from calsync.i18n.languages import Language
from calsync.i18n.messages import Message
from calsync.model import Event
from calsync.rules import texts
from calsync.rules.engine import evaluate, rules_touched, selectors_of
from calsync.rules.findings import Finding
from calsync.rules.probe import Probe
from calsync.rules.timeline import Item, Timeline, item_from_event
from calsync.steps import DEADLINE, actual_of, actual_title, step_role
from calsync.store.events import get_event
from calsync.whatif.changes import (
    Add,
    Cancel,
    Change,
    Move,
    WhatIfInputError,
    cancelled,
    hypothetical,
    shifted,
)

__all__ = ["SEARCH_DAYS", "finding_dict", "run_whatif"]

SEARCH_DAYS = 120
"""How far either side of a moved event's new date the satisfying range is looked for."""


def run_whatif(conn: Connection, config: Config, now: datetime, changes: list[Change],
               given: Sequence[Change] = (), *, open_reader: bool = False,
               language: Language | None = None) -> dict[str, Any]:
    """The what-if answer as JSON-ready data (the CLI and the API print the same).

    `given` is assumed on both sides: the answer compares "store + given" with "store +
    given + changes". So "suppose we add this step; does moving it to 20 November resolve
    the finding it makes?" is `given=[Add(step)]`, `changes=[Move("step", ...)]`, and the
    finding shows under "disappear". The texts people read (summaries, fixes, ranges)
    are in `language`, by default the config's `language:`.
    """
    words = language or config.language
    started = time.perf_counter()
    named = [c.uid for c in (*given, *changes) if not isinstance(c, Add)]
    if open_reader and (hidden := hidden_uids(conn, config, named, missing=False)):
        raise _unknown(sorted(hidden)[0])
    state = _State(conn)
    assumed_by = state.apply(given)
    assumed = dict(state.current)
    applied = state.apply(changes)
    with lock(conn.engine):  # the timeline kept from the last evaluation (read-only here)
        base = kept_timeline(conn.engine, conn, config.timezone)
    rules = rules_touched(config, base, [*applied.before.values(), *applied.after.values()])
    pool = _pool(config, base, rules)
    before_state = {**assumed, **applied.before}
    after_state = {**assumed, **applied.after}
    changed_ids = {e.id for e in after_state.values()}
    kept = [i for i in pool if i.id not in changed_ids]
    before = _evaluate_with(config, kept, before_state.values(), base, now, rules)
    after_findings = _evaluate_with(config, kept, after_state.values(), base, now, rules)
    if open_reader:
        before, after_findings = _public(conn, config, before, after_findings)
    found = [_range(config, kept, after_state, base, now, rules, change, uid,
                    applied.first[uid], words)
             for change, uid in zip(changes, applied.uids, strict=True)
             if isinstance(change, Move)]
    return {"given": _describe_all(given, assumed_by, state, words),
            "changes": _describe_all(changes, applied, state, words),
            "rules": rules,
            "per_rule": _diff(rules, before, after_findings, words),
            "ranges": found,
            "events": len(base),
            "seconds": round(time.perf_counter() - started, 3)}


@dataclass
class _Applied:
    """One list of changes applied: each change's UID (in order), and each touched event
    as it was before the list (`before`: not for events the list adds), when the list
    first touched it (`first`: the added version for an added one) and after (`after`)."""

    uids: list[str] = field(default_factory=list)
    before: dict[str, Event] = field(default_factory=dict)
    first: dict[str, Event] = field(default_factory=dict)
    after: dict[str, Event] = field(default_factory=dict)


class _State:
    """The events as the changes so far leave them: stored ones read once, added ones
    numbered over the whole request (`whatif-1`, ...) and also found by their `as` name.
    Within a list the adds come first, so a move may name an add listed after it (the
    CLI groups its options by kind)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.current: dict[str, Event] = {}
        self.names: dict[str, str] = {}
        self.added = 0
        self.actuals: dict[str, str] = {}  # a deadline's uid -> its actual's uid
        self.actual_of: dict[str, str] = {}  # and back

    def apply(self, changes: Sequence[Change]) -> _Applied:
        out = _Applied()
        uids: dict[int, str] = {}
        for n, change in enumerate(changes):
            if isinstance(change, Add):
                uids[n] = self._add(change, out)
        for n, change in enumerate(changes):
            if not isinstance(change, Add):
                uids[n] = self._change(change, out)
        out.uids = [uids[n] for n in range(len(changes))]
        return out

    def _add(self, change: Add, out: _Applied) -> str:
        self.added += 1
        event = hypothetical(change.data, self.added)
        if change.ref is not None:
            if change.ref in self.names:
                raise WhatIfInputError(Message('two added events are both named {ref!r} '
                                               '("as"); give each its own name',
                                               ref=change.ref))
            self.names[change.ref] = event.uid
        self.current[event.uid] = out.first[event.uid] = out.after[event.uid] = event
        return event.uid

    def _change(self, change: Move | Cancel, out: _Applied) -> str:
        uid = self.names.get(change.uid, change.uid)
        event = self.current.get(uid) or get_event(self.conn, uid)
        if event is None:
            raise _unknown(change.uid)
        if isinstance(change, Move) and step_role(event.data.attrs) == DEADLINE:
            uid, event = self._actual(event, out)
        out.first.setdefault(uid, event)
        if uid not in out.after:
            out.before[uid] = event
        self.current[uid] = out.after[uid] = shifted(event, change.to, change.last) \
            if isinstance(change, Move) else cancelled(event)
        return uid


    def _actual(self, deadline: Event, out: _Applied) -> tuple[str, Event]:
        """The actual step of a statutory deadline, added on the deadline's last day.

        "What if Umeå adopts its budget on 15 December?" names the built-in step "adopts
        the budget (by 30 November)"; moving that would move the law, which no rule
        checks against anything. What the question means is the decision itself on that
        day: the step as a connector would bring it (`calsync.steps.actual_of`), one day
        long, which the deadline rules check against the deadline. (An *expected* step,
        a typical date or window, moves as asked: "what if we plan the review for March"
        is a question about the expectation.) Later changes in the request that name the
        deadline move the same actual."""
        uid = self.actuals.get(deadline.uid)
        if uid is None:
            self.added += 1
            attrs, tags = actual_of(deadline.data.attrs, deadline.data.tags)
            data = deadline.data.with_(title=actual_title(deadline.data.title), attrs=attrs,
                                       tags=tuple(tags))
            start, end = data.start, data.end
            if not isinstance(start, datetime) and isinstance(end, date) \
                    and (end - start).days > 1:  # a window "by 30 November": its last day
                data = data.with_(start=end - timedelta(days=1), end=end)
            actual = hypothetical(data, self.added)
            uid = self.actuals[deadline.uid] = actual.uid
            self.current[uid] = out.first[uid] = actual
            self.actual_of[uid] = deadline.uid
        if uid not in out.after:
            out.after[uid] = self.current[uid]  # added by this list: no `before`
        return uid, self.current[uid]


def _pool(config: Config, base: Timeline, rules: list[str]) -> list[Item]:
    """Every item the rules (and the meeting finder for fixes) can see, by id."""
    seen: dict[int, Item] = {}
    selectors = [s for r in rules for s in selectors_of(config, config.rules[r])]
    for selector in [*selectors, config.alerts.meetings]:
        for item in base.select(selector):
            seen[item.id] = item
    return list(seen.values())


def _evaluate_with(config: Config, kept: list[Item], events: Iterable[Event], base: Timeline,
                   now: datetime, rules: list[str],
                   until: Callable[[Finding], bool] | None = None) -> list[Finding]:
    extra = [i for e in events if (i := item_from_event(e, base.tz)) is not None]
    return evaluate(config, _kept(kept, base).with_items(extra), now, rules,
                    until=until).findings


def _kept(kept: list[Item], base: Timeline) -> Timeline:
    """The timeline of `kept`, built (sorted, indexed, its selections materialised) once
    per what-if; each evaluation adds its few changed items to it (`with_items`)."""
    built = base.memo("whatif-kept", (kept,), lambda: Timeline(kept, base.tz))
    assert isinstance(built, Timeline)
    return built


def _key(finding: Finding) -> str:
    return f"{finding.rule_id}:{fingerprint(finding.identity_labels())}"


def finding_dict(finding: Finding, language: Language | None = None) -> dict[str, Any]:
    """A finding as the answer gives it; its summary and fix in `language` (by default the
    finding's own, the config's)."""
    shown = language or finding.language
    return {"rule": finding.rule_id, "kind": finding.kind, "severity": finding.severity,
            "summary": finding.message.render(shown),
            "fix": finding.fix.words.render(shown) if finding.fix else None,
            "labels": finding.labels(), "evidence": finding.evidence()}


def _diff(rules: list[str], before: list[Finding], after: list[Finding],
          language: Language) -> dict[str, dict[str, list[Any]]]:
    old = {_key(f): f for f in before}
    new = {_key(f): f for f in after}
    out: dict[str, dict[str, list[Any]]] = {
        r: {"appear": [], "disappear": [], "change": [], "unchanged": []} for r in rules}
    for key, finding in new.items():
        was = old.get(key)
        bucket = out[finding.rule_id]
        if was is None:
            bucket["appear"].append(finding_dict(finding, language))
        elif (was.summary, was.severity, was.due, was.slack_days) != (
                finding.summary, finding.severity, finding.due, finding.slack_days):
            bucket["change"].append({"before": finding_dict(was, language),
                                     "after": finding_dict(finding, language)})
        else:
            bucket["unchanged"].append(finding.message.render(language))
    for key, finding in old.items():
        if key not in new:
            out[finding.rule_id]["disappear"].append(finding_dict(finding, language))
    return out


def _range(config: Config, kept: list[Item], after: dict[str, Event], base: Timeline,
           now: datetime, rules: list[str], move: Move, uid: str, original: Event,
           language: Language) -> dict[str, Any]:
    """The contiguous dates around `move.to` (or the nearest ones) on which the moved
    event is in no finding, the other changes (and the given ones) applied as asked."""
    built = _kept(kept, base)
    others = [i for key, e in after.items() if key != uid
              and (i := item_from_event(e, base.tz)) is not None]

    def moved(day: date) -> Item | None:
        last = day + (move.last - move.to) if move.last is not None else None
        return item_from_event(shifted(original, day, last), base.tz)

    # Whether some finding names the moved event is all a probe asks; `Probe` answers it
    # as the evaluation of `rules` on the probe's timeline would, mostly without running
    # it (calsync/rules/probe.py; tests/whatif/test_probe_focus.py).
    probe = Probe(config, built.with_items(others), now, rules, uid, moved(move.to))

    @cache  # the search asks again for the dates next to its anchor
    def ok(day: date) -> bool:
        item = moved(day)
        return not probe.names(item, lambda: built.with_items(
            [*others, item] if item is not None else others))

    anchor = next((move.to + timedelta(days=sign * n) for n in range(SEARCH_DAYS + 1)
                   for sign in (1, -1) if ok(move.to + timedelta(days=sign * n))), None)
    result: dict[str, Any] = {"uid": uid, "title": title_in(original.data, language),
                              "from": None, "to": None, "limit_days": SEARCH_DAYS}
    if anchor is None:
        result["text"] = texts.whatif_none(SEARCH_DAYS, move.to).render(language)
        return result
    first = last = anchor
    lowest, highest = move.to - timedelta(SEARCH_DAYS), move.to + timedelta(SEARCH_DAYS)
    while first > lowest and ok(first - timedelta(1)):
        first -= timedelta(1)
    while last < highest and ok(last + timedelta(1)):
        last += timedelta(1)
    result.update({"from": first.isoformat(), "to": last.isoformat(),
                   "text": texts.whatif_range(first, last, first == lowest or last == highest)
                   .render(language)})
    return result


def _describe_all(changes: Sequence[Change], applied: _Applied, state: _State,
                  language: Language) -> list[dict[str, Any]]:
    return [_describe(c, uid, applied.first[uid], state.actual_of.get(uid), language)
            for c, uid in zip(changes, applied.uids, strict=True)]


def _describe(change: Change, uid: str, first: Event, actual_of: str | None,
              language: Language) -> dict[str, Any]:
    """One change as the answer shows it, its title in `language`; `first` is the event
    before this list touched it (for an add: the added event). A move of an expected or
    deadline step says which step it tried as the actual one (`actual_of`: its UID)."""
    title = title_in(first.data, language)
    if isinstance(change, Add):
        out: dict[str, Any] = {"op": "add", "uid": uid, "title": title,
                               "start": str(change.data.start)}
        if change.ref is not None:
            out["as"] = change.ref
        return out
    out = {"op": "move" if isinstance(change, Move) else "cancel", "uid": uid,
           "title": title, "from": str(first.start)}
    if actual_of is not None:
        out["actual_of"] = actual_of
    if isinstance(change, Move):
        out["to"] = change.to.isoformat()
        if change.last is not None:
            out["last"] = change.last.isoformat()
    return out


def _unknown(uid: str) -> NotFoundError:
    return NotFoundError(Message('no event with UID {uid!r}; find UIDs with '
                                 '`calsync timeline --format json` or GET /api/events (an '
                                 'added event: its "as" name or its whatif-N UID)', uid=uid))


def _public(conn: Connection, config: Config, *lists: list[Finding]) -> list[list[Finding]]:
    """Each list without the findings about private events."""
    named = {uid for found in lists for f in found
             for uid in (f.labels().get("subject_uid"), f.labels().get("object_uid")) if uid}
    hidden = hidden_uids(conn, config, named, missing=False)
    return [[f for f in found if not refers_to(f.labels(), hidden)] for found in lists]
