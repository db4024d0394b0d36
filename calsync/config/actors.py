"""Actors named in selectors that no source gives: "did you mean 'Umeå kommun'?".

`actor: Umea kommun` in a feed is valid YAML and a valid selector, and selects nothing:
the feed is empty and nobody is told why. `calsync check` compares every actor pattern in
feeds, named selectors and rules with the actors calsync knows of (the organisations and
their actor names, what each connector can give its events, and, when the database is at
hand, the actors of stored events) and warns, with the closest known actor, about a
pattern that matches none of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from fnmatch import fnmatchcase

from calsync.config.schema import Config
from calsync.config.suggest import did_you_mean
from calsync.errors import Problem
from calsync.sdk.contract import Connector
from calsync.selectors import Selector

__all__ = ["actor_warnings", "configured_actors"]

PathKey = tuple[str | int, ...]


def configured_actors(config: Config, connectors: Mapping[str, Connector]) -> set[str]:
    """Actors the configuration itself names: organisations (their names and the plain,
    glob-free entries of their `actors:`) and what each connector may give its events."""
    found: set[str] = set()
    for name, org in config.organisations.items():
        found.add(name)
        found |= {a for a in org.actors if not any(c in a for c in "*?[")}
    for connector in connectors.values():
        own = getattr(connector, "provided_actors", None)
        found |= set(own()) if own is not None else set()
    return found


def _selectors(config: Config) -> Iterator[tuple[PathKey, Selector]]:
    for name, feed in config.feeds.items():
        yield ("feeds", name, "select"), feed.select
    for name, selector in config.selectors.items():
        yield ("selectors", name), selector
    for rule_id, rule in config.rules.items():
        for path, ref in rule.selector_refs():
            if isinstance(ref, Selector):
                yield ("rules", rule_id, *path), ref


def actor_warnings(config: Config, known: Collection[str]) -> list[Problem]:
    """A warning per actor pattern that matches no known actor (none when nothing is
    known: then there is nothing to compare with)."""
    if not known:
        return []
    out: list[Problem] = []
    for path, selector in _selectors(config):
        for i, pattern in enumerate(selector.actor or []):
            if any(fnmatchcase(actor, pattern) for actor in known):
                continue
            hint = did_you_mean(pattern.strip("*? "), known)
            out.append(config.problem(
                (*path, "actor", i),
                f"actor {pattern!r} matches no actor of the organisations, connectors, "
                f"schedules or stored events, so it selects nothing{hint or '.'}"))
    return out
