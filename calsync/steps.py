"""Step identity: which step of whose process an event is, and whether it is the real one.

A built-in cycle is an *expectation* (`role: expected`, a typical date) or a *constraint*
(`role: deadline`, a statutory limit) about one step of one organisation's process:
the organisation is the event's actor, the step is the attributes `process`, `step` and
`period`. An event with the same four values and no `role` is the *actual* step (what a
connector says is planned or decided); it supersedes the expectations of its step on the
rules' timeline, in the feeds and in listings. Constraints are never superseded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["ACTUAL", "DEADLINE", "EXPECTED", "STEP_ATTRS", "actual_of", "actual_title",
           "step_key", "step_role", "superseded"]

EXPECTED = "expected"
DEADLINE = "deadline"
ACTUAL = "actual"
STEP_ATTRS = ("process", "step", "period")
_ABOUT_THE_SOURCE = ("role", "cycle", "precision", "certainty", "legal_status")
"""Attributes that say where an expectation comes from (its cycle, the law, practice)."""
_SOURCE_TAGS = frozenset({"statutory", "observed", "convention"})
"""Tags that say the same (schedules/README.md, "Statutory, observed, convention")."""
_LIMIT = re.compile(r"\s*\((?:senast|by|no later than) [^()]*\)$", re.IGNORECASE)
"""A title's closing "(senast 30 november)" / "(by 30 November)": the deadline's limit."""


def step_key(actor: str | None, attrs: Mapping[str, str]) -> str | None:
    """`actor|process|step|period`, or None when the event names no step."""
    process, step, period = (attrs.get(name) for name in STEP_ATTRS)
    if not (process and step and period):
        return None
    return "\x1f".join((actor or "", process, step, period))


def step_role(attrs: Mapping[str, str]) -> str:
    """`expected`, `deadline` or (no role, or any other word) `actual`."""
    role = attrs.get("role")
    return role if role in (EXPECTED, DEADLINE) else ACTUAL


def superseded(events: Iterable[tuple[int, str | None, Mapping[str, str]]]) -> set[int]:
    """Ids of the expected events whose step has an actual event among `events`
    (id, actor, attrs); pass only events that are not cancelled."""
    actual: set[str] = set()
    expected: list[tuple[int, str]] = []
    for id_, actor, attrs in events:
        if "process" not in attrs:
            continue
        key = step_key(actor, attrs)
        if key is None:
            continue
        role = step_role(attrs)
        if role == ACTUAL:
            actual.add(key)
        elif role == EXPECTED:
            expected.append((id_, key))
    return {id_ for id_, key in expected if key in actual}


def actual_of(attrs: Mapping[str, str], tags: Iterable[str]
              ) -> tuple[dict[str, str], list[str]]:
    """The attributes and tags of the actual step a deadline (or expectation) is about:
    the same organisation and step (`org`, `process`, `step`, `period`, the body and
    year), without what says where the expectation comes from (its titles in other
    languages without the limit: `actual_title`). It is what a connector
    would bring for that step, so a what-if asking "the council adopts on 15 December"
    puts that decision on the timeline, where the deadline rules check it."""
    kept = {k: actual_title(v) if k.startswith("title.") else v
            for k, v in attrs.items() if k not in _ABOUT_THE_SOURCE}
    return kept, [tag for tag in tags if tag not in _SOURCE_TAGS]


def actual_title(title: str) -> str:
    """The step's title without the deadline's limit: the decision taken on some day is
    "fastställer budget … för 2028", not "… (senast 30 november)"."""
    return _LIMIT.sub("", title)
