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
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from calsync.alerts.evaluate import load_timeline
from calsync.alerts.fingerprint import fingerprint
from calsync.alerts.private import hidden_uids, refers_to
from calsync.config.schema import Config
from calsync.errors import NotFoundError
from calsync.model import Event
from calsync.rules import texts
from calsync.rules.engine import evaluate, rules_touched, selectors_of
from calsync.rules.findings import Finding
from calsync.rules.timeline import Item, Timeline, item_from_event
from calsync.store.events import get_event
from calsync.whatif.changes import Add, Change, Move, cancelled, hypothetical, shifted

__all__ = ["SEARCH_DAYS", "finding_dict", "run_whatif"]

SEARCH_DAYS = 120
"""How far either side of a moved event's new date the satisfying range is looked for."""


def run_whatif(conn: Connection, config: Config, now: datetime,
               changes: list[Change], *, open_reader: bool = False) -> dict[str, Any]:
    """The what-if answer as JSON-ready data (the CLI and the API print the same)."""
    started = time.perf_counter()
    named = [c.uid for c in changes if not isinstance(c, Add)]
    if open_reader and (hidden := hidden_uids(conn, config, named, missing=False)):
        raise _unknown(sorted(hidden)[0])
    originals, after = _resolve(conn, changes)
    base = load_timeline(conn, config.timezone)
    rules = rules_touched(config, base, [*originals.values(), *after])
    pool = _pool(config, base, rules)
    changed_ids = {e.id for e in originals.values()}
    before_tl = Timeline(pool, base.tz)
    before = evaluate(config, before_tl, now, rules).findings
    kept = [i for i in pool if i.id not in changed_ids]
    after_findings = _evaluate_with(config, kept, after, base, now, rules)
    found = [_range(config, kept, after, base, now, rules, change, originals[change.uid])
             for change in changes if isinstance(change, Move)]
    if open_reader:
        before, after_findings = _public(conn, config, before, after_findings)
    return {"changes": [_describe(c, originals, after) for c in changes],
            "rules": rules,
            "per_rule": _diff(rules, before, after_findings),
            "ranges": found,
            "events": len(base),
            "seconds": round(time.perf_counter() - started, 3)}


def _resolve(conn: Connection, changes: list[Change]) -> tuple[dict[str, Event], list[Event]]:
    """The stored events the changes name, and the events as they would be after."""
    originals: dict[str, Event] = {}
    current: dict[str, Event] = {}
    added: list[Event] = []
    for change in changes:
        if isinstance(change, Add):
            added.append(hypothetical(change.data, len(added) + 1))
            continue
        event = current.get(change.uid) or get_event(conn, change.uid)
        if event is None:
            raise _unknown(change.uid)
        originals.setdefault(change.uid, event)
        current[change.uid] = shifted(event, change.to, change.last) \
            if isinstance(change, Move) else cancelled(event)
    return originals, [*current.values(), *added]


def _unknown(uid: str) -> NotFoundError:
    return NotFoundError(f"no event with UID {uid!r}; find UIDs with "
                         "`calsync timeline --format json` or GET /api/events")


def _public(conn: Connection, config: Config, *lists: list[Finding]) -> list[list[Finding]]:
    """Each list without the findings about private events."""
    named = {uid for found in lists for f in found
             for uid in (f.labels().get("subject_uid"), f.labels().get("object_uid")) if uid}
    hidden = hidden_uids(conn, config, named, missing=False)
    return [[f for f in found if not refers_to(f.labels(), hidden)] for found in lists]


def _pool(config: Config, base: Timeline, rules: list[str]) -> list[Item]:
    """Every item the rules (and the meeting finder for fixes) can see, by id."""
    seen: dict[int, Item] = {}
    selectors = [s for r in rules for s in selectors_of(config, config.rules[r])]
    for selector in [*selectors, config.alerts.meetings]:
        for item in base.select(selector):
            seen[item.id] = item
    return list(seen.values())


