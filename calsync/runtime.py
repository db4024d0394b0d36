"""Everything a running calsync needs, built once from config: the CLI, the web app and
the scheduler all start from a `Runtime`, so they can never disagree about the setup."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from calsync.clock import Clock, SystemClock
from calsync.config import load_config
from calsync.config.schema import Config
from calsync.errors import ConfigError, NotFoundError, Problem
from calsync.sdk.contract import Connector
from calsync.sdk.registry import build_connector
from calsync.store.engine import make_engine

if TYPE_CHECKING:
    from calsync.sync import Syncer

__all__ = ["Runtime", "build_connectors"]


def build_connectors(config: Config) -> dict[str, Connector]:
    """Instantiate every configured connector (enabled or not), collecting all problems."""
    built: dict[str, Connector] = {}
    problems: list[Problem] = []
    for name, conn_config in config.connectors.items():
        try:
            built[name] = build_connector(name, conn_config, config.connector_options(name),
                                          config.base_dir)
        except ConfigError as exc:
            # "config" stands for config.yaml: give it the real file and the entry's line.
            for p in exc.problems:
                if p.file == "config":
                    path = p.path or f"connectors.{name}"
                    p = Problem(config.source_file, config.line_of(path), path, p.message)
                problems.append(p)
    for connector in built.values():
        problems += connector.check(set(config.levels), set(config.kinds))
    if problems:
        raise ConfigError(problems)
    return built


@dataclass
class Runtime:
    config: Config
    clock: Clock = field(default_factory=SystemClock)
    connectors: dict[str, Connector] = field(default_factory=dict)
    _engine: Engine | None = None

    @classmethod
    def load(cls, path: Path | str | None = None, *, clock: Clock | None = None) -> Runtime:
        """Validate config and every file it names; raises ConfigError listing all problems."""
        return cls.from_config(load_config(path), clock=clock)

    @classmethod
    def from_config(cls, config: Config, *, clock: Clock | None = None,
                    engine: Engine | None = None) -> Runtime:
        return cls(config=config, clock=clock or SystemClock(),
                   connectors=build_connectors(config), _engine=engine)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.config.database_url())
        return self._engine

    def close(self) -> None:
        """Dispose of the engine if one was made (its pooled connections close)."""
        if self._engine is not None:
            self._engine.dispose()

    def syncer(self) -> Syncer:
        # Only the commands that sync import the sync (and httpx): not evaluate, alerts, ...
        from calsync.sync import Syncer

        return Syncer(self.engine, self.config, self.clock)

    def select_connectors(self, names: list[str] | None = None) -> list[Connector]:
        """The named connectors (enabled or not), or every enabled one."""
        if not names:
            return [c for c in self.connectors.values() if c.config.enabled]
        unknown = [n for n in names if n not in self.connectors]
        if unknown:
            raise NotFoundError(
                f"no connector named {', '.join(map(repr, unknown))} in "
                f"{self.config.source_file}; configured: {', '.join(sorted(self.connectors))}")
        return [self.connectors[n] for n in names]
