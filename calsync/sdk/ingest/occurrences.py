"""The occurrences of a series as mapping reads them, without a copy of the VEVENT each.

`recurring_ical_events` answers `between()` with one component per occurrence, made by
`Occurrence.as_component`: a copy of the whole VEVENT (every property re-keyed through
icalendar's case-insensitive dict) with DTSTART, DTEND and RECURRENCE-ID replaced. Mapping
reads a dozen properties of each and drops it. Measured on the benchmark's 1k policy
calendar (bench/calendars.py, 2026-12-02), the copies were 37 % of mapping its recurring
groups and about a tenth of a cold sync. `OccurrenceView` answers the same `get` and
`[]` with the same values (the replaced properties built exactly as `as_component` builds
them, the others read from the series' own component), and copies nothing.

It needs the library's occurrences before they become components (`_occurrences_between`,
`Occurrence._adapter`, the adapter's `_component`, all in recurring-ical-events 3.x);
where they are missing, `occurrences_between` falls back to `between()`, so an upgrade
that moves them is slower, never wrong. tests/mapping/test_occurrences.py compares both
ways on every property of the golden feeds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from icalendar import vDDDTypes
from icalendar.caselessdict import CaselessDict

__all__ = ["OccurrenceView", "occurrences_between", "reader"]


def reader(component: Any) -> Callable[..., Any]:
    """`component.get`, for UPPER-CASE names only, without icalendar's case folding when
    `component` is one of its case-insensitive dicts (a component or a property's
    parameters): those store every key upper-cased (`CaselessDict`'s documented
    contract), so the plain dict look-up finds the same value. `Component.get` folds the
    name through four Python calls; mapping reads some two dozen properties per event,
    about 3 % of a cold 1k sync (bench/area_ingest.py, 2026-12-03)."""
    if isinstance(component, CaselessDict):
        found: Callable[..., Any] = dict.get.__get__(component)
        return found
    return component.get  # type: ignore[no-any-return]


_DROPPED = frozenset({"DURATION", "RRULE", "RDATE", "EXDATE"})
"""What `as_component` removes from an occurrence: its length is DTEND, and it does not
repeat (`keep_recurrence_attributes` is off, the default)."""


class OccurrenceView:
    """One occurrence of a VEVENT series, read-only: `get` and `[]` as on the component
    `Occurrence.as_component(False)` would make."""

    __slots__ = ("_component", "_get", "_own")

    def __init__(self, component: Any, start: date | datetime, end: date | datetime,
                 sequence: int = -1) -> None:
        self._component = component
        self._get = reader(component)
        dtstart = vDDDTypes(start)
        own: dict[str, Any] = {"DTSTART": dtstart, "DTEND": vDDDTypes(end)}
        if "RECURRENCE-ID" not in component:
            own["RECURRENCE-ID"] = vDDDTypes(dtstart.dt)
        if sequence >= 0:  # a series edited THISANDFUTURE numbers its occurrences
            own["SEQUENCE"] = sequence
        self._own = own

    def get(self, name: str, default: Any = None) -> Any:
        key = name.upper()
        if key in self._own:
            return self._own[key]
        if key in _DROPPED:
            return default
        return self._get(key, default)

    def __getitem__(self, name: str) -> Any:
        found = self.get(name, _MISSING)
        if found is _MISSING:
            raise KeyError(name)
        return found

    def __contains__(self, name: str) -> bool:
        return self.get(name, _MISSING) is not _MISSING


_MISSING: Any = object()


def occurrences_between(query: Any, start: datetime, end: datetime) -> list[Any]:
    """`query.between(start, end)` (a `recurring_ical_events.of(...)` of VEVENTs) as
    `OccurrenceView`s, or as the library's components where its internals differ."""
    between = getattr(query, "_occurrences_between", None)
    if between is None or getattr(query, "keep_recurrence_attributes", True):
        return list(query.between(start, end))
    found = between(query.to_datetime(start), query.to_datetime(end))
    if not all(hasattr(o, "_adapter") and hasattr(o._adapter, "_component") for o in found):
        return [o.as_component(False) for o in found]
    return [OccurrenceView(o._adapter._component, o.start, o.end, o.sequence) for o in found]
