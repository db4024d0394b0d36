"""System alerts: calsync telling its admins about itself (a scheduled sync abandoned
after its retries), through the same alert store, workflow and receivers as
misalignments. They have `rule_kind: system`; rule evaluation never resolves them (they
belong to no rule); a person acknowledges or resolves them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from calsync.alerts.fingerprint import fingerprint
from calsync.alerts.store import upsert_system_alert
from calsync.clock import Clock, SystemClock

__all__ = ["raise_system_alert"]

_IDENTITY = ("job", "source")


def raise_system_alert(*, engine: Engine, name: str, summary: str, description: str = "",
                       clock: Clock | None = None, severity: str = "critical",
                       **context: Any) -> str:
    """Open (or refresh, or bring back) the system alert `name` for `job`/`source`;
    returns its fingerprint. Extra keyword arguments become annotations."""
    now = (clock or SystemClock()).now()
    identity = {"alertname": name, "rule_kind": "system",
                **{k: str(context[k]) for k in _IDENTITY if context.get(k) is not None}}
    fp = fingerprint(identity)
    annotations = {"summary": summary, "description": description or summary}
    for key, value in context.items():
        if key in _IDENTITY:
            continue
        if isinstance(value, datetime):
            annotations[key] = value.isoformat()
        elif isinstance(value, str | int | float):
            annotations[key] = str(value)
    values = {"labels": {**identity, "severity": severity}, "annotations": annotations,
              "summary": summary, "severity": severity, "updated_at": now, "due_at": now}
    with engine.begin() as conn:
        upsert_system_alert(conn, fp, name, values, now)
    return fp
