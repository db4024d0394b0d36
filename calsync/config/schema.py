"""The shape of config.yaml, as strict pydantic models (unknown keys are errors).

Connector entries are validated in two steps: the keys every connector shares
(`ConnectorConfig`), then the rest against the chosen connector's own `Options` model,
so a typo in either is reported with its file and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from calsync.alerts.config import AlertsConfig
from calsync.config.mapping import AttrMap, MappingRule
from calsync.config.organisations import Organisation, Organisations, check_unambiguous
from calsync.configtypes import Schedule, StrictModel, check_timezone
from calsync.durations import Duration, parse_duration
from calsync.errors import Problem
from calsync.model import DEFAULT_KINDS
from calsync.rules.config import Rule
from calsync.scheduler.settings import SchedulerConfig, Seconds
from calsync.selectors import Selector

__all__ = [
    "API_SCOPES",
    "ApiConfig",
    "ApiTokenConfig",
    "Config",
    "ConnectorConfig",
    "DatabaseConfig",
    "FeedConfig",
    "HorizonConfig",
    "LevelConfig",
    "MappingRule",
    "Organisation",
    "ScheduleConfig",
    "ServerConfig",
    "StrictModel",
]

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
API_SCOPES = ("admin", "sync", "alerts")


class ServerConfig(StrictModel):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    public_url: str | None = Field(
        None, description="Base URL users reach calsync at; defaults to http://host:port.")
    uid_domain: str = Field(
        "calsync", description="Right-hand side of every event UID; set it once, never change it.")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class DatabaseConfig(StrictModel):
    url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite in data_dir. "
                          "CALSYNC_DATABASE_URL overrides it.")


class HorizonConfig(StrictModel):
    """How far back and ahead recurring cycles are expanded."""

    past: Duration = Field(default_factory=lambda: parse_duration("P5Y"))
    future: Duration = Field(default_factory=lambda: parse_duration("P10Y"))


class LevelConfig(StrictModel):
    title: str
    color: str = "#666666"


class ScheduleConfig(Schedule):
    """When the scheduler runs a connector: every `every`, or on a cron expression."""

    max_runtime: Seconds | None = Field(
        None, description="Longest run of one sync (default: scheduler.max_runtime).")
    misfire_grace: Seconds | None = Field(
        None, description="A tick later than this is recorded as missed, not run "
                          "(default: scheduler.misfire_grace).")


class ConnectorConfig(BaseModel):
    """Keys shared by every connector; the remaining keys are the connector's options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    enabled: bool = True
    title: str | None = None
    level: str | None = None
    actor: str | None = None
    kind: str | None = None
    tags: list[str] = Field(default_factory=list)
    timezone: str | None = None
    attrs: AttrMap = Field(
        default_factory=dict,
        description="Attributes every event of the connector gets unless it sets its own.")
    mapping: list[MappingRule] = Field(default_factory=list)
    schedule: ScheduleConfig | None = None
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds per HTTP request.")
    max_removal_share: float = Field(
        0.5, ge=0, le=1,
        description="A sync that would cancel more than this share of the source's upcoming "
                    "events is held back until an admin accepts it.")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @property
    def options(self) -> dict[str, Any]:
        """The connector-specific keys, still raw; the registry validates them."""
        return dict(self.model_extra or {})


class ApiTokenConfig(StrictModel):
    """One named admin token: the secret comes from the environment (`${NAME}`), the
    name is what admin actions are attributed to."""

    token: SecretStr = Field(description="The bearer secret; write ${ENV_VAR}, never the value.")
    scopes: list[str] = Field(default_factory=lambda: ["admin"],
                              description="admin (everything), sync, alerts.")

    @model_validator(mode="before")
    @classmethod
    def _long_enough(cls, data: Any) -> Any:
        # On the whole entry, so the error report never echoes the secret itself.
        token = data.get("token") if isinstance(data, dict) else None
        if isinstance(token, str) and len(token) < 16:
            raise ValueError("the token needs at least 16 characters "
                             "(e.g. `openssl rand -hex 24`)")
        return data

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in API_SCOPES]
        if unknown:
            raise ValueError(f"unknown scope(s) {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(API_SCOPES)}")
        return value


