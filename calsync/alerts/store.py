"""Alerts in the database: lifecycle from findings, the coordinators' workflow, history.

Lifecycle (what the rules say): a finding's fingerprint either opens an alert
(`firing`), updates one (new dates, a new severity: same identity, so a moved
decision updates its alert), or brings a resolved one back; a firing alert of a rule
that ran and no longer finds it is `resolved`.

Workflow (what people say): `open` → `acknowledged` (who, when, comment), `snoozed`
until a date (then open again), `wont_fix`; `reopen` goes back to open. Each change of
status, workflow, severity or dates is a row in `alert_transitions`, the history.

Silences (`calsync.alerts.silences`) mute notifications, not alerts: a silenced alert
still fires and shows which silences match it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from calsync.alerts.fingerprint import fingerprint
from calsync.alerts.silences import list_silences
from calsync.alerts.states import STATES
from calsync.alerts.textsdigest import texts_digest
from calsync.errors import NotFoundError
from calsync.rules.findings import Finding
from calsync.store.engine import inserted_id
from calsync.store.tables import alert_transitions, alerts

__all__ = ["STATES", "WORKFLOWS", "Alert", "ApplyResult", "Transition", "acknowledge",
           "alert_counts", "apply_findings", "firing_rule_ids", "get_alert", "history",
           "ids_of", "last_change", "list_alerts", "reopen", "snooze", "upsert_system_alert",
           "wake_snoozed", "wont_fix"]

WORKFLOWS = ("open", "acknowledged", "snoozed", "wont_fix")
SYSTEM = "calsync"


@dataclass(frozen=True, slots=True)
class Transition:
    at: datetime
    field: str
    from_value: str | None
    to_value: str | None
    actor: str
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "field": self.field, "from": self.from_value,
                "to": self.to_value, "actor": self.actor, "reason": self.reason}


@dataclass(slots=True)
class Alert:
    id: int
    fingerprint: str
    rule_id: str
    rule_kind: str
    labels: dict[str, str]
    annotations: dict[str, str]
    evidence: dict[str, Any]
    summary: str
    severity: str
    status: str
    workflow: str
    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime
    due_at: datetime | None
    subject_uid: str | None
    object_uid: str | None
    ack_by: str | None
    ack_at: datetime | None
    ack_comment: str | None
    snooze_until: datetime | None
    silenced_by: list[int] = field(default_factory=list)
    texts_digest: str | None = None  # of its finding's inputs (`calsync.alerts.textsdigest`)

    def effective_workflow(self, now: datetime) -> str:
        if self.workflow == "snoozed" and self.snooze_until is not None \
                and self.snooze_until <= now:
            return "open"
        return self.workflow

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "fingerprint": self.fingerprint, "rule": self.rule_id,
            "kind": self.rule_kind, "status": self.status,
            "workflow": self.effective_workflow(now) if now else self.workflow,
            "severity": self.severity, "summary": self.summary, "labels": self.labels,
            "annotations": self.annotations, "evidence": self.evidence,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "updated_at": self.updated_at.isoformat(),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "subject_uid": self.subject_uid, "object_uid": self.object_uid,
            "ack": ({"by": self.ack_by, "at": self.ack_at.isoformat() if self.ack_at else None,
                     "comment": self.ack_comment} if self.ack_by else None),
            "snooze_until": self.snooze_until.isoformat() if self.snooze_until else None,
            "silenced_by": self.silenced_by,
        }


def _alert(row: Mapping[Any, Any]) -> Alert:
    return Alert(**row)  # every column of `alerts` is a field of the same name


def _transition(conn: Connection, alert_id: int, at: datetime, field: str,
                from_value: str | None, to_value: str | None, actor: str = SYSTEM,
                reason: str | None = None) -> None:
    conn.execute(insert(alert_transitions).values(
        alert_id=alert_id, at=at, field=field, from_value=from_value, to_value=to_value,
        actor=actor, reason=reason))


# -- lifecycle -------------------------------------------------------------------------------

@dataclass
class ApplyResult:
    opened: list[str] = field(default_factory=list)
    refired: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    resolved: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # past due: recorded, not raised

    def as_dict(self) -> dict[str, Any]:
        return {"opened": len(self.opened), "refired": len(self.refired),
                "updated": len(self.updated), "unchanged": self.unchanged,
                "resolved": len(self.resolved), "history": len(self.history)}


def _moved(old: Mapping[str, Any], new: Any) -> str | None:
    changes = []
    for side in ("subject", "object"):
        before, after = old.get(side) or {}, new.get(side) or {}
        if before.get("when") != after.get("when") and before and after:
            changes.append(f"{after.get('title')}: {before.get('when')} → {after.get('when')}")
    return "; ".join(changes) or None


_FIRING_OF_RULES = select(alerts).where(
    alerts.c.status == "firing", alerts.c.rule_id.in_(bindparam("rules", expanding=True)))
_BY_FINGERPRINT = select(alerts).where(
    alerts.c.fingerprint.in_(bindparam("fps", expanding=True)))


def apply_findings(conn: Connection, findings: Sequence[Finding], rules_run: Iterable[str],
                   now: datetime, *, resolve_other_rules: Iterable[str] = (),
                   history_before: date | None = None) -> ApplyResult:
    """Bring stored alerts in line with the findings of the rules in `rules_run`.

    Alerts of other rules are left alone (an incremental evaluation did not look at
    them), except those of `resolve_other_rules` (rules removed or disabled), which
    resolve. A finding due before `history_before` that has no alert yet is history:
    counted, never opened (`alerts.past_due: history`).
    """
    result = ApplyResult()
    ran = set(rules_run)
    by_fp: dict[str, Finding] = {}
    for finding in findings:
        by_fp.setdefault(fingerprint(finding.identity_labels()), finding)
    closing = ran | set(resolve_other_rules)
    existing: dict[str, Alert] = {}
    # Two statements of fixed shape with expanding parameters: SQLAlchemy compiles each
    # once, where one OR of every fingerprint chunk took seconds to compile at 3,000.
    if closing:
        for row in conn.execute(_FIRING_OF_RULES, {"rules": sorted(closing)}).mappings():
            existing[row["fingerprint"]] = _alert(row)
    fps = [fp for fp in by_fp if fp not in existing]
    for i in range(0, len(fps), 500):
        for row in conn.execute(_BY_FINGERPRINT, {"fps": fps[i:i + 500]}).mappings():
            existing[row["fingerprint"]] = _alert(row)
    for fp, finding in by_fp.items():
        old = existing.get(fp)
        if old is None and history_before is not None and finding.due_day < history_before:
            result.history.append(fp)
            continue
        digest = texts_digest(finding)
        if old is not None and old.status == "firing" and old.texts_digest == digest:
            result.unchanged += 1
            continue
        values = {
            "rule_id": finding.rule_id, "rule_kind": finding.kind,
            "labels": finding.labels(), "annotations": finding.annotations(),
            "evidence": finding.evidence(), "summary": finding.summary,
            "severity": finding.severity, "due_at": finding.due_at,
            "subject_uid": finding.subject.uid or None,
            "object_uid": finding.object.uid if finding.object else None,
        }
        if old is None:
            alert_id = inserted_id(conn.execute(insert(alerts).values(
                fingerprint=fp, status="firing", workflow="open", starts_at=now,
                ends_at=None, updated_at=now, texts_digest=digest, **values)))
            _transition(conn, alert_id, now, "status", None, "firing",
                        reason=finding.summary)
            result.opened.append(fp)
            continue
        changes: dict[str, Any] = {}
        for key, value in values.items():
            current = getattr(old, key)
            if current != value:
                changes[key] = value
        if old.status == "resolved":
            changes.update(status="firing", starts_at=now, ends_at=None)
            _transition(conn, old.id, now, "status", "resolved", "firing",
                        reason=f"found again: {finding.summary}")
            if old.workflow == "acknowledged":
                changes.update(workflow="open")
                _transition(conn, old.id, now, "workflow", "acknowledged", "open",
                            reason="fires again after it had resolved")
            result.refired.append(fp)
        elif changes:
            result.updated.append(fp)
        else:
            result.unchanged += 1
            conn.execute(update(alerts).where(alerts.c.id == old.id).values(texts_digest=digest))
            continue
        if "severity" in changes and old.status == "firing":
            _transition(conn, old.id, now, "severity", old.severity, finding.severity,
                        reason=f"due {finding.due_day}")
        moved = _moved(old.evidence, values["evidence"])
        if moved and old.status == "firing":
            _transition(conn, old.id, now, "dates", None, None, reason=moved)
        changes.update(updated_at=now, texts_digest=digest)
        conn.execute(update(alerts).where(alerts.c.id == old.id).values(**changes))
    for fp, old in existing.items():
        if fp in by_fp or old.status != "firing" or old.rule_id not in closing:
            continue
        reason = ("the misalignment is gone" if old.rule_id in ran
                  else f"rule {old.rule_id} is disabled or no longer configured")
        conn.execute(update(alerts).where(alerts.c.id == old.id).values(
            status="resolved", ends_at=now, updated_at=now))
        _transition(conn, old.id, now, "status", "firing", "resolved", reason=reason)
        result.resolved.append(fp)
    return result


def upsert_system_alert(conn: Connection, fp: str, name: str, values: dict[str, Any],
                        now: datetime) -> None:
    """Open the system alert `fp` (named `name`), or refresh it, or bring it back if it
    had resolved (`calsync.alerts.system` decides the values)."""
    summary = values["summary"]
    row = conn.execute(select(alerts.c.id, alerts.c.status).where(
        alerts.c.fingerprint == fp)).first()
    if row is None:
        alert_id = inserted_id(conn.execute(insert(alerts).values(
            fingerprint=fp, rule_id=name, rule_kind="system", evidence={}, status="firing",
            workflow="open", starts_at=now, **values)))
        _transition(conn, alert_id, now, "status", None, "firing", SYSTEM, summary)
        return
    changes: dict[str, Any] = dict(values)
    if row.status == "resolved":
        changes.update(status="firing", starts_at=now, ends_at=None, workflow="open")
        _transition(conn, row.id, now, "status", "resolved", "firing", SYSTEM, summary)
    conn.execute(update(alerts).where(alerts.c.id == row.id).values(**changes))


# -- reading ---------------------------------------------------------------------------------

def get_alert(conn: Connection, ref: int | str, now: datetime | None = None) -> Alert:
    """An alert by id or fingerprint; NotFoundError otherwise."""
    column = alerts.c.id if isinstance(ref, int) or str(ref).isdigit() else alerts.c.fingerprint
    value: int | str = int(ref) if column is alerts.c.id else str(ref)
    row = conn.execute(select(alerts).where(column == value)).mappings().first()
    if row is None:
        raise NotFoundError(f"no alert {ref!r}")
    alert = _alert(row)
    if now is not None:
        active = list_silences(conn, active_at=now)
        alert.silenced_by = [s.id for s in active if s.matches(alert.labels)]
    return alert


def list_alerts(conn: Connection, *, state: str = "firing", now: datetime,
                rule: str | None = None) -> list[Alert]:
    """Alerts in `state` (see STATES), most urgent first (due date, then severity)."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; known: {', '.join(STATES)}")
    stmt = select(alerts)
    if state == "resolved":
        stmt = stmt.where(alerts.c.status == "resolved")
    elif state != "all":
        stmt = stmt.where(alerts.c.status == "firing")
    if rule is not None:
        stmt = stmt.where(alerts.c.rule_id == rule)
    found = [_alert(row) for row in conn.execute(stmt).mappings()]
    active = list_silences(conn, active_at=now)
    for alert in found:
        alert.silenced_by = [s.id for s in active if s.matches(alert.labels)]
    if state in WORKFLOWS:
        found = [a for a in found if a.effective_workflow(now) == state]
    elif state == "silenced":
        found = [a for a in found if a.silenced_by]
    rank = {"critical": 0, "warning": 1, "info": 2}
    found.sort(key=lambda a: (a.status != "firing", a.due_at or now,
                              rank.get(a.severity, 3), a.id))
    return found


