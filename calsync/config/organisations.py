"""`organisations:` in config.yaml: whom calsync works for, and so who can move what.

A finding is only useful when it is addressed to someone who can act on it. The
organisations listed here (the pilot: Region Västerbotten and its 15 municipalities)
are *internal*: their dates can be moved, and fixes are addressed to them. Every other
actor (the European Commission, the Riksdag, an agency) is *external*: its dates are
facts to plan around.

An event belongs to an organisation when its actor is the organisation's `name`, one of
its `bodies` (Kommunfullmäktige, Regionala utvecklingsnämnden) or matches one of its
`actors` globs (`"Umeå kommun*"`); an event whose `body` attribute names one of its
bodies counts too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from pydantic import Field, field_validator

from calsync.configtypes import StrictModel

__all__ = ["Organisation", "Organisations", "check_unambiguous"]


class Organisation(StrictModel):
    """One organisation calsync works for."""

    name: str = Field(description="The official name, as events name their actor.")
    bodies: list[str] = Field(default_factory=list,
                              description="Its decision bodies (council, board, committees).")
    actors: list[str] = Field(default_factory=list,
                              description="Other actor names (globs) that are this "
                                          "organisation.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an organisation needs a name")
        return value.strip()


def check_unambiguous(organisations: list[Organisation]) -> list[Organisation]:
    """A name or body listed by two organisations would address fixes at random."""
    owner: dict[str, str] = {}
    for org in organisations:
        for name in (org.name, *org.bodies, *(a for a in org.actors
                                               if not any(ch in a for ch in "*?["))):
            first = owner.setdefault(name, org.name)
            if first != org.name:
                raise ValueError(f"{name!r} is listed for both {first!r} and {org.name!r}; "
                                 "give bodies their full names (e.g. 'Kommunfullmäktige i "
                                 "Skellefteå')")
    names = [org.name for org in organisations]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"organisation {dupes[0]!r} is listed twice")
    return organisations


@dataclass(frozen=True)
class Organisations:
    """Lookup from an event's actor (and body) to the internal organisation it is."""

    exact: Mapping[str, str]
    globs: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, organisations: Iterable[Organisation]) -> Organisations:
        exact: dict[str, str] = {}
        globs: list[tuple[str, str]] = []
        for org in organisations:
            exact.setdefault(org.name, org.name)
            for body in org.bodies:
                exact.setdefault(body, org.name)
            for pattern in org.actors:
                if any(ch in pattern for ch in "*?["):
                    globs.append((pattern, org.name))
                else:
                    exact.setdefault(pattern, org.name)
        return cls(exact, tuple(globs))

    def owner(self, actor: str, body: str | None = None) -> str | None:
        """The internal organisation `actor` (or `body`) is, or None for an external one."""
        found = self.exact.get(actor)
        if found is None and body:
            found = self.exact.get(body)
        if found is None:
            found = next((org for pattern, org in self.globs if fnmatchcase(actor, pattern)),
                         None)
        return found

    def __bool__(self) -> bool:
        return bool(self.exact or self.globs)
