"""What a new silence mutes: the count, and a warning when it mutes nothing.

Alertmanager accepts a silence whose matcher is misspelt (`rul=R7`) and it silently mutes
nothing; the person who wanted quiet keeps getting notified. calsync says how many firing
alerts a silence matches when it is created and, for zero, which label or value the
matchers probably meant (the labels firing alerts really have).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from calsync.alerts.silences import Silence
from calsync.alerts.store import list_alerts
from calsync.config.suggest import did_you_mean

__all__ = ["mute_report"]


def mute_report(conn: Connection, silence: Silence, now: datetime) -> dict[str, Any]:
    """{"mutes": how many firing alerts match, "warning": why it mutes none, or None}."""
    firing = list_alerts(conn, state="firing", now=now)
    mutes = sum(silence.matches(a.labels) for a in firing)
    warning = None
    if not mutes:
        names = {name for a in firing for name in a.labels}
        hints = []
        for m in silence.matchers:
            if m.name not in names:
                hints.append(f"no firing alert has the label {m.name!r}"
                             f"{did_you_mean(m.name, names)}")
            elif m.is_equal and not m.is_regex:
                values = {a.labels[m.name] for a in firing if m.name in a.labels}
                if m.value not in values:
                    hints.append(f"no firing alert has {m.name}={m.value!r}"
                                 f"{did_you_mean(m.value, values)}")
        warning = ("this silence matches no firing alert" +
                   (f" ({'; '.join(hints)})" if hints else "") +
                   "; it will mute alerts that fire later and match")
    return {"mutes": mutes, "warning": warning}
