"""Templates: a cycle written once for "every municipality", instantiated per actor.

Sweden's 290 municipalities and 21 regions all follow the same Local Government Act
budget cycle; only the names differ. A template holds those cycles with `{variable}`
placeholders, and an instance (one YAML entry per actor) fills in the variables, so an
admin adds a municipality with one line. Instances may skip, override or add cycles
where local practice is known (Umeå adopts its budget in June).

Instantiated cycles are ordinary `CycleEntry` objects with ordinary ids
(`kommun-2482.budget.council-adoption`), so expansion, references and conditions need
no special cases. Problems point at the template line when the template itself is
wrong, and at the instance line when the instance is (a missing variable, an unknown
cycle in `skip`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from calsync.config.report import validate_located
from calsync.config.yamlfile import Located, PathKey
from calsync.cycles.format import (
    PLACEHOLDER,
    YEAR_PLACEHOLDERS,
    CycleEntry,
    Instance,
    Template,
    TemplateDefaults,
)
from calsync.errors import Problem

__all__ = ["Instantiated", "LocatedTemplate", "check_templates", "instantiate"]


@dataclass(frozen=True, slots=True)
class LocatedTemplate:
    """A template with the file it was defined in (templates are shared by all files)."""

    name: str
    spec: Template
    located: Located

    @property
    def path(self) -> PathKey:
        return ("templates", self.name)


@dataclass(frozen=True, slots=True)
class Instantiated:
    """One cycle produced by an instance; `path` locates it (the instance or its override)."""

    entry: CycleEntry
    path: PathKey


@dataclass(frozen=True, slots=True)
class _Part:
    """A raw cycle and the template (or instance) it was written in."""

    raw: dict[str, Any]
    template: str


def check_templates(templates: dict[str, LocatedTemplate], invalid: frozenset[str] = frozenset()
                    ) -> tuple[list[Problem], set[str]]:
    """Problems of the templates themselves, and the names of the unusable templates.

    Cycles are validated with their placeholders in place, so a wrong rrule is reported
    once, at the template's line, rather than once per municipality. A template that
    includes a broken one is unusable too (its instances are skipped, not re-reported).
    `invalid` names templates that exist but failed validation (already reported).
    """
    problems: list[Problem] = []
    broken: set[str] = set(invalid)
    for tpl in templates.values():
        errs: list[Problem] = []
        for i, name in enumerate(tpl.spec.include):
            if name in invalid:
                broken.add(tpl.name)
            elif name not in templates:
                errs.append(tpl.located.problem(
                    (*tpl.path, "include", i),
                    f"unknown template {name!r}; known: {', '.join(sorted(templates))}"))
            elif _reaches(templates, name, tpl.name):
                errs.append(tpl.located.problem(
                    (*tpl.path, "include", i), f"including {name!r} forms a loop"))
        for i, raw in enumerate(tpl.spec.cycles):
            errs += validate_located(CycleEntry, raw, tpl.located,
                                     prefix=(*tpl.path, "cycles", i),
                                     context={"template": True})[1]
        if errs:
            broken.add(tpl.name)
        problems += errs
    while True:  # whatever includes a broken template is broken too
        more = {tpl.name for tpl in templates.values()
                if tpl.name not in broken and set(tpl.spec.include) & broken}
        if not more:
            return problems, broken
        broken |= more


def instantiate(instance: Instance, located: Located, index: int,
                templates: dict[str, LocatedTemplate]
                ) -> tuple[list[Instantiated], list[Problem]]:
    """The cycles that instance `index` of `located` creates, or the problems why not.

    Assumes `check_templates` passed for the templates involved.
    """
    here: PathKey = ("instances", index)
    if instance.template not in templates:
        known = ", ".join(sorted(templates)) or "none defined"
        return [], [located.problem((*here, "template"),
                                    f"unknown template {instance.template!r}; known: {known}")]
    tpl = templates[instance.template]
    chain = list(_chain(templates, tpl.name))
    variables, problems = _variables(instance, chain, located, here)
    if problems:
        return [], problems
    parts = [*_parts(templates, tpl.name), *(_Part(raw, tpl.name) for raw in instance.cycles)]
    # Like variables, defaults are inherited through `include`; the outer template wins.
    defaults = tuple(t.spec.defaults for t in chain)
    missing: dict[str, str] = {}
    produced: list[tuple[dict[str, Any], _Part, PathKey]] = []
    for part in parts:
        lacking: dict[str, str] = {}
        cid = _fill(part.raw.get("id", ""), variables, lacking)
        path = (*here, "override", cid) if cid in instance.override else here
        raw = {**part.raw, **instance.override.get(cid, {})}
        produced.append((_fill(_with_defaults(raw, defaults), variables, lacking),
                         part, path))
        for name in lacking:
            missing.setdefault(name, f"cycle {part.raw.get('id')!r}")
    if missing:
        return [], [located.problem(
            (*here, "vars"),
            f"template {tpl.name!r} needs variable {name!r} (used in {used_in}); "
            "give it under this instance's vars") for name, used_in in sorted(missing.items())]
    ids = [str(data.get("id")) for data, _, _ in produced]
    for key, names in (("skip", instance.skip), ("override", list(instance.override))):
        for name in names:
            if name not in ids:
                problems.append(located.problem(
                    (*here, key, name) if key == "override" else (*here, key),
                    f"template {tpl.name!r} creates no cycle {name!r} for this instance; "
                    f"its cycles: {', '.join(ids)}"))
    out: list[Instantiated] = []
    for data, part, path in produced:
        if data.get("id") in instance.skip:
            continue
        entry, errs = validate_located(CycleEntry, data, located, prefix=path)
        if entry is None:
            problems += [_explained(p, part, data) for p in errs]
            continue
        out.append(Instantiated(entry, path))
    return out, problems


def _explained(problem: Problem, part: _Part, data: dict[str, Any]) -> Problem:
    """Say which template cycle a problem at an instance line is about."""
    return Problem(problem.file, problem.line, problem.path,
                   f"{problem.message} (cycle {data.get('id')!r} from template "
                   f"{part.template!r})")


def _reaches(templates: dict[str, LocatedTemplate], start: str, target: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name == target:
            return True
        if name in seen or name not in templates:
            continue
        seen.add(name)
        todo += templates[name].spec.include
    return False


def _chain(templates: dict[str, LocatedTemplate], name: str) -> Iterator[LocatedTemplate]:
    """The template and everything it includes, each once, outermost first."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current in seen or current not in templates:
            continue
        seen.add(current)
        yield templates[current]
        todo += templates[current].spec.include


