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

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from pydantic import Field

from calsync.configtypes import StrictModel

__all__ = ["Organisation", "OrganisationConfig", "Organisations", "check_unambiguous",
           "unknown_organisation"]


class Organisation(StrictModel):
    """One organisation calsync works for (its name is the key under `organisations:`)."""

    url: str | None = Field(None, description="The organisation's page (default link).")
    pages: dict[str, str] = Field(
        default_factory=dict,
        description="Its page per event kind: {budget: https://..., meeting: https://...}.")
    bodies: list[str] = Field(default_factory=list,
                              description="Its decision bodies (council, board, committees).")
    actors: list[str] = Field(default_factory=list,
                              description="Other actor names (globs) that are this "
                                          "organisation.")


def check_unambiguous(organisations: dict[str, Organisation]) -> dict[str, Organisation]:
    """A name or body listed by two organisations would address fixes at random."""
    owner: dict[str, str] = {}
    for key, org in organisations.items():
        for name in (key, *org.bodies, *(a for a in org.actors
                                         if not any(ch in a for ch in "*?["))):
            first = owner.setdefault(name, key)
            if first != key:
                raise ValueError(f"{name!r} is listed for both {first!r} and {key!r}; "
                                 "give bodies their full names (e.g. 'Kommunfullmäktige i "
                                 "Skellefteå')")
    return organisations


def unknown_organisation(organisations: Mapping[str, Organisation], name: str) -> str | None:
    """Why `name`, typed by a person (`--org`, `?org=`, a digest subscription), is not an
    organisation of the config; None when it is one."""
    if name in organisations:
        return None
    known = ", ".join(organisations) or "(none: add an `organisations:` section)"
    return f"no organisation named {name!r} under `organisations:`; known: {known}"


@dataclass(frozen=True)
class Organisations:
    """Lookup from an event's actor (and body) to the internal organisation it is."""

    exact: Mapping[str, str]
    globs: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, organisations: Mapping[str, Organisation]) -> Organisations:
        exact: dict[str, str] = {}
        globs: list[tuple[str, str]] = []
        for name, org in organisations.items():
            exact.setdefault(name, name)
            for body in org.bodies:
                exact.setdefault(body, name)
            for pattern in org.actors:
                if any(ch in pattern for ch in "*?["):
                    globs.append((pattern, name))
                else:
                    exact.setdefault(pattern, name)
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


OrganisationConfig = Organisation
"""The name the feeds use for it (pages its events link to)."""
