"""The connector contract: the little calsync needs from a source of events.

A connector is a class with

- `type`: the name used in config.yaml (`type: ical`),
- `title` and a docstring, from which the docs are built,
- `Options`: a pydantic model (extra keys forbidden) of its own config keys,
- `async fetch(ctx)`: read the upstream and return a `Snapshot` of raw `Record`s (or
  `NotModified`), using only what `ctx` gives it: the shared HTTP client, the clock,
  the previous `Bookmark` and the expansion horizon. It never opens a client of its
  own, sleeps or reads the environment;
- `to_events(record, horizon)`: a pure function from one record to the events it
  describes, so mapping is testable from fixture files with no server at all;
- `check(levels, kinds)`: problems only the whole config reveals (a level or kind the
  connector's local files use that config.yaml does not define); `BaseConnector`'s
  finds none.

Each record carries a `key`: a hash of its raw content. When a record's key is one the
store already holds for this source (and the connector's config is unchanged), the sync
knows its events are unchanged without mapping it again; this is what makes re-syncing
a large, mostly unchanged feed cheap.
"""

from __future__ import annotations

import builtins
import hashlib
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from calsync.clock import Clock
from calsync.errors import Problem
from calsync.model import EventData
from calsync.sdk.settings import ConnectorConfig

if TYPE_CHECKING:  # the client comes from the sync; loading the config need not import it
    import httpx

__all__ = [
    "BaseConnector",
    "Bookmark",
    "Connector",
    "FetchContext",
    "Horizon",
    "NotModified",
    "Options",
    "Record",
    "Snapshot",
    "record_key",
]


class Options(BaseModel):
    """Base for connector options: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class Horizon:
    """The window recurring events are expanded in: [start, end). `now` is when the sync
    runs: a capped series keeps the occurrences nearest to it (None: the start)."""

    start: datetime
    end: datetime
    now: datetime | None = None


@dataclass(frozen=True, slots=True)
class Bookmark:
    """What a source remembers between syncs."""

    etag: str | None = None
    last_modified: str | None = None
    payload_hash: str | None = None
    cursor: str | None = None
    fingerprint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Bookmark:
        data = data or {}
        return cls(**{k: data.get(k) for k in cls.__slots__})


@dataclass(frozen=True, slots=True)
class Record:
    """One raw upstream item. `key` hashes its raw content; `data` is whatever
    the connector's `to_events` needs."""

    key: str
    data: Any
    identity: str | None = None
    """The upstream id its events carry (`identity` or `identity/...`), if known: the
    stored events of a record that cannot be read this time are kept by it."""


def record_key(*parts: str | bytes) -> str:
    """A record key from raw content parts."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x1f")
    return h.hexdigest()


@dataclass(slots=True)
class Snapshot:
    """What a fetch found upstream.

    `complete` says the records are everything the upstream has now (so events missing
    from it have disappeared); an incremental fetch sets it False. `payload_hash` lets a
    byte-identical payload short-circuit the whole sync.

    `records` may be lazy (a generator): the sync reads it once, in order, in a worker
    thread, planning a batch at a time. An exception raised while reading it (a payload
    found broken half-way) fails the sync like a failed fetch: nothing is written.
    """

    records: Iterable[Record]
    etag: str | None = None
    last_modified: str | None = None
    payload_hash: str | None = None
    cursor: str | None = None
    complete: bool = True


@dataclass(frozen=True, slots=True)
class NotModified:
    """The upstream said nothing changed since the bookmark (e.g. HTTP 304)."""


@dataclass(slots=True)
class FetchContext:
    """What a fetch may use. `bookmark` is the last good sync's; its validators and
    payload hash are blanked when the sync must not be short-circuited (config or horizon
    changed, removals held), so a connector may return NotModified whenever the upstream
    matches them (a 304, or a body whose hash equals `bookmark.payload_hash`)."""

    http: httpx.AsyncClient
    clock: Clock
    bookmark: Bookmark
    horizon: Horizon
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("calsync.connector"))


@runtime_checkable
class Connector(Protocol):
    type: ClassVar[str]
    title: ClassVar[str]
    Options: ClassVar[builtins.type[BaseModel]]
    name: str
    config: ConnectorConfig

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified: ...

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]: ...

    def check(self, levels: Collection[str], kinds: Collection[str]) -> list[Problem]: ...


class BaseConnector:
    """Holds what every connector is built with; subclasses add `fetch` and `to_events`.

    `base_dir` is the config file's folder, for options that name local files.
    Construction may read local files (and raise ConfigError) but never the network.
    """

    type: ClassVar[str]
    title: ClassVar[str]
    Options: ClassVar[builtins.type[BaseModel]] = Options
    attributes: ClassVar[frozenset[str] | None] = None
    """The attributes this type's events may carry before mapping (`calsync check` warns
    about rules needing an attribute no source sets); None: not known."""

    def provided_attrs(self) -> frozenset[str] | None:
        """Attributes this connector's events may carry before its `attrs:`/`mapping:`."""
        return self.attributes

    def provided_actors(self) -> frozenset[str]:
        """Actors this connector's events may have that are known without fetching: its
        `actor:` default and its mapping rules' (`calsync check` compares selectors'
        actors with them)."""
        found = {self.config.actor} | {rule.actor for rule in self.config.mapping}
        return frozenset(a for a in found if a)

    def __init__(self, name: str, config: ConnectorConfig, options: BaseModel,
                 base_dir: Path) -> None:
        self.name = name
        self.config = config
        self.options = options
        self.base_dir = base_dir

    def resolve(self, path: str | Path) -> Path:
        path = Path(path)
        return path if path.is_absolute() else self.base_dir / path

    def check(self, levels: Collection[str], kinds: Collection[str]) -> list[Problem]:
        """Problems that need the whole config (see the module docstring); none here."""
        return []
