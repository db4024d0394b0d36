"""All cycle definitions of a schedules folder, validated together.

Cycles refer to each other across files (the municipal budget rule depends on the
national election cycle), so a catalog loads every file of the folder at once and checks
ids and references over the whole set. Templates are shared the same way: the Local
Government Act cycle is defined in one file and instantiated in the regional and the
municipal files, so all templates are collected before any instance is applied. Every
problem carries its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from calsync.config.report import validate_located
from calsync.config.yamlfile import Located, PathKey, load_yaml
from calsync.cycles.format import CycleDefaults, CycleEntry, CycleFile, Instance, Template
from calsync.cycles.templates import LocatedTemplate, check_templates, instantiate
from calsync.errors import ConfigError, Problem

__all__ = ["Catalog", "CatalogEntry", "load_catalog"]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    entry: CycleEntry
    defaults: CycleDefaults
    file: Path
    line: int | None
    located: Located | None = None  # the file, to place problems found later
    at: PathKey = ()  # where in it the cycle is (cycles[i], or the instance it came from)

    def problem(self, key: str, message: str) -> Problem:
        """A problem with one of this cycle's keys, at its line (or the defaults')."""
        assert self.located is not None
        from_defaults = getattr(self.entry, key, None) is None and \
            getattr(self.defaults, key, None) is not None
        own = not from_defaults or not self.at or self.at[0] != "cycles"
        path = (*self.at, key) if own else ("defaults", key)
        return self.located.problem(path, message)


@dataclass
class Catalog:
    entries: dict[str, CatalogEntry] = field(default_factory=dict)
    files: dict[Path, list[str]] = field(default_factory=dict)

    def ids_in(self, path: Path) -> list[str]:
        return self.files.get(path.resolve(), [])


def load_catalog(paths: list[Path], *, display: dict[Path, str] | None = None) -> Catalog:
    """Load and cross-check the given files; raises ConfigError listing every problem.

    Several connectors share one schedules folder, so a result is reused while none of
    its files changed (same paths, sizes and modification times).
    """
    resolved = sorted({p.resolve() for p in paths})
    key = tuple((p, *_stat(p)) for p in resolved)
    cached = _cache.get(key)
    if cached is None:
        cached = _load(resolved, display)
        _cache.clear()  # one folder per process in practice; keep memory flat
        _cache[key] = cached
    return cached


_cache: dict[tuple[tuple[Path, int, int], ...], Catalog] = {}


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


@dataclass
class _Loaded:
    path: Path
    located: Located
    header: CycleFile
    data: dict[str, object]


def _load(paths: list[Path], display: dict[Path, str] | None) -> Catalog:
    catalog = Catalog()
    problems: list[Problem] = []
    where: dict[str, tuple[Located, PathKey]] = {}
    files: list[_Loaded] = []
    for path in paths:
        loaded, errs = _read(path, (display or {}).get(path, str(path)))
        problems += errs
        if loaded is not None:
            files.append(loaded)
    templates, errs = _templates(files)
    problems += errs

    def add(entry: CycleEntry, item: _Loaded, at: PathKey) -> None:
        if entry.id in catalog.entries:
            first = catalog.entries[entry.id]
            problems.append(item.located.problem(
                (*at, "id") if at[0] == "cycles" else at,
                f"duplicate cycle id {entry.id!r} (first defined in {first.file.name}"
                f":{first.line})"))
            return
        line = item.located.line_of(at)
        catalog.entries[entry.id] = CatalogEntry(entry, item.header.defaults, item.path, line,
                                                 item.located, at)
        where[entry.id] = (item.located, at)
        catalog.files.setdefault(item.path, []).append(entry.id)

    for item in files:
        catalog.files[item.path] = []
        for i, raw in enumerate(_as_list(item.data.get("cycles"))):
            entry, errs = validate_located(CycleEntry, raw, item.located, prefix=("cycles", i))
            problems += errs
            if entry is not None:
                add(entry, item, ("cycles", i))
        for i, raw in enumerate(_as_list(item.data.get("instances"))):
            instance, errs = validate_located(Instance, raw, item.located,
                                              prefix=("instances", i))
            problems += errs
            if instance is None or instance.template in templates.broken:
                continue
            made, errs = instantiate(instance, item.located, i, templates.ok)
            problems += errs
            for cycle in made:
                add(cycle.entry, item, cycle.path)
    problems += _reference_problems(catalog, where)
    if problems:
        raise ConfigError(problems)
    return catalog


def _read(path: Path, name: str) -> tuple[_Loaded | None, list[Problem]]:
    """One file: its YAML and its header (everything but cycles, templates, instances)."""
    try:
        located = load_yaml(path, display=name)
    except ConfigError as exc:
        return None, exc.problems
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        return None, [located.problem((), "a schedule file is a mapping with 'cycles:'")]
    problems = [located.problem((key,), f"'{key}' must be a {kind}")
                for key, kind in (("cycles", "list"), ("instances", "list"),
                                  ("templates", "mapping"))
                if key in data and not isinstance(data[key], list if kind == "list" else dict)]
    header, errs = validate_located(
        CycleFile, {**data, "cycles": [], "templates": {}, "instances": []}, located)
    problems += errs
    if header is None or problems:
        return None, problems
    return _Loaded(path, located, header, data), []


@dataclass
class _Templates:
    ok: dict[str, LocatedTemplate] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # reported once, instances skipped


def _templates(files: list[_Loaded]) -> tuple[_Templates, list[Problem]]:
    found = _Templates()
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    for item in files:
        section = item.data.get("templates") or {}
        assert isinstance(section, dict)
        for name, raw in section.items():
            spec, errs = validate_located(Template, raw, item.located,
                                          prefix=("templates", name))
            problems += errs
            if name in first_file:
                problems.append(item.located.problem(
                    ("templates", name),
                    f"duplicate template {name!r} (first defined in {first_file[name]})"))
                continue
            first_file[name] = item.located.file
            if spec is None:
                found.broken.add(name)
            else:
                found.ok[name] = LocatedTemplate(str(name), spec, item.located)
    errs, broken = check_templates(found.ok, frozenset(found.broken))
    problems += errs
    found.broken |= broken
    found.ok = {k: v for k, v in found.ok.items() if k not in found.broken}
    return found, problems


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _reference_problems(catalog: Catalog, where: dict[str, tuple[Located, PathKey]]
                        ) -> list[Problem]:
    problems = []
    for cid, item in catalog.entries.items():
        located, at = where[cid]
        # A templated cycle has no lines of its own: name it in the message.
        about = "" if at[0] == "cycles" else f"cycle {cid!r} "
        refs: list[tuple[tuple[str, ...], str]] = []
        if item.entry.when.relative is not None:
            refs.append((("when", "relative", "to"), item.entry.when.relative.to))
        if item.entry.condition is not None:
            key = "in_years_of" if item.entry.condition.in_years_of else "not_in_years_of"
            refs.append((("condition", key), item.entry.condition.reference))
        for path, ref in refs:
            if ref not in catalog.entries:
                problems.append(located.problem(
                    (*at, *path), f"{about}refers to unknown cycle {ref!r}"))
        chain, seen = cid, set()
        while (rel := catalog.entries[chain].entry.when.relative) is not None:
            if rel.to not in catalog.entries:
                break
            if chain in seen:
                problems.append(located.problem(
                    (*at, "when", "relative"), f"{about}relative references form a loop"))
                break
            seen.add(chain)
            chain = rel.to
    return problems
