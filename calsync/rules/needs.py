"""Which attributes a rule needs, and a warning when no enabled source can set one.

A rule that selects, joins or partitions on an attribute (`fund_period`, `budget_year`,
`programme`) sees only events that carry it. When no enabled connector sets it (neither
its type, nor its `attrs:`, nor a mapping rule), the rule can never fire and silently
looks satisfied; `calsync check` says so, at the rule's line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from calsync.config.rulebase import RuleBase, SelectorRef
from calsync.config.schema import Config
from calsync.errors import Problem
from calsync.sdk.contract import Connector
from calsync.selectors import Selector

__all__ = ["attribute_warnings", "needed_attrs"]

# Keys that are event fields, not attributes (see calsync.rules.keys.key_fn).
_FIELDS = frozenset({"actor", "level", "kind", "source", "uid", "title", "description", "url",
                     "location", "timezone", "external_uid", "status"})

Path = tuple[str | int, ...]


def _selector_attrs(config: Config, ref: SelectorRef) -> list[str]:
    selector: Selector | None = config.selectors.get(ref) if isinstance(ref, str) else ref
    if selector is None or not selector.where:
        return []
    return [k for k in selector.where if k not in _FIELDS]


def needed_attrs(config: Config, rule: RuleBase) -> Iterator[tuple[Path, str]]:
    """(path inside the rule, attribute) for every attribute the rule reads."""
    for path, ref in rule.selector_refs():
        for attr in _selector_attrs(config, ref):
            yield path, attr
    keyed: list[tuple[Path, list[str]]] = [(("partition",), getattr(rule, "partition", []))]
    for path, holder in (((), rule), (("relative_to",), getattr(rule, "relative_to", None)),
                         (("span",), getattr(rule, "span", None))):
        join = getattr(holder, "join", None)
        if join is not None:
            a, b = join.sides()
            keyed.append(((*path, "join"), [*a, *b]))
    year = getattr(rule, "year", None)
    if year is not None and year.attr:
        keyed.append((("year", "attr"), [year.attr]))
    not_before = getattr(rule, "not_before", None)
    if not_before is not None:
        keyed.append((("not_before", "match"), not_before.match))
    for i, window in enumerate(getattr(rule, "windows", [])):
        keyed.append((("windows", i, "match"), window.match))
    for path, keys in keyed:
        for key in keys:
            if key not in _FIELDS and not key.startswith("@"):
                yield path, key


def _provided(connectors: Mapping[str, Connector]) -> set[str] | None:
    """Every attribute some enabled connector may set; None when one cannot tell."""
    found: set[str] = set()
    for connector in connectors.values():
        config = connector.config
        if not config.enabled:
            continue
        own = getattr(connector, "provided_attrs", None)
        provided = own() if own is not None else None
        if provided is None:
            return None
        found |= set(provided) | set(config.attrs)
        for rule in config.mapping:
            found |= rule.sets_attrs()
    return found


def attribute_warnings(config: Config, connectors: Mapping[str, Connector]) -> list[Problem]:
    """A warning per enabled rule and attribute that no enabled connector sets."""
    provided = _provided(connectors)
    if provided is None:
        return []
    out: list[Problem] = []
    for rule_id, rule in config.rules.items():
        if not rule.enabled:
            continue
        seen: set[str] = set()
        for path, attr in needed_attrs(config, rule):
            if attr in provided or attr in seen:
                continue
            seen.add(attr)
            out.append(config.problem(
                ("rules", rule_id, *path),
                f"{rule_id} needs events with the attribute '{attr}', and no enabled "
                f"connector sets it: the rule cannot fire. Give a connector `attrs: "
                f"{{{attr}: …}}` or a mapping rule with `attrs:` or `capture:` (README, "
                f"\"Mapping\")"))
    return out
