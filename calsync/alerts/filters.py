"""Which alerts a coordinator asks for: by actor, organisation and level (issue 15).

An alert involves the events of its finding, the subject and the object; a filter
keeps the alerts of which either event matches: an actor glob (`Skellefteå*`), an
organisation under `organisations:` (its name, bodies, actor globs, or the alert's
addressed `owner`), a level. Values of one filter are "any of"; filters combine with
"and". `calsync alerts` and `GET /api/alerts` use it, so both pick the same alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from calsync.alerts.store import Alert
from calsync.config.organisations import Organisations

__all__ = ["AlertFilter"]


@dataclass(frozen=True, slots=True)
class AlertFilter:
    actors: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.actors or self.organisations or self.levels)

    def apply(self, alerts: Iterable[Alert], owners: Organisations) -> Iterator[Alert]:
        return (a for a in alerts if self.matches(a, owners))

    def matches(self, alert: Alert, owners: Organisations) -> bool:
        involved = _involved(alert)
        if self.actors and not any(fnmatchcase(actor, pattern) for actor, _ in involved
                                   for pattern in self.actors):
            return False
        if self.levels and not any(level in self.levels for _, level in involved):
            return False
        if self.organisations:
            orgs = {owners.owner(actor) for actor, _ in involved if actor}
            orgs.add(alert.labels.get("owner"))
            if not orgs & set(self.organisations):
                return False
        return True


def _involved(alert: Alert) -> list[tuple[str, str]]:
    """(actor, level) of the subject and the object, from the alert's evidence (labels for
    an alert stored before evidence carried them)."""
    out: list[tuple[str, str]] = []
    for side in ("subject", "object"):
        ref: Any = (alert.evidence or {}).get(side)
        if isinstance(ref, dict):
            out.append((str(ref.get("actor") or ""), str(ref.get("level") or "")))
    if not out:
        out.append((alert.labels.get("actor", ""), alert.labels.get("level", "")))
    return out
