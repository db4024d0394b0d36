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
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from calsync.config.alerts import AlertsConfig
from calsync.config.organisations import (
    Organisation,
    OrganisationConfig,
    Organisations,
    check_unambiguous,
)
from calsync.config.rules import Rule
from calsync.config.scheduler import SchedulerConfig
from calsync.config.yamlfile import format_path
from calsync.configtypes import Localized, StrictModel, Text, check_timezone, text_in
from calsync.durations import Duration, parse_duration
from calsync.errors import ConfigError, Problem
from calsync.i18n.languages import DEFAULT_LANGUAGE, Language
from calsync.model import DEFAULT_KINDS
from calsync.sdk.settings import ConnectorConfig
from calsync.selectors import Selector

__all__ = [
    "API_SCOPES",
    "ApiConfig",
    "ApiTokenConfig",
    "Config",
    "DatabaseConfig",
    "FeedConfig",
    "FeedWindow",
    "HorizonConfig",
    "LevelConfig",
    "Organisation",
    "OrganisationConfig",
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
    title: Text = Field(description="The level's name on the dashboard's lanes, in listings "
                                    "and in the API: a text or {sv: ..., en: ...}.")
    color: str = "#666666"
    color_name: str | None = Field(
        None, description="RFC 7986 COLOR of this level's events in feeds: a CSS3 colour "
                          "name (seagreen, royalblue).")

    @field_validator("color_name")
    @classmethod
    def _css_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z]+", value):
            raise ValueError("expected a CSS3 colour name in lowercase letters, such as "
                             "seagreen or royalblue")
        return value


class FeedWindow(StrictModel):
    """How far back and ahead a subscribed feed reaches (null: no limit that way)."""

    past: Duration | None = Field(default_factory=lambda: parse_duration("P1Y"))
    future: Duration | None = Field(default_factory=lambda: parse_duration("P3Y"))


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

    title: Text = Field(description="What calendar apps call the feed: a plain string, or "
                                    "both languages ({sv: ..., en: ...}).")
    description: Text = ""
    language: Language | None = Field(
        None, description="sv or en: the feed's texts (default: the top-level language; "
                          "?lang= on the URL overrides it).")
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
    spans: Literal["milestones", "full"] = Field(
        "milestones", description="Long all-day spans as a period's first and last day and "
                                  "a 'no later than' window's deadline day, or in full.")
    window: FeedWindow | None = Field(
        default_factory=FeedWindow,
        description="Events within this far back and ahead of today (null: everything).")

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
    language: Language = Field(
        DEFAULT_LANGUAGE, description="sv or en: the language of every text calsync writes "
                                      "for people (feeds, findings, e-mails, pages).")
    data_dir: str = "data"
    horizon: HorizonConfig = Field(default_factory=HorizonConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    levels: dict[str, LevelConfig] = Field(default_factory=lambda: {
        "eu": LevelConfig(title="EU", color="#1f4e9c", color_name="royalblue"),
        "national": LevelConfig(title=Localized(sv="Nationell", en="National"),
                                color="#b8860b", color_name="darkgoldenrod"),
        "regional": LevelConfig(title="Regional", color="#2e8b57", color_name="seagreen"),
        "municipal": LevelConfig(title=Localized(sv="Kommunal", en="Municipal"),
                                 color="#8b3a62", color_name="mediumvioletred"),
    })
    kinds: list[str] = Field(default_factory=lambda: list(DEFAULT_KINDS))
    connectors: dict[str, ConnectorConfig] = Field(default_factory=dict)
    feeds: dict[str, FeedConfig] = Field(default_factory=dict)
    organisations: dict[str, OrganisationConfig] = Field(
        default_factory=dict,
        description="The organisations calsync works for, by name (every other actor is "
                    "external): their bodies, other actor names and the pages their events "
                    "link to.")
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    selectors: dict[str, Selector] = Field(default_factory=dict)
    rules: dict[str, Rule] = Field(default_factory=dict)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    base_dir: Path = Field(default=Path(), exclude=True)
    source_file: str = Field(default="config.yaml", exclude=True)
    _options: dict[str, BaseModel] = PrivateAttr(default_factory=dict)
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)
    _missing: list[Problem] = PrivateAttr(default_factory=list)

    @property
    def missing_secrets(self) -> list[Problem]:
        """Unset `${VAR}`s of secrets only some commands use (api.tokens), at their lines."""
        return list(self._missing)

    def require_secrets(self, who: str) -> None:
        """Refuse (ConfigError naming each unset variable) if a deferred secret is unset:
        for the commands that use them (`calsync serve`: the API's tokens)."""
        if self._missing:
            raise ConfigError([Problem(p.file, p.line, p.path, f"{p.message}; {who} needs it")
                               for p in self._missing])

    def line_of(self, path: str) -> int | None:
        """The line in `source_file` of the deepest key along the dotted `path`
        (`connectors.eu.paths`), for problems found after loading (set by `load_config`)."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path.rpartition(".")[0]
        return None

    def problem(self, path: tuple[str | int, ...], message: str) -> Problem:
        """A problem (or warning) at `path` in the config file, with its line."""
        dotted = format_path(path)
        return Problem(self.source_file, self.line_of(dotted), dotted, message)

    def connector_options(self, name: str) -> BaseModel:
        """The validated options of connector `name` (set by `load_config`)."""
        return self._options[name]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("organisations")
    @classmethod
    def _organisations(cls, value: dict[str, Organisation]) -> dict[str, Organisation]:
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

    def feed_language(self, feed: FeedConfig | None) -> Language:
        """The language a feed is written in when its URL asks for none."""
        return feed.language if feed is not None and feed.language else self.language

    def level_color(self, level: str) -> str:
        found = self.levels.get(level)
        return found.color if found else "#666666"

    def level_title(self, level: str, language: Language) -> str:
        """A level's name for people in `language` (an unknown level shows as its key)."""
        found = self.levels.get(level)
        return text_in(found.title, language) if found else level

    def level_titles(self, language: Language) -> dict[str, str]:
        """Every level's name in `language`, for writers that name an event's level
        beside its organisation (the iCalendar descriptions)."""
        return {name: self.level_title(name, language) for name in self.levels}

