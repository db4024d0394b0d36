"""Checks across sections for the rule language, reported with file and line.

`calsync.config` runs `check_rules` once every section has validated on its own: a rule
naming a selector that `selectors:` does not define, a selector using a level or kind the
config does not know, a rule id unfit for an alert label.
"""

from __future__ import annotations

import re

from calsync.config.notify import DigestReceiver
from calsync.config.organisations import unknown_organisation
from calsync.config.schema import Config
from calsync.config.yamlfile import Located, PathKey
from calsync.errors import Problem
from calsync.selectors import Selector

__all__ = ["check_rules"]

_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _selector_problems(selector: Selector, config: Config, located: Located,
                       path: PathKey) -> list[Problem]:
    problems = []
    for field, known in (("level", set(config.levels)), ("kind", set(config.kinds))):
        for i, value in enumerate(getattr(selector, field) or []):
            if value not in known:
                problems.append(located.problem(
                    (*path, field, i), f"unknown {field} {value!r}; known: "
                                       f"{', '.join(sorted(known))}"))
    return problems


def check_rules(config: Config, located: Located) -> list[Problem]:
    problems: list[Problem] = []
    names = set(config.selectors)
    for name, selector in config.selectors.items():
        problems += _selector_problems(selector, config, located, ("selectors", name))
    for rule_id, rule in config.rules.items():
        if not _RULE_ID.match(str(rule_id)):
            problems.append(located.problem(
                ("rules", rule_id), f"rule id {rule_id!r} may use letters, digits, '.', '_' "
                                    "and '-' (it becomes the alert's name)"))
        for path, ref in rule.selector_refs():
            full = ("rules", rule_id, *path)
            if isinstance(ref, str):
                if ref not in names:
                    known = ", ".join(sorted(names)) or "(none defined)"
                    problems.append(located.problem(
                        full, f"unknown selector {ref!r}; known selectors: {known} "
                              "(define it under 'selectors:')"))
            else:
                problems += _selector_problems(ref, config, located, full)
    for name, receiver in config.alerts.receivers.items():
        if not _RULE_ID.match(name):
            problems.append(located.problem(
                ("alerts", "receivers", name),
                f"receiver name {name!r} may use letters, digits, '.', '_' and '-'"))
        if isinstance(receiver, DigestReceiver):
            where = ("alerts", "receivers", name)
            if receiver.organisation is not None and (
                    why := unknown_organisation(config.organisations, receiver.organisation)):
                problems.append(located.problem((*where, "organisation"), why))
            problems += _selector_problems(receiver.select, config, located, (*where, "select"))
    return problems
