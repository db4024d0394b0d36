"""Which address an event in a feed links to.

A calendar app shows an event's URL as "the page of this event", so it must be the
event's own organisation's page for that process or meeting. A built-in cycle's `url`
is a citation instead: templates share one legal source for every municipality, so
without this 114 of Umeå's 145 events linked to Ystad's, Region Norrbotten's or SKR's
pages. The rule:

- an actor with an entry under `organisations:` in config links to its page for the
  event's kind (`pages:`), else to its `url`;
- otherwise a built-in cycle (an event with a `cycle` attribute) links to the event's
  page in calsync's API, and data a connector brought keeps its own URL (an upstream
  calendar's link is its publisher's page);
- a source the URL no longer shows stays in the description ("Source: ...").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language
from calsync.model import EventData

__all__ = ["OrgLinks", "linked"]

# Person-facing text of this module (the `calsync` catalog translates it).
SOURCE_LINE = N_("Source: {url}")


@dataclass(frozen=True, slots=True)
class OrgLinks:
    """An organisation's own pages: `url` in general, `pages` per event kind."""

    url: str | None = None
    pages: Mapping[str, str] = field(default_factory=dict)

    def page(self, kind: str | None) -> str | None:
        return self.pages.get(kind or "") or self.url


def linked(data: EventData, organisations: Mapping[str, OrgLinks], fallback: str | None,
           language: Language) -> EventData:
    """The event with the URL a feed publishes, its old URL kept in the description
    when the link changed."""
    org = organisations.get(data.actor or "")
    own = org.page(data.kind) if org is not None else None
    if own is None:
        own = fallback if "cycle" in data.attrs or not data.url else data.url
    if own == data.url:
        return data
    description = data.description
    if data.url:
        source = translator(language, "calsync").gettext(SOURCE_LINE).format(url=data.url)
        description = f"{description}\n\n{source}".strip()
    return data.with_(url=own, description=description)
