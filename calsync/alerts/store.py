"""Alerts in the database: lifecycle from findings, the coordinators' workflow, silences.

Lifecycle (what the rules say): a finding's fingerprint either opens an alert
(`firing`), updates one (new dates, a new severity: same identity, so a moved
decision updates its alert), or brings a resolved one back; a firing alert of a rule
that ran and no longer finds it is `resolved`.

Workflow (what people say): `open` → `acknowledged` (who, when, comment), `snoozed`
until a date (then open again), `wont_fix`; `reopen` goes back to open. Each change of
status, workflow, severity or dates is a row in `alert_transitions`, the history.

Silences have Alertmanager's API v2 shape: matchers `{name, value, isRegex, isEqual}`
and a time range; a silenced alert still fires but is not notified.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, and_, delete, insert, or_, select, update

from calsync.alerts.fingerprint import fingerprint
from calsync.errors import NotFoundError
from calsync.rules.findings import Finding
from calsync.store.tables import alert_transitions, alerts, silences

__all__ = [
    "STATES",
    "WORKFLOWS",
    "Alert",
    "ApplyResult",
    "Matcher",
    "Silence",
    "Transition",
    "acknowledge",
    "apply_findings",
    "create_silence",
    "expire_silence",
    "get_alert",
    "get_silence",
    "history",
    "list_alerts",
    "list_silences",
    "reopen",
    "snooze",
    "wake_snoozed",
    "wont_fix",
]

WORKFLOWS = ("open", "acknowledged", "snoozed", "wont_fix")
STATES = ("firing", "resolved", "open", "acknowledged", "snoozed", "wont_fix", "silenced",
          "all")
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
    return Alert(**{k: row[k] for k in (
        "id", "fingerprint", "rule_id", "rule_kind", "labels", "annotations", "evidence",
        "summary", "severity", "status", "workflow", "starts_at", "ends_at", "updated_at",
        "due_at", "subject_uid", "object_uid", "ack_by", "ack_at", "ack_comment",
        "snooze_until")})


def _pk(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


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
    if closing or by_fp:
        conditions = []
        if closing:
            conditions.append(and_(alerts.c.status == "firing", alerts.c.rule_id.in_(closing)))
        fps = list(by_fp)
        for i in range(0, len(fps), 500):
            conditions.append(alerts.c.fingerprint.in_(fps[i:i + 500]))
        rows = conn.execute(select(alerts).where(or_(*conditions))).mappings()
        existing = {row["fingerprint"]: _alert(row) for row in rows}
    for fp, finding in by_fp.items():
        values = {
            "rule_id": finding.rule_id, "rule_kind": finding.kind,
            "labels": finding.labels(), "annotations": finding.annotations(),
            "evidence": finding.evidence(), "summary": finding.summary,
            "severity": finding.severity, "due_at": finding.due_at,
            "subject_uid": finding.subject.uid or None,
            "object_uid": finding.object.uid if finding.object else None,
        }
        old = existing.get(fp)
        if old is None and history_before is not None and finding.due_day < history_before:
            result.history.append(fp)
            continue
        if old is None:
            alert_id = _pk(conn.execute(insert(alerts).values(
                fingerprint=fp, status="firing", workflow="open", starts_at=now,
                ends_at=None, updated_at=now, **values)))
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
            continue
        if "severity" in changes and old.status == "firing":
            _transition(conn, old.id, now, "severity", old.severity, finding.severity,
                        reason=f"due {finding.due_day}")
        moved = _moved(old.evidence, values["evidence"])
        if moved and old.status == "firing":
            _transition(conn, old.id, now, "dates", None, None, reason=moved)
        changes["updated_at"] = now
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


# -- silences --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Matcher:
    """Alertmanager's matcher: label `name` equals `value` (or matches it as a regex,
    anchored), negated when `isEqual` is false. A missing label is the empty string."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    @classmethod
    def parse(cls, data: Mapping[str, Any] | str) -> Matcher:
        if isinstance(data, str):
            match = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*\"?(.*?)\"?\s*$",
                             data)
            if match is None:
                raise ValueError(f"not a matcher (name=value, name!=value, name=~regex, "
                                 f"name!~regex): {data!r}")
            name, op, value = match.groups()
            return cls(name, value, is_regex="~" in op, is_equal=not op.startswith("!"))
        matcher = cls(str(data["name"]), str(data["value"]), bool(data.get("isRegex", False)),
                      bool(data.get("isEqual", True)))
        if matcher.is_regex:
            try:
                re.compile(matcher.value)
            except re.error as exc:
                raise ValueError(f"matcher {matcher.name}: not a regular expression: "
                                 f"{exc}") from None
        return matcher

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        hit = (re.fullmatch(self.value, value) is not None if self.is_regex
               else value == self.value)
        return hit == self.is_equal

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex,
                "isEqual": self.is_equal}


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime
    updated_at: datetime

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)

    def state(self, now: datetime) -> str:
        return "active" if self.active(now) else "pending" if now < self.starts_at \
            else "expired"

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        out = {"id": self.id, "matchers": [m.as_dict() for m in self.matchers],
               "startsAt": self.starts_at.isoformat(), "endsAt": self.ends_at.isoformat(),
               "createdBy": self.created_by, "comment": self.comment,
               "createdAt": self.created_at.isoformat(),
               "updatedAt": self.updated_at.isoformat()}
        if now is not None:
            out["status"] = {"state": self.state(now)}
        return out


def _silence(row: Mapping[Any, Any]) -> Silence:
    return Silence(row["id"], tuple(Matcher.parse(m) for m in row["matchers"]),
                   row["starts_at"], row["ends_at"], row["created_by"], row["comment"],
                   row["created_at"], row["updated_at"])


def create_silence(conn: Connection, matchers: Sequence[Matcher], *, starts_at: datetime,
                   ends_at: datetime, created_by: str, comment: str, now: datetime) -> Silence:
    if not matchers:
        raise ValueError("a silence needs at least one matcher")
    if ends_at <= starts_at:
        raise ValueError("a silence must end after it starts")
    silence_id = _pk(conn.execute(insert(silences).values(
        matchers=[m.as_dict() for m in matchers], starts_at=starts_at, ends_at=ends_at,
        created_by=created_by, comment=comment, created_at=now, updated_at=now)))
    return get_silence(conn, silence_id)


def get_silence(conn: Connection, silence_id: int) -> Silence:
    row = conn.execute(select(silences).where(silences.c.id == silence_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no silence {silence_id}")
    return _silence(row)


def list_silences(conn: Connection, *, active_at: datetime | None = None) -> list[Silence]:
    stmt = select(silences).order_by(silences.c.id)
    if active_at is not None:
        stmt = stmt.where(silences.c.starts_at <= active_at, silences.c.ends_at > active_at)
    return [_silence(row) for row in conn.execute(stmt).mappings()]


def expire_silence(conn: Connection, silence_id: int, now: datetime) -> Silence:
    """End a silence now (Alertmanager's DELETE); a future one is removed outright."""
    silence = get_silence(conn, silence_id)
    if silence.starts_at > now:
        conn.execute(delete(silences).where(silences.c.id == silence_id))
        return silence
    if silence.ends_at > now:
        conn.execute(update(silences).where(silences.c.id == silence_id).values(
            ends_at=now, updated_at=now))
    return get_silence(conn, silence_id)
