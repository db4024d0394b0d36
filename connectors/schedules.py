"""Built-in cycle definitions (`schedules/*.yaml`) as a connector.

The files are read from disk, checked together with every other file in their folder
(cycles refer to each other across files), and expanded within the horizon. No network
is involved, so the bundled pilot works offline. Editing a file takes effect at the next
sync; a broken edit fails that sync with file:line problems and keeps the stored events.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from calsync.config import display_path
from calsync.cycles.catalog import Catalog, load_catalog
from calsync.cycles.expand import expand_entry
from calsync.errors import ConfigError, FatalFetchError, Problem
from calsync.model import EventData
from calsync.sdk.contract import (
    BaseConnector,
    FetchContext,
    Horizon,
    NotModified,
    Options,
    Record,
    Snapshot,
    record_key,
)
from calsync.sdk.settings import ConnectorConfig

__all__ = ["SchedulesConnector", "SchedulesOptions"]


class SchedulesOptions(Options):
    paths: list[str] = Field(
        min_length=1,
        description="Files (or glob patterns) of cycle definitions to publish, relative to "
                    "the config file; every YAML file in their folders is loaded for "
                    "cross-references.")


class SchedulesConnector(BaseConnector):
    """Publishes the built-in policy cycles of `schedules/` as events."""

    type = "schedules"
    title = "Built-in cycle definitions"
    Options = SchedulesOptions

    def __init__(self, name: str, config: ConnectorConfig, options: BaseModel,
                 base_dir: Path) -> None:
        super().__init__(name, config, options, base_dir)
        assert isinstance(options, SchedulesOptions)
        self.files = self._files(options)
        self.catalog = self._load()

    def _files(self, options: SchedulesOptions) -> list[Path]:
        files: list[Path] = []
        missing = []
        for pattern in options.paths:
            matched = sorted(self.base_dir.glob(pattern)) if any(
                c in pattern for c in "*?[") else [self.resolve(pattern)]
            existing = [p.resolve() for p in matched if p.is_file()]
            if not existing:
                missing.append(pattern)
            files += existing
        if missing:
            raise ConfigError.single(
                "config", f"no schedule file matches {', '.join(map(repr, missing))} "
                          f"(looked in {display_path(self.base_dir)})",
                path=f"connectors.{self.name}.paths")
        return files

    def _load(self) -> Catalog:
        library = {f for folder in {p.parent for p in self.files}
                   for f in folder.glob("*.yaml")}
        library.update(self.files)
        return load_catalog(sorted(library), display={p.resolve(): display_path(p)
                                                      for p in library})

    def provided_attrs(self) -> frozenset[str]:
        """What the published cycles carry: their `attrs`, their step identity and the
        provenance every cycle has."""
        found = {"cycle", "precision", "certainty", "legal_status"}
        for path in self.files:
            for cycle_id in self.catalog.ids_in(path):
                entry = self.catalog.entries[cycle_id].entry
                found |= set(entry.attrs) | set(entry.step_attrs())
        return frozenset(found)

    def provided_actors(self) -> frozenset[str]:
        """The actors of the published cycles (their own, or their file's default)."""
        found = set(super().provided_actors())
        for path in self.files:
            for cycle_id in self.catalog.ids_in(path):
                item = self.catalog.entries[cycle_id]
                found.add(item.entry.actor or item.defaults.actor or "")
        return frozenset(a for a in found if a)

    def check(self, levels: Collection[str], kinds: Collection[str]) -> list[Problem]:
        """Levels and kinds the cycles use must be defined in the config: a typo such as
        `kind: holidy` would otherwise reach the timeline unnoticed."""
        problems = []
        for path in self.files:
            for cycle_id in self.catalog.ids_in(path):
                item = self.catalog.entries[cycle_id]
                for key, known, fallback in (("level", levels, self.config.level),
                                             ("kind", kinds, self.config.kind)):
                    value = getattr(item.entry, key) or getattr(item.defaults, key) or fallback
                    if value is None:
                        problems.append(item.problem(key, (
                            f"cycle {cycle_id!r} has no {key}; set it on the cycle, in the "
                            f"file's defaults, or on connector {self.name!r}")))
                    elif value not in known:
                        problems.append(item.problem(key, (
                            f"unknown {key} {value!r}; known: {', '.join(sorted(known))} "
                            f"(add it under '{key}s:' in the config to define it)")))
        return problems

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        try:
            self.catalog = self._load()
        except ConfigError as exc:
            raise FatalFetchError(f"schedule files have errors: {exc}",
                                  connector=self.name) from None
        records = [Record(record_key(repr(event.material()), event.external_uid), event)
                   for event in self._expand(ctx.horizon)]
        return Snapshot(records, payload_hash=record_key(*(r.key for r in records)))

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        assert isinstance(record.data, EventData)
        return [record.data]

    def _expand(self, horizon: Horizon) -> Iterable[EventData]:
        tz = self.config.timezone or "Europe/Stockholm"
        first, last = horizon.start.date(), horizon.end.date()
        for path in self.files:
            for cycle_id in self.catalog.ids_in(path):
                yield from expand_entry(self.catalog, cycle_id, first, last, tz)