def last_change(conn: Connection) -> datetime | None:
    """When any alert last changed (the alerts feed's Last-Modified)."""
    value: datetime | None = conn.execute(select(alert_transitions.c.at).order_by(
        alert_transitions.c.at.desc()).limit(1)).scalar()
    return value


def history(conn: Connection, alert_id: int) -> list[Transition]:
    rows = conn.execute(select(alert_transitions).where(alert_transitions.c.alert_id == alert_id)
                        .order_by(alert_transitions.c.at, alert_transitions.c.id)).mappings()
    return [Transition(r["at"], r["field"], r["from_value"], r["to_value"], r["actor"],
                       r["reason"]) for r in rows]


# -- workflow --------------------------------------------------------------------------------

def _set_workflow(conn: Connection, ref: int | str, to: str, *, by: str, comment: str,
                  now: datetime, **extra: Any) -> Alert:
    alert = get_alert(conn, ref)
    conn.execute(update(alerts).where(alerts.c.id == alert.id).values(
        workflow=to, updated_at=now, **extra))
    reason = comment
    if to == "snoozed" and extra.get("snooze_until") is not None:
        reason = f"until {extra['snooze_until'].date()}" + (f": {comment}" if comment else "")
    _transition(conn, alert.id, now, "workflow", alert.workflow, to, actor=by,
                reason=reason or None)
    return get_alert(conn, alert.id, now)


