"""Silences, in Alertmanager's API v2 shape: matchers `{name, value, isRegex, isEqual}`
and a time range. A silenced alert still fires (and lists the silences that match it);
it is only not notified. This module owns the `silences` table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from calsync.errors import NotFoundError
from calsync.store.engine import inserted_id
from calsync.store.tables import silences

__all__ = ["Matcher", "Silence", "create_silence", "expire_silence", "get_silence",
           "list_silences"]


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
            matcher = cls(name, value, is_regex="~" in op, is_equal=not op.startswith("!"))
        else:
            matcher = cls(str(data["name"]), str(data["value"]),
                          bool(data.get("isRegex", False)), bool(data.get("isEqual", True)))
        if matcher.is_regex:
            try:
                re.compile(matcher.value)
            except re.error as exc:
                raise ValueError(f"matcher {matcher.name}: {matcher.value!r} is not a regular "
                                 f"expression: {exc}") from None
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
    silence_id = inserted_id(conn.execute(insert(silences).values(
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
