"""Loading config.yaml: the only way configuration gets into calsync.

`load_config(path)` reads the file, validates every part of it (shared keys, each
connector's own options, references between sections) and raises one `ConfigError`
listing every problem with its file and line, or returns a `Config` ready to use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from calsync.config.checks import check_rules
from calsync.config.report import validate_located
from calsync.config.schema import NAME_PATTERN as _NAME
from calsync.config.schema import Config
from calsync.config.suggest import did_you_mean, keys_at
from calsync.config.wording import config_error_frame, unknown_connector
from calsync.config.yamlfile import Located, format_path, load_yaml, parse_yaml
from calsync.errors import ConfigError, Problem
from calsync.i18n.languages import DEFAULT_LANGUAGE, Language, parse_language
from calsync.sdk.registry import UnknownConnectorType, connector_class
from calsync.sdk.settings import ConnectorConfig

__all__ = ["default_config_path", "display_path", "load_config", "load_config_text"]

RESERVED_FEED_NAMES = frozenset({"all", "alerts"})  # built-in feeds at /feeds/<name>.ics
#: Secrets only the HTTP API uses: commands that do not serve it run without them.
DEFERRED_SECRETS: tuple[tuple[str | int, ...], ...] = (("api", "tokens"),)


def default_config_path() -> Path:
    return Path(os.environ.get("CALSYNC_CONFIG", "config.yaml"))


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_config(path: Path | str | None = None) -> Config:
    path = Path(path) if path is not None else default_config_path()
    located = load_yaml(path, display=display_path(path), deferred=DEFERRED_SECRETS)
    return _from_located(located, base_dir=path.resolve().parent)


def load_config_text(text: str, *, name: str = "config.yaml", base_dir: Path | None = None
                     ) -> Config:
    """Validate config given as text (tests, the API's config check)."""
    return _from_located(parse_yaml(text, name, deferred=DEFERRED_SECRETS),
                         base_dir=base_dir or Path.cwd())


def _from_located(located: Located, *, base_dir: Path) -> Config:
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([located.problem((), "the file must be a mapping of sections "
                                               "(connectors:, feeds:, ...)")])
    # The problems are written in the language the file asks for, if it names one.
    language = parse_language(data["language"]) if isinstance(data.get("language"), str) \
        else None
    lang: Language = language or DEFAULT_LANGUAGE
    config, problems = validate_located(Config, data, located, language=lang)
    if config is None:
        # Still report connector problems alongside the structural ones.
        problems += _connector_problems(data.get("connectors"), located, lang)[1]
        raise _config_error(problems, lang)
    connectors = {name: conn if conn.timezone else conn.model_copy(
        update={"timezone": config.timezone}) for name, conn in config.connectors.items()}
    config = config.model_copy(update={"base_dir": base_dir, "source_file": located.file,
                                       "connectors": connectors})
    options, connector_problems = _connector_problems(data.get("connectors"), located, lang)
    problems += connector_problems
    problems += _references(config, located)
    problems += check_rules(config, located)
    if problems:
        raise _config_error(problems, lang)
    config._options = options
    config._missing = list(located.missing)
    config._lines = {format_path(key): line for key, line in located.lines.items()
                     if "[" not in format_path(key)}
    return config


def _config_error(problems: list[Problem], language: Language) -> ConfigError:
    return ConfigError(problems, frame=config_error_frame(len(set(problems)), language))


def _connector_problems(section: Any, located: Located, language: Language
                        ) -> tuple[dict[str, BaseModel], list[Problem]]:
    options: dict[str, BaseModel] = {}
    problems: list[Problem] = []
    if not isinstance(section, dict):
        return options, problems
    for name, entry in section.items():
        prefix = ("connectors", name)
        if not isinstance(entry, dict):
            continue  # the Config model already reported it
        shared, errs = validate_located(ConnectorConfig, entry, located, prefix=prefix,
                                        language=language)
        problems += errs
        if shared is None:
            continue
        try:
            cls = connector_class(shared.type)
        except UnknownConnectorType as exc:
            text = str(exc) if exc.reason else (
                unknown_connector(exc.name, exc.known, language)
                + did_you_mean(shared.type, exc.known, language))
            problems.append(located.problem((*prefix, "type"), text))
            continue
        opts, errs = validate_located(cls.Options, shared.options, located, prefix=prefix,
                                      top_keys=keys_at(ConnectorConfig, ()), language=language)
        problems += errs
        if opts is not None:
            options[name] = opts
    return options, problems


def _references(config: Config, located: Located) -> list[Problem]:
    """Names used in one place that must be defined in another (levels, kinds)."""
    problems = []
    levels, kinds = set(config.levels), set(config.kinds)

    def check(value: str | None, known: set[str], what: str, path: tuple[str | int, ...]
              ) -> None:
        if value is not None and value not in known:
            problems.append(located.problem(
                path, f"unknown {what} {value!r}{did_you_mean(value, known) or ';'} known: "
                      f"{', '.join(sorted(known))} (add it under '{what}s:' to define it)"))

    for section in ("connectors", "feeds", "levels"):
        for name in getattr(config, section):
            if not _NAME.match(name):
                problems.append(located.problem(
                    (section, name), f"name {name!r} may only use lowercase letters, digits, "
                                     "'-' and '_' (it appears in URLs and commands)"))
    for name, conn in config.connectors.items():
        check(conn.level, levels, "level", ("connectors", name, "level"))
        check(conn.kind, kinds, "kind", ("connectors", name, "kind"))
        for i, rule in enumerate(conn.mapping):
            check(rule.level, levels, "level", ("connectors", name, "mapping", i, "level"))
            check(rule.kind, kinds, "kind", ("connectors", name, "mapping", i, "kind"))
    for name in RESERVED_FEED_NAMES & set(config.feeds):
        problems.append(located.problem(
            ("feeds", name), f"the feed name {name!r} is taken by calsync's own "
                             f"/feeds/{name}.ics; choose another name"))
    for name, feed in config.feeds.items():
        for i, level in enumerate(feed.select.level or []):
            check(level, levels, "level", ("feeds", name, "select", "level", i))
        for i, kind in enumerate(feed.select.kind or []):
            check(kind, kinds, "kind", ("feeds", name, "select", "kind", i))
    return problems