def acknowledge(conn: Connection, ref: int | str, *, by: str, comment: str, now: datetime
                ) -> Alert:
    """Someone owns it: no more repeat notifications while it stays the same."""
    return _set_workflow(conn, ref, "acknowledged", by=by, comment=comment, now=now,
                         ack_by=by, ack_at=now, ack_comment=comment, snooze_until=None)


def snooze(conn: Connection, ref: int | str, *, until: datetime, by: str, comment: str,
           now: datetime) -> Alert:
    if until <= now:
        raise ValueError(f"snooze until {until.isoformat()} is not in the future")
    return _set_workflow(conn, ref, "snoozed", by=by, comment=comment, now=now,
                         snooze_until=until)


def wont_fix(conn: Connection, ref: int | str, *, by: str, comment: str, now: datetime
             ) -> Alert:
    return _set_workflow(conn, ref, "wont_fix", by=by, comment=comment, now=now,
                         snooze_until=None)


def reopen(conn: Connection, ref: int | str, *, by: str, comment: str, now: datetime) -> Alert:
    return _set_workflow(conn, ref, "open", by=by, comment=comment, now=now,
                         snooze_until=None)


def wake_snoozed(conn: Connection, now: datetime) -> int:
    """Snoozes that ran out become open again (recorded in the history)."""
    rows = conn.execute(select(alerts.c.id, alerts.c.snooze_until).where(
        alerts.c.workflow == "snoozed", alerts.c.snooze_until <= now)).all()
    for alert_id, until in rows:
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(
            workflow="open", snooze_until=None, updated_at=now))
        _transition(conn, alert_id, now, "workflow", "snoozed", "open",
                    reason=f"snooze ended {until.isoformat()}")
    return len(rows)


