"""What the pages show, from the same functions the JSON API and the feeds use: the
view's events are exactly the subscribe feed's (`calsync.feeds.publish.feed_events`),
alerts and their history come from `calsync.alerts.store`, the sources' health from
`calsync.health.source_statuses` (as `calsync sources` and `/api/sources`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from calsync.alerts import silences, store
from calsync.config.schema import Config
from calsync.feeds.publish import feed_events
from calsync.feeds.service import feed_config, feed_spec
from calsync.feeds.window import Window
from calsync.health import source_statuses
from calsync.i18n.languages import Language
from calsync.model import Event
from calsync.runtime import Runtime
from calsync.web.filters import adhoc_selector, parse_when
from calsync.web.pages.view import View

__all__ = ["AlertCard", "SourceRow", "alert_card", "alert_cards", "source_rows", "view_events"]


def view_events(conn: Connection, config: Config, view: View, now: datetime) -> list[Event]:
    """The events of `view`: the built-in `all` feed narrowed by the same query the
    subscribe button gives (so the page and the subscription never disagree)."""
    params: dict[str, list[str]] = {}
    for name, value in view.feed_params(config):
        params.setdefault(name, []).append(value)
    extra = adhoc_selector(config, level=params.get("level"), actor=params.get("actor"),
                           kind=params.get("kind"), tag=params.get("tag"))
    base = feed_config(config, "all")
    assert base is not None
    spec = feed_spec(config, "all", base, extra)
    start = parse_when("from", params["from"][0], config.timezone)
    end = parse_when("to", params["to"][0], config.timezone, end_of_day=True)
    spec = replace(spec, window=Window(None, None, start, end))
    return list(feed_events(conn, spec, now))


@dataclass
class AlertCard:
    alert: store.Alert
    owner: str
    fix: str
    why: str
    workflow: str
    history: list[dict[str, Any]] = field(default_factory=list)
    resolved_at: str = ""   # a resolved alert: when (ISO) ...
    resolved_why: str = ""  # ... and why, from its history

    @property
    def resolved(self) -> bool:
        return self.alert.status == "resolved"


def _card(conn: Connection, alert: store.Alert, now: datetime,
          by_id: dict[int, silences.Silence]) -> AlertCard:
    history = [t.as_dict() for t in store.history(conn, alert.id)]
    for silence_id in alert.silenced_by:
        silence = by_id.get(silence_id)
        if silence is not None:
            history.append({"at": silence.created_at.isoformat(), "field": "silence",
                            "from": None, "to": silence.ends_at.date().isoformat(),
                            "actor": silence.created_by, "reason": silence.comment})
    card = AlertCard(alert, alert.labels.get("owner", ""), alert.annotations.get("fix", ""),
                     alert.annotations.get("rationale", ""), alert.effective_workflow(now),
                     history)
    if card.resolved:
        closing = [h for h in history if h["field"] == "status" and h["to"] == "resolved"]
        card.resolved_at = (closing[-1]["at"] if closing else
                            alert.ends_at.isoformat() if alert.ends_at else "")
        card.resolved_why = (closing[-1].get("reason") or "") if closing else ""
    return card


def alert_card(conn: Connection, alert: store.Alert, now: datetime) -> AlertCard:
    """One alert's card, whatever its state (an alert link may name a resolved one)."""
    return _card(conn, alert, now, {s.id: s for s in silences.list_silences(conn)})


def alert_cards(conn: Connection, now: datetime, owner: str = "") -> list[AlertCard]:
    """Firing alerts, most severe first, with who can move, the fix and every action
    taken on them (workflow transitions and the silences that match them)."""
    found = store.list_alerts(conn, state="firing", now=now)
    by_id = {s.id: s for s in silences.list_silences(conn)}
    cards = [_card(conn, alert, now, by_id) for alert in found
             if not owner or alert.labels.get("owner", "") == owner]
    rank = {"critical": 0, "warning": 1, "info": 2}
    cards.sort(key=lambda c: (rank.get(c.alert.severity, 3), c.alert.due_at or now))
    return cards


@dataclass(frozen=True)
class SourceRow:
    name: str
    title: str
    health: str          # ok | stale | failing | disabled
    last_sync: str | None
    next_run: str | None
    schedule: str | None
    error: str | None
    events: int


def source_rows(runtime: Runtime, conn: Connection, lang: Language) -> list[SourceRow]:
    rows = []
    for status in source_statuses(runtime, conn, lang):
        health = ("disabled" if not status.enabled else "failing" if status.failing
                  else "stale" if status.stale else "ok")
        error = status.last_error or status.alert or ("; ".join(status.warnings) or None)
        rows.append(SourceRow(status.name, status.title or status.name, health,
                              status.last_success_at, status.next_run, status.schedule,
                              error, status.events))
    return rows