def _evaluate_with(config: Config, kept: list[Item], events: Iterable[Event], base: Timeline,
                   now: datetime, rules: list[str]) -> list[Finding]:
    items = [*kept, *(i for e in events if (i := item_from_event(e, base.tz)) is not None)]
    return evaluate(config, Timeline(items, base.tz), now, rules).findings


def _key(finding: Finding) -> str:
    return f"{finding.rule_id}:{fingerprint(finding.identity_labels())}"


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {"rule": finding.rule_id, "kind": finding.kind, "severity": finding.severity,
            "summary": finding.summary, "fix": finding.fix.text if finding.fix else None,
            "labels": finding.labels(), "evidence": finding.evidence()}


def _diff(rules: list[str], before: list[Finding],
          after: list[Finding]) -> dict[str, dict[str, list[Any]]]:
    old = {_key(f): f for f in before}
    new = {_key(f): f for f in after}
    out: dict[str, dict[str, list[Any]]] = {
        r: {"appear": [], "disappear": [], "change": [], "unchanged": []} for r in rules}
    for key, finding in new.items():
        was = old.get(key)
        bucket = out[finding.rule_id]
        if was is None:
            bucket["appear"].append(finding_dict(finding))
        elif (was.summary, was.severity, was.due, was.slack_days) != (
                finding.summary, finding.severity, finding.due, finding.slack_days):
            bucket["change"].append({"before": finding_dict(was), "after": finding_dict(finding)})
        else:
            bucket["unchanged"].append(finding.summary)
    for key, finding in old.items():
        if key not in new:
            out[finding.rule_id]["disappear"].append(finding_dict(finding))
    return out


def _range(config: Config, kept: list[Item], after: list[Event], base: Timeline,
           now: datetime, rules: list[str], move: Move, original: Event) -> dict[str, Any]:
    """The contiguous dates around `move.to` (or the nearest ones) on which the moved
    event is in no finding, the other changes applied as asked."""
    others = [e for e in after if e.uid != move.uid]

    def ok(day: date) -> bool:
        last = day + (move.last - move.to) if move.last is not None else None
        found = _evaluate_with(config, kept, [*others, shifted(original, day, last)], base, now,
                               rules)
        return not any(move.uid in (f.subject.uid, f.object.uid if f.object else None)
                       for f in found)

    anchor = next((move.to + timedelta(days=sign * n) for n in range(SEARCH_DAYS + 1)
                   for sign in (1, -1) if ok(move.to + timedelta(days=sign * n))), None)
    result: dict[str, Any] = {"uid": move.uid, "title": original.title, "from": None,
                              "to": None, "limit_days": SEARCH_DAYS}
    if anchor is None:
        result["text"] = texts.whatif_none(SEARCH_DAYS, move.to).render(config.language)
        return result
    first = last = anchor
    lowest, highest = move.to - timedelta(SEARCH_DAYS), move.to + timedelta(SEARCH_DAYS)
    while first > lowest and ok(first - timedelta(1)):
        first -= timedelta(1)
    while last < highest and ok(last + timedelta(1)):
        last += timedelta(1)
    result.update({"from": first.isoformat(), "to": last.isoformat(),
                   "text": texts.whatif_range(first, last, first == lowest or last == highest)
                   .render(config.language)})
    return result


def _describe(change: Change, originals: dict[str, Event],
              after: list[Event]) -> dict[str, Any]:
    if isinstance(change, Add):
        event = next(e for e in after if e.data is change.data)
        return {"op": "add", "uid": event.uid, "title": event.title,
                "start": str(change.data.start)}
    original = originals[change.uid]
    out = {"op": "move" if isinstance(change, Move) else "cancel", "uid": change.uid,
           "title": original.title, "from": str(original.start)}
    if isinstance(change, Move):
        out["to"] = change.to.isoformat()
        if change.last is not None:
            out["last"] = change.last.isoformat()
    return out
