"""Private means private: events that only private feeds select stay off the open
endpoints (the JSON API's reads, `/feeds/all.ics` and the public feeds).

An event is private when some private feed selects it and no public feed does; an event
that a public feed also selects is public already, on that feed. One rule, applied by the
API and by the feeds, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from calsync.config.schema import Config
from calsync.model import EventData
from calsync.selectors import Selector

__all__ = ["PrivateEvents"]


@dataclass(frozen=True, eq=False, slots=True)
class PrivateEvents:
    private: tuple[Selector, ...]
    public: tuple[Selector, ...]

    @classmethod
    def of(cls, config: Config) -> PrivateEvents | None:
        """The rule for `config`; None when it has no private feed (nothing to hide)."""
        private = tuple(f.select for f in config.feeds.values() if f.private)
        if not private:
            return None
        return cls(private, tuple(f.select for f in config.feeds.values() if not f.private))

    def hides(self, data: EventData, source: str) -> bool:
        return any(s.matches(data, source) for s in self.private) and not any(
            s.matches(data, source) for s in self.public)