def _parts(templates: dict[str, LocatedTemplate], name: str,
           seen: frozenset[str] = frozenset()) -> Iterator[_Part]:
    """The raw cycles of a template, those of its includes first."""
    tpl = templates[name]
    for include in tpl.spec.include:
        if include in templates and include not in seen:
            yield from _parts(templates, include, seen | {name})
    for raw in tpl.spec.cycles:
        yield _Part(raw, name)


def _variables(instance: Instance, chain: list[LocatedTemplate], located: Located,
               here: PathKey) -> tuple[dict[str, str], list[Problem]]:
    """Template defaults (outer ones win over included ones), then the instance's own.

    Defaults may refer to other variables (`org: kommun-{code}`); an instance variable
    that no template uses is reported, since it is almost always a typo.
    """
    values: dict[str, str] = {}
    for tpl in reversed(chain):
        values.update(tpl.spec.vars)
    used = set(values) | {name for tpl in chain for name in _names_in(tpl.spec)}
    used |= set(_names_in([instance.override, instance.cycles]))
    problems = [located.problem((*here, "vars", name),
                                f"template {chain[0].name!r} does not use variable {name!r}; "
                                f"it uses: {', '.join(sorted(used - YEAR_PLACEHOLDERS))}")
                for name in instance.vars if name not in used]
    values.update(instance.vars)
    missing: dict[str, str] = {}
    for _ in range(len(values)):
        resolved = {k: _fill(v, values, missing) for k, v in values.items()}
        if resolved == values:
            break
        values = resolved
    looping = sorted(k for k, v in values.items() if set(PLACEHOLDER.findall(v)) & set(values))
    if looping:
        problems.append(located.problem(
            (*here, "vars"), f"variables {', '.join(looping)} refer to each other in a loop"))
    for name, used_in in sorted(missing.items()):
        problems.append(located.problem(
            (*here, "vars"), f"template {chain[0].name!r} needs variable {name!r} "
                             f"(used in the value {used_in!r}); give it under this "
                             "instance's vars"))
    return values, problems


def _names_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from PLACEHOLDER.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _names_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _names_in(item)
    elif isinstance(value, Template | TemplateDefaults):
        yield from _names_in(value.model_dump())


def _with_defaults(raw: dict[str, Any], defaults: tuple[TemplateDefaults, ...]
                   ) -> dict[str, Any]:
    out = dict(raw)
    for layer in defaults:  # the first layer (the instance's own template) wins
        for key in ("level", "actor", "kind"):
            if out.get(key) is None and getattr(layer, key) is not None:
                out[key] = getattr(layer, key)
    own_tags, own_attrs = raw.get("tags") or [], raw.get("attrs") or {}
    if isinstance(own_tags, list):  # anything else is left for validation to report
        tags = [t for layer in reversed(defaults) for t in layer.tags]
        out["tags"] = list(dict.fromkeys([*tags, *own_tags]))
    if isinstance(own_attrs, dict):
        attrs: dict[str, Any] = {}
        for layer in reversed(defaults):
            attrs.update(layer.attrs)
        out["attrs"] = {**attrs, **own_attrs}
    return out


def _fill(value: Any, variables: dict[str, str], missing: dict[str, str]) -> Any:
    """Replace `{name}` by its variable in every string; year placeholders stay."""
    if isinstance(value, str):
        def repl(match: Any) -> str:
            name = match.group(1)
            if name in variables:
                return variables[name]
            if name not in YEAR_PLACEHOLDERS:
                missing.setdefault(name, value)
            return str(match.group(0))

        return PLACEHOLDER.sub(repl, value) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, variables, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, variables, missing) for v in value]
    return value

