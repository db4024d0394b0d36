"""`blackout`: A must not fall within windows (elections, July, Christmas, holidays).

Windows come from events (widened by `before`/`after`, optionally only those whose
`match` keys equal A's), from yearly dates (`--07-01`..`--07-31`, optionally only in
the years of another selector's events) or from a country's non-working days. They
are sorted once per rule with a running maximum of their ends, so finding the windows
an event touches is a bisect plus the windows found: O(n log m).

With `min_effective_working_days`, A may touch windows as long as enough working days
remain outside them (a consultation spanning July).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import NamedTuple

from calsync.config.rulebase import MonthDay
from calsync.config.rules import BlackoutRule, WindowSpec
from calsync.rules import kindtexts, texts, wording
from calsync.rules.findings import Context, EventRef, Finding, Fix, days_text
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.timeline import Item, Shift
from calsync.rules.wallclock import DAY, wall_date, wall_of_date
from calsync.workdays import holiday_names, is_working_day

__all__ = ["evaluate", "keeps"]


class Window(NamedTuple):
    """One raw window; its label is text, or made from its event only when shown."""

    start: int
    end: int  # exclusive
    label: wording.Value
    item: Item | None = None
    before: wording.Dur | None = None  # widened by
    after: wording.Dur | None = None
    non_working: bool = False

    def text(self) -> wording.Value:
        if self.item is None:
            return self.label
        shown = self.label or EventRef.of(self.item).label()
        return kindtexts.blackout_window(shown, self.before, self.after)


class Merged(NamedTuple):
    start: int
    end: int
    parts: list[Window]

    def labels(self, start: int | None = None, end: int | None = None) -> list[wording.Value]:
        """The first windows of the interval; with `start`/`end`, those touching them."""
        parts = [w for w in self.parts if start is None or end is None
                 or (w.start < end and w.end > start)] or self.parts
        return [w.text() for w in parts[:4]]

    def non_working(self) -> bool:
        return all(w.non_working for w in self.parts)


class Windows:
    """Windows merged into disjoint, sorted intervals (each keeps its first windows for
    the explanation), so an overlap query is a bisect plus the intervals it returns,
    however much the raw windows overlap."""

    def __init__(self, windows: list[Window]) -> None:
        merged: list[Merged] = []
        for w in sorted(windows, key=_by_start):
            if merged and w.start <= merged[-1].end:
                last = merged[-1]
                if len(last.parts) < 4:
                    last.parts.append(w)
                if w.end > last.end:
                    merged[-1] = Merged(last.start, w.end, last.parts)
            else:
                merged.append(Merged(w.start, w.end, [w]))
        self.windows = merged
        self.starts = [w.start for w in merged]

    def touching(self, start: int, end: int) -> list[Merged]:
        """Windows overlapping [start, end), in time order."""
        out = []
        j = bisect.bisect_left(self.starts, end) - 1
        while j >= 0 and self.windows[j].end > start:
            out.append(self.windows[j])
            j -= 1
        out.reverse()
        return out

    def blocked(self, wall: int) -> bool:
        j = bisect.bisect_right(self.starts, wall) - 1
        return j >= 0 and self.windows[j].end > wall


def _by_start(w: Window) -> tuple[int, int]:
    return w.start, w.end


class Calendar:
    """Per day from `first` (wall seconds of a midnight): working and outside every window
    set? Prefix sums make "effective working days in a span" O(1)."""

    def __init__(self, sets: list[Windows], first: int, last: int, country: str) -> None:
        self.first = first
        self.prefix = [0]
        day = wall_date(first)
        wall = first
        while wall <= last:
            useful = is_working_day(day, country) and not any(ws.blocked(wall) for ws in sets)
            self.prefix.append(self.prefix[-1] + useful)
            day += timedelta(days=1)
            wall += DAY
        self.total = [0]
        day, wall = wall_date(first), first
        while wall <= last:
            self.total.append(self.total[-1] + is_working_day(day, country))
            day += timedelta(days=1)
            wall += DAY

    def count(self, first: int, last: int) -> tuple[int, int]:
        """(working days, effective working days) in [first, last], both midnights."""
        i, j = (first - self.first) // DAY, (last - self.first) // DAY + 1
        return self.total[j] - self.total[i], self.prefix[j] - self.prefix[i]

    def reach(self, first: int, need: int) -> int | None:
        """The first day by which [first, day] holds `need` effective working days."""
        i = (first - self.first) // DAY
        j = bisect.bisect_left(self.prefix, self.prefix[i] + need)
        return None if j >= len(self.prefix) else self.first + (j - 1) * DAY


def _day_of(year: int, md: MonthDay) -> date:
    month, day = md
    while True:
        try:
            return date(year, month, day)
        except ValueError:  # --02-29 in a common year
            day -= 1


def _years(items: list[Item]) -> range:
    if not items:
        return range(0)
    return range(items[0].year() - 1, max(wall_date(i.ed).year for i in items) + 2)


Keyed = dict[tuple[str, ...] | None, list[Window]]


def _kept_windows(spec: WindowSpec, ctx: Context, a_items: list[Item]) -> Keyed:
    """`_spec_windows`, kept with the timeline while what it is made of stays the same
    (the selection of window events; or the years of A and the `in_years_of` events):
    each what-if probe would otherwise rebuild a year of non-working days per year."""
    depends: tuple[object, ...]
    if spec.selector is not None:
        selection = ctx.select(spec.selector)
        key, depends = f"blackout:{id(spec)}", (spec, selection)
    else:
        shown = ctx.select(spec.in_years_of) if spec.in_years_of is not None else None
        key, depends = f"blackout:{id(spec)}:{_years(a_items)}", (spec, shown)
    found = ctx.timeline.memo(key, depends, lambda: _spec_windows(spec, ctx, a_items))
    assert isinstance(found, dict)
    return found


def _spec_windows(spec: WindowSpec, ctx: Context, a_items: list[Item]) -> Keyed:
    """Windows of one spec, keyed by the `match` key (None: applies to every event)."""
    out: dict[tuple[str, ...] | None, list[Window]] = {}
    if spec.selector is not None:
        before = Shift.of(spec.before, -1)
        after = Shift.of(spec.after)
        key = tuple_key([key_fn(k) for k in spec.match]) if spec.match else None
        widen_before = wording.Dur(spec.before) if spec.before is not None else None
        widen_after = wording.Dur(spec.after) if spec.after is not None else None
        for w in ctx.select(spec.selector):
            k = key(w) if key is not None else None
            if key is not None and k is None:
                continue
            end = w.e if w.e > w.s else w.s + (DAY if w.all_day else 1)
            out.setdefault(k, []).append(Window(before(w.s), after(end), spec.name, w,
                                                widen_before, widen_after))
        return out
    years = list(_years(a_items))
    if spec.yearly is not None:
        if spec.in_years_of is not None:
            wanted = {i.year() for i in ctx.select(spec.in_years_of)}
            years = [y for y in years if y in wanted]
        first, last = spec.yearly.from_, spec.yearly.to
        for year in years:
            opens = _day_of(year, first)
            closes = _day_of(year + (1 if last < first else 0), last)
            label = kindtexts.yearly_window(spec.name, opens, closes)
            out.setdefault(None, []).append(
                Window(wall_of_date(opens), wall_of_date(closes) + DAY, label))
        return out
    country = spec.non_working_days or "SE"
    for year in years:
        names = holiday_names(country, year)
        day = date(year, 1, 1)
        while day.year == year:
            if not is_working_day(day, country):
                label = kindtexts.non_working_day(day, names.get(day))
                if spec.name:
                    label = kindtexts.named(spec.name, label)
                out.setdefault(None, []).append(
                    Window(wall_of_date(day), wall_of_date(day) + DAY, label, non_working=True))
            day += timedelta(days=1)
    return out


def keeps(rule: BlackoutRule, a_items: list[Item]) -> Callable[[Item], bool]:
    """Whether adding an event to A (and to no other selection of the rule) leaves every
    other A event's finding as it is on `a_items`: windows from events do not depend on
    A, but yearly and non-working-day windows are made for the years A spans (`_years`),
    so the event must fall within those. (The calendar's first and last day also follow
    A; they move only the fix of `min_effective_working_days`, never whether it fires.)"""
    if all(spec.selector is not None for spec in rule.windows):
        return lambda item: True
    years = _years(a_items)
    if not years:
        return lambda item: False
    first, last = years.start + 1, years.stop - 2
    return lambda item: item.year() >= first and wall_date(item.ed).year <= last


def _query(a: Item, point: str) -> tuple[int, int]:
    if point == "start":
        return (a.sd, a.sd + DAY) if a.all_day else (a.s, a.s + 1)
    if point == "end":
        if a.all_day:
            return a.ed, a.ed + DAY
        return (a.e - 1, a.e) if a.e > a.s else (a.s, a.s + 1)
    return a.s, max(a.e, a.s + 1)


def evaluate(rule_id: str, rule: BlackoutRule, ctx: Context) -> Iterator[Finding]:
    a_items = ctx.select(rule.a)
    if not a_items:
        return
    shared: list[Window] = []
    keyed: list[tuple[list[str], dict[tuple[str, ...] | None, list[Window]]]] = []
    for spec in rule.windows:
        found = _kept_windows(spec, ctx, a_items)
        if spec.match:
            keyed.append((spec.match, found))
        else:
            shared += found.get(None, [])
    base = Windows(shared)
    keyed_windows = [(tuple_key([key_fn(k) for k in match]),
                      {k: Windows(v) for k, v in found.items()}) for match, found in keyed]
    count = 0
    calendars: dict[tuple[int, ...], Calendar] = {}
    lo = min(a.sd for a in a_items)
    hi = max(a.ed for a in a_items) + 400 * DAY
    for a in ctx.subjects(a_items):  # all, or a what-if probe's one (`keeps`)
        sets = [base]
        for key, by_key in keyed_windows:
            k = key(a)
            if k is not None and k in by_key:
                sets.append(by_key[k])
        if rule.min_effective_working_days is not None:
            ids = tuple(id(ws) for ws in sets)
            calendar = calendars.get(ids)
            if calendar is None:
                calendar = calendars[ids] = Calendar(sets, lo, hi, rule.country)
            finding = _effective(rule_id, rule, ctx, a, sets, calendar)
        else:
            qs, qe = _query(a, rule.point)
            hits = [w for ws in sets for w in ws.touching(qs, qe)]
            finding = _touching(rule_id, rule, ctx, a, hits, qs, qe) if hits else None
        if finding is not None:
            yield finding
            count += 1
            if count >= ctx.cap(rule):
                return


def _touching(rule_id: str, rule: BlackoutRule, ctx: Context, a: Item, hits: list[Merged],
              qs: int, qe: int) -> Finding:
    a_ref = EventRef.of(a)
    overlap = sum(min(qe, w.end) - max(qs, w.start) for w in hits)
    labels = _distinct(label for w in hits for label in w.labels(qs, qe))
    non_working = all(w.non_working() for w in hits)
    summary = kindtexts.blackout_in(subject=a_ref.label(), point=rule.point,
                                multi_day=a_ref.multi_day, windows=wording.shown_list(labels),
                                non_working=non_working,
                                rule=texts.rule_ref(rule_id, rule.title))
    first = min(w.start for w in hits)
    last = max(w.end for w in hits)
    latest = first - DAY if a.all_day or first % DAY == 0 else first - 1
    fix = ctx.fix_by(a.actor, latest - latest % DAY,
                     verb="end" if rule.point == "span" and a_ref.multi_day else "move")
    if non_working:
        fix = Fix(fix.direction, fix.date, fix.meeting, fix.words, fix.owner, working_day=True)
    if latest < ctx.today and ctx.owner_of(a.actor) is not None:  # someone can move it
        fix = ctx.fix_from(a.actor, last)
    elif rule.point == "span":
        fix = Fix(fix.direction, fix.date, fix.meeting,
                  texts.fix_span(fix.words, wall_date(last)), fix.owner)
    return ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, {"subject_uid": a.uid}, summary, a_ref, None, due=a.sd,
        need=kindtexts.BLACKOUT_REQUIRED, got=kindtexts.inside(days_text(overlap)),
        slack_days=-days_text(overlap), fix=fix,
        details={"windows": _all(labels, ctx)}))


def _effective(rule_id: str, rule: BlackoutRule, ctx: Context, a: Item,
               sets: list[Windows], calendar: Calendar) -> Finding | None:
    need = rule.min_effective_working_days
    assert need is not None
    total, effective = calendar.count(a.sd, a.ed)
    if effective >= need:
        return None
    a_ref = EventRef.of(a)
    reach = calendar.reach(a.sd, need)
    blocked = [label for ws in sets for w in ws.touching(a.sd, a.ed + DAY)
               for label in w.labels(a.sd, a.ed + DAY)]
    labels = _distinct(blocked)
    summary = kindtexts.blackout_effective(subject=a_ref.label(), effective=effective,
                                       total=total, windows=wording.shown_list(labels),
                                       need=need, rule=texts.rule_ref(rule_id, rule.title))
    day = wall_date(reach) if reach is not None else wall_date(a.ed)
    fix = Fix("by", day, None, kindtexts.blackout_fix_extend(day, need),
              ctx.owner_of(a.actor) or "")
    return ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, {"subject_uid": a.uid}, summary, a_ref, None, due=a.sd,
        need=kindtexts.blackout_required_effective(need),
        got=kindtexts.working_days(effective, total), slack_days=float(effective - need),
        fix=fix, details={"windows": _all(labels, ctx),
                          "effective_working_days": str(effective),
                          "working_days": str(total)}))


def _distinct(labels: Iterable[wording.Value]) -> list[wording.Value]:
    """Each window once (as the English text says it), in order."""
    seen: dict[str, wording.Value] = {}
    for value in labels:
        seen.setdefault(wording.render(value, "en"), value)
    return list(seen.values())


def _all(labels: list[wording.Value], ctx: Context) -> str:
    """Every window, in the config's language (the `windows` annotation)."""
    return wording.Listed(tuple(labels), limit=len(labels)).render(ctx.config.language)
