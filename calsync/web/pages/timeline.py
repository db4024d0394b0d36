"""The timeline's geometry: lanes per level (municipal lanes per organisation when
expanded), each with a row for actual events (what connectors report) above a row for
the built-in expected steps; periods as bars in a band beneath the lanes; today's line;
and the misalignment lines between a finding's two events. Pure: events and alerts in,
shapes out; the template draws them as SVG (autoescaped), so nothing here is markup.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calsync.alerts.store import Alert
from calsync.config.organisations import Organisations
from calsync.i18n.events import title_in
from calsync.i18n.formats import format_month_short
from calsync.i18n.languages import Language
from calsync.model import Event, Status

__all__ = ["KIND_COLORS", "SEVERITY_COLORS", "Lane", "Layout", "Line", "Mark", "layout"]

WIDTH = 1200
LEFT = 190          # lane titles
RIGHT = 16
TOP = 34            # the axis
ROW = 22
LANE_GAP = 10
PERIOD_ROW = 18
LABEL_CHAR = 6.2    # px per character of a mark's label (11 px system-ui, generous)
POINT_HALF = 7      # a point's circle (r 6 and its stroke) either side of its x
BAR_INSIDE = 60     # a bar at least this wide carries its label inside
LABEL_MIN = 4       # fewer characters than this: no label (the title is on hover/focus)

KIND_COLORS = {
    "decision": "#1f4e9c", "budget": "#8b3a62", "deadline": "#b42318", "meeting": "#2e7d32",
    "report": "#6a4c93", "consultation": "#b8860b", "election": "#00695c",
    "holiday": "#777777", "blackout": "#444444", "period": "#5c7080",
}
SEVERITY_COLORS = {"critical": "#b42318", "warning": "#c25e00", "info": "#1f4e9c"}


@dataclass(slots=True)
class Mark:
    """One event's shape on the timeline. Mutable only so that `_labelled` can set the
    label in place (a copy per mark cost more than the rest of the layout)."""

    uid: str
    title: str
    when: str          # the date(s) in words, for people
    start: str         # ISO day
    actor: str
    level: str
    kind: str
    status: str
    builtin: bool
    x: float
    y: float
    width: float       # 0: a point in time
    color: str
    label: str = ""    # the title as far as it fits before the next mark ("" if not)
    label_x: float = 0.0

    @property
    def cancelled(self) -> bool:
        return self.status == str(Status.CANCELLED)


@dataclass
class Lane:
    key: str
    title: str
    color: str
    y: float
    marks: list[Mark] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    alert_id: int
    severity: str
    color: str
    x1: float
    y1: float
    x2: float
    y2: float
    summary: str
    rule: str = ""
    subject_uid: str = ""
    object_uid: str = ""
    owner: str = ""    # who can move (the hover title and the panel say so)
    fix: str = ""


@dataclass
class Axis:
    x: float
    label: str


@dataclass
class Layout:
    width: int
    height: int
    left: int
    right_edge: int
    first: date
    end: date
    lanes: list[Lane]
    periods: list[Mark]
    periods_y: float
    lines: list[Line]
    ticks: list[Axis]
    today_x: float | None
    marks_by_uid: dict[str, Mark]


def _day_of(value: datetime | date, zone: ZoneInfo) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def _last_day(event: Event, zone: ZoneInfo) -> date:
    start = _day_of(event.start, zone)
    end = event.end
    if end is None:
        return start
    if isinstance(end, datetime):
        last = end.astimezone(zone)
        day = last.date()
        return day - timedelta(days=1) if last.time() == time(0) and day > start else day
    return max(start, end - timedelta(days=1))  # all-day ends are exclusive


def when_text(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


class _Scale:
    def __init__(self, first: date, end: date, zone: ZoneInfo) -> None:
        self.first, self.end, self.zone = first, end, zone
        self.days = max((end - first).days, 1)
        self.span = WIDTH - LEFT - RIGHT

    def x(self, day: date, fraction: float = 0.0) -> float:
        days = (day - self.first).days + fraction
        return round(LEFT + max(0.0, min(days, self.days)) / self.days * self.span, 1)


def _ticks(scale: _Scale, lang: Language) -> list[Axis]:
    first, end, days = scale.first, scale.end, scale.days
    ticks: list[Axis] = []
    if days <= 31:
        day = first
        while day < end:
            if days <= 7 or day.weekday() == 0:
                ticks.append(Axis(scale.x(day), day.strftime("%d/%m")))
            day += timedelta(days=1)
        return ticks
    if days > 800:
        for year in range(first.year, end.year + 1):
            day = date(year, 1, 1)
            if first <= day < end:
                ticks.append(Axis(scale.x(day), str(year)))
        return ticks
    step = 1 if days <= 400 else 3
    day = first.replace(day=1)
    while day < end:
        if day >= first and (day.month - 1) % step == 0:
            label = format_month_short(day, lang) + (f" {day.year}" if day.month == 1 or
                                                     not ticks else "")
            ticks.append(Axis(scale.x(day), label))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return ticks




def layout(events: Iterable[Event], alerts: Iterable[Alert], *, first: date, end: date,
           levels: Mapping[str, tuple[str, str]], builtin_sources: set[str],
           organisations: Organisations, expand: bool, today: date, tz: str,
           lang: Language = "sv") -> Layout:
    """Place `events` in [first, end) on lanes of `levels` (key -> (title, colour)) and
    draw `alerts` whose two events are both in view."""
    zone = ZoneInfo(tz)
    scale = _Scale(first, end, zone)
    lanes: dict[str, Lane] = {}
    order: list[str] = []
    periods: list[tuple[date, date, Event]] = []
    placed: list[tuple[str, Event, date, date]] = []
    for event in events:
        start, last = _day_of(event.start, zone), _last_day(event, zone)
        if event.data.kind == "period":
            periods.append((start, last, event))
            continue
        level = event.level or ""
        key = level
        if expand and level == "municipal":
            key = f"municipal:{organisations.owner(event.actor) or event.actor}"
        if key not in lanes:
            title, color = levels.get(level, (level or "–", "#666666"))
            if key != level:
                title = key.split(":", 1)[1]
            lanes[key] = Lane(key, title, color, 0.0)
            order.append(key)
        placed.append((key, event, start, last))
    rank = {name: n for n, name in enumerate(levels)}
    order.sort(key=lambda k: (rank.get(k.split(":")[0], len(rank)), k))
    y = float(TOP + 8)
    for key in order:
        lanes[key].y = y
        y += 2 * ROW + LANE_GAP
    by_uid: dict[str, Mark] = {}
    for key, event, start, last in placed:
        lane = lanes[key]
        builtin = event.source in builtin_sources
        x1 = scale.x(start)
        x2 = scale.x(last, 1.0)
        point = last == start or x2 - x1 < 4
        mark = Mark(uid=event.uid, title=title_in(event.data, lang),
                    when=when_text(start, last),
                    start=start.isoformat(), actor=event.actor, level=event.level,
                    kind=event.data.kind or "", status=str(event.data.status),
                    builtin=builtin, x=scale.x(start, 0.5) if point else x1,
                    y=lane.y + (ROW if builtin else 0) + ROW / 2,
                    width=0.0 if point else max(x2 - x1, 2.0),
                    color=KIND_COLORS.get(event.data.kind or "", "#555555"))
        lane.marks.append(mark)
        by_uid[event.uid] = mark
    for lane in lanes.values():
        lane.marks = _labelled(lane.marks)
        by_uid.update((m.uid, m) for m in lane.marks)
    periods_y = y + 4
    period_marks, rows = _periods(periods, scale, periods_y, lang)
    for mark in period_marks:
        by_uid[mark.uid] = mark
    height = int(periods_y + rows * PERIOD_ROW + 12)
    lines = []
    for alert in alerts:
        a = by_uid.get(alert.subject_uid or "")
        b = by_uid.get(alert.object_uid or "")
        if a is None or b is None:
            continue
        color = SEVERITY_COLORS.get(alert.severity, "#555555")
        lines.append(Line(alert.id, alert.severity, color, a.x + a.width, a.y,
                          b.x + b.width, b.y, alert.summary, alert.rule_id,
                          alert.subject_uid or "", alert.object_uid or "",
                          alert.labels.get("owner", ""), alert.annotations.get("fix", "")))
    today_x = scale.x(today, 0.5) if first <= today < end else None
    return Layout(WIDTH, height, LEFT, WIDTH - RIGHT, first, end,
                  [lanes[k] for k in order], period_marks, periods_y, lines,
                  _ticks(scale, lang), today_x, by_uid)


def _label_start(mark: Mark) -> float:
    if not mark.width:
        return mark.x + 9                      # beside the point
    return mark.x + 4 if mark.width >= BAR_INSIDE else mark.x + mark.width + 4


def _cut(title: str, room: int) -> str:
    """`title` in `room` characters, cut after a whole word with an ellipsis: the
    visible words stay part of the mark's accessible name (axe's
    label-content-name-mismatch), and half a word reads as a different one."""
    if len(title) <= room:
        return title
    cut = title[:room - 1]  # room for the ellipsis
    if not title[room - 1].isspace() and not cut[-1:].isspace():
        cut = cut.rsplit(None, 1)[0] if len(cut.split(None, 1)) > 1 else ""
    head = cut.rstrip().rstrip(",;:–-·(").rstrip()
    return head + "…" if head else ""


def _labelled(marks: list[Mark]) -> list[Mark]:
    """Each mark with its title beside it (inside a wide bar), cut to the room before
    the next point or label of its row (or the chart's edge), so a label never covers
    another mark's point or label; bars are background and may be written over. A mark
    with too little room keeps its hover title, aria-label and row in the event list.

    Labels are placed left to right, so only the last one placed can reach the next
    start; points are found by bisection (the period zoom has a thousand marks)."""
    out: list[Mark] = []
    rows: dict[float, list[Mark]] = {}
    for mark in marks:
        rows.setdefault(mark.y, []).append(mark)
    for row in rows.values():
        points = sorted(m.x - POINT_HALF for m in row if not m.width)
        label_end = float("-inf")
        for mark in sorted(row, key=_label_start):
            start = _label_start(mark)
            n = bisect_right(points, start)
            inside = (n > 0 and points[n - 1] + 2 * POINT_HALF > start) or label_end > start
            limit = points[n] if n < len(points) else float(WIDTH - RIGHT)
            room = 0 if inside else int((min(limit, WIDTH - RIGHT) - 3 - start) / LABEL_CHAR)
            text = _cut(mark.title, room) if room >= LABEL_MIN else ""
            if text:
                label_end = start + len(text) * LABEL_CHAR
            mark.label, mark.label_x = text, start
            out.append(mark)
    return out


def _periods(periods: list[tuple[date, date, Event]], scale: _Scale, top: float,
             lang: Language) -> tuple[list[Mark], int]:
    """Period bars packed into as few rows as they need (no bar over another)."""
    ends: list[date] = []
    marks: list[Mark] = []
    for start, last, event in sorted(periods, key=lambda p: (p[0], p[1])):
        row = next((n for n, busy in enumerate(ends) if busy < start), len(ends))
        if row == len(ends):
            ends.append(last)
        else:
            ends[row] = last
        x1, x2 = scale.x(start), scale.x(last, 1.0)
        marks.append(Mark(uid=event.uid, title=title_in(event.data, lang),
                          when=when_text(start, last),
                          start=start.isoformat(), actor=event.actor, level=event.level,
                          kind="period", status=str(event.data.status), builtin=False,
                          x=x1, y=top + row * PERIOD_ROW + PERIOD_ROW / 2,
                          width=max(x2 - x1, 2.0), color=KIND_COLORS["period"]))
    return marks, len(ends)


def utc_range(first: date, end: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    return (datetime.combine(first, time(0), zone).astimezone(UTC),
            datetime.combine(end, time(0), zone).astimezone(UTC))