class ApiConfig(StrictModel):
    """The HTTP API: named admin bearer tokens (none configured: nothing admin is reachable)."""

    tokens: dict[str, ApiTokenConfig] = Field(default_factory=dict)
    stale_after: Duration = Field(
        default_factory=lambda: parse_duration("P1D"),
        description="An enabled source without a successful sync for this long is stale "
                    "(shown in /api/sources; /readyz fails).")


class FeedConfig(StrictModel):
    """A published iCal feed: a name in the URL, a title for calendar apps, a selector.

    A feed named `all` replaces the built-in `/feeds/all.ics` (e.g. to make it private).
    """

    title: str
    description: str = ""
    select: Selector = Field(default_factory=Selector)
    private: bool = Field(False, description="Only reachable at a URL with a secret token "
                                             "(`calsync feeds rotate-token NAME`).")
    keep_cancelled: Duration = Field(
        default_factory=lambda: parse_duration("P30D"),
        description="How long a cancelled event stays in the feed as STATUS:CANCELLED.")
    refresh: Duration = Field(default_factory=lambda: parse_duration("PT6H"),
                              description="Suggested polling interval (REFRESH-INTERVAL).")
    alarms: dict[str, list[Duration]] = Field(
        default_factory=dict,
        description="Reminders per event kind, before the start: {deadline: [P7D, P1D]}.")
    color: str | None = Field(None, description="Calendar colour (#rrggbb) for Apple clients.")

    @field_validator("alarms", mode="before")
    @classmethod
    def _alarm_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value

    @field_validator("alarms")
    @classmethod
    def _alarm_units(cls, value: dict[str, list[Duration]]) -> dict[str, list[Duration]]:
        for kind, befores in value.items():
            for before in befores:
                if before.years or before.months:
                    raise ValueError(f"alarm for {kind!r}: use weeks, days, hours or minutes "
                                     "(a reminder cannot be in years or months)")
        return value


class Config(StrictModel):
    """Everything in config.yaml. `base_dir` (the file's folder) anchors relative paths."""

    timezone: str = "Europe/Stockholm"
    data_dir: str = "data"
    horizon: HorizonConfig = Field(default_factory=HorizonConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    levels: dict[str, LevelConfig] = Field(default_factory=lambda: {
        "eu": LevelConfig(title="EU", color="#1f4e9c"),
        "national": LevelConfig(title="National", color="#b8860b"),
        "regional": LevelConfig(title="Regional", color="#2e8b57"),
        "municipal": LevelConfig(title="Municipal", color="#8b3a62"),
    })
    kinds: list[str] = Field(default_factory=lambda: list(DEFAULT_KINDS))
    connectors: dict[str, ConnectorConfig] = Field(default_factory=dict)
    feeds: dict[str, FeedConfig] = Field(default_factory=dict)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    organisations: list[Organisation] = Field(
        default_factory=list,
        description="The organisations calsync works for; every other actor is external.")
    selectors: dict[str, Selector] = Field(default_factory=dict)
    rules: dict[str, Rule] = Field(default_factory=dict)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    base_dir: Path = Field(default=Path(), exclude=True)
    source_file: str = Field(default="config.yaml", exclude=True)
    _options: dict[str, BaseModel] = PrivateAttr(default_factory=dict)
    _located: Any = PrivateAttr(None)  # the loaded file with its lines, for warnings

    def problem(self, path: tuple[str | int, ...], message: str) -> Problem:
        """A problem (or warning) at `path` in the config file, with its line."""
        if self._located is not None:
            found: Problem = self._located.problem(path, message)
            return found
        return Problem(self.source_file, None, ".".join(map(str, path)), message)

    def connector_options(self, name: str) -> BaseModel:
        """The validated options of connector `name` (set by `load_config`)."""
        return self._options[name]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("organisations")
    @classmethod
    def _organisations(cls, value: list[Organisation]) -> list[Organisation]:
        return check_unambiguous(value)

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        path = Path(path)
        return path if path.is_absolute() else self.base_dir / path

    def database_url(self, env: Mapping[str, str] | None = None) -> str:
        env = os.environ if env is None else env
        if url := env.get("CALSYNC_DATABASE_URL"):
            return url
        if self.database.url:
            return self.database.url
        return f"sqlite:///{self.resolve(self.data_dir) / 'calsync.db'}"

    @property
    def owners(self) -> Organisations:
        """Who can move what: the configured organisations, by actor."""
        return Organisations.of(self.organisations)

    def level_color(self, level: str) -> str:
        found = self.levels.get(level)
        return found.color if found else "#666666"