def firing_rule_ids(conn: Connection, *, about: Sequence[str] | None = None) -> set[str]:
    """Rules (not system alerts) with a firing alert; with `about`, only alerts whose
    subject or object is one of these event uids."""
    firing = and_(alerts.c.status == "firing", alerts.c.rule_kind != "system")
    if about is None:
        return set(conn.execute(select(alerts.c.rule_id).distinct().where(firing)).scalars())
    found: set[str] = set()
    for i in range(0, len(about), 500):
        chunk = about[i:i + 500]
        found |= set(conn.execute(select(alerts.c.rule_id).distinct().where(
            firing, or_(alerts.c.subject_uid.in_(chunk), alerts.c.object_uid.in_(chunk)))
        ).scalars())
    return found


def ids_of(conn: Connection, fingerprints: Iterable[str]) -> list[int]:
    """The ids of the alerts with these fingerprints."""
    return list(conn.execute(select(alerts.c.id).where(
        alerts.c.fingerprint.in_(sorted(set(fingerprints))))).scalars())


def alert_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(status, workflow, count) of every alert, for /metrics."""
    return [(status, workflow, count) for status, workflow, count in conn.execute(
        select(alerts.c.status, alerts.c.workflow, func.count())
        .group_by(alerts.c.status, alerts.c.workflow))]
