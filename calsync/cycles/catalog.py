"""All cycle definitions of a schedules folder, validated together.

Cycles refer to each other across files (the municipal budget rule depends on the
national election cycle), so a catalog loads every file of the folder at once and checks
ids and references over the whole set. Every problem carries its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from calsync.config.report import validate_located
from calsync.config.yamlfile import Located, load_yaml
from calsync.cycles.format import CycleDefaults, CycleEntry, CycleFile
from calsync.errors import ConfigError, Problem

__all__ = ["Catalog", "CatalogEntry", "load_catalog"]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    entry: CycleEntry
    defaults: CycleDefaults
    file: Path
    line: int | None


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


def _load(paths: list[Path], display: dict[Path, str] | None) -> Catalog:
    catalog = Catalog()
    problems: list[Problem] = []
    located_by_id: dict[str, tuple[Located, int]] = {}
    for path in paths:
        name = (display or {}).get(path, str(path))
        try:
            located = load_yaml(path, display=name)
        except ConfigError as exc:
            problems += exc.problems
            continue
        data = located.data if located.data is not None else {}
        if not isinstance(data, dict):
            problems.append(located.problem((), "a schedule file is a mapping with 'cycles:'"))
            continue
        raw_cycles = data.get("cycles", [])
        header, errs = validate_located(CycleFile, {**data, "cycles": []}, located)
        problems += errs
        if header is None or not isinstance(raw_cycles, list):
            if not isinstance(raw_cycles, list):
                problems.append(located.problem(("cycles",), "'cycles' must be a list"))
            continue
        ids = []
        for i, raw in enumerate(raw_cycles):
            entry, errs = validate_located(CycleEntry, raw, located, prefix=("cycles", i))
            problems += errs
            if entry is None:
                continue
            if entry.id in catalog.entries:
                first = catalog.entries[entry.id]
                problems.append(located.problem(
                    ("cycles", i, "id"),
                    f"duplicate cycle id {entry.id!r} (first defined in {first.file.name}"
                    f":{first.line})"))
                continue
            line = located.line_of(("cycles", i))
            catalog.entries[entry.id] = CatalogEntry(entry, header.defaults, path, line)
            located_by_id[entry.id] = (located, i)
            ids.append(entry.id)
        catalog.files[path] = ids
    problems += _reference_problems(catalog, located_by_id)
    if problems:
        raise ConfigError(problems)
    return catalog


def _reference_problems(catalog: Catalog, where: dict[str, tuple[Located, int]]
                        ) -> list[Problem]:
    problems = []
    for cid, item in catalog.entries.items():
        located, index = where[cid]
        refs: list[tuple[tuple[str, ...], str]] = []
        if item.entry.when.relative is not None:
            refs.append((("when", "relative", "to"), item.entry.when.relative.to))
        if item.entry.condition is not None:
            key = "in_years_of" if item.entry.condition.in_years_of else "not_in_years_of"
            refs.append((("condition", key), item.entry.condition.reference))
        for path, ref in refs:
            if ref not in catalog.entries:
                problems.append(located.problem(
                    ("cycles", index, *path), f"refers to unknown cycle {ref!r}"))
        chain, seen = cid, set()
        while (rel := catalog.entries[chain].entry.when.relative) is not None:
            if rel.to not in catalog.entries:
                break
            if chain in seen:
                problems.append(located.problem(
                    ("cycles", index, "when", "relative"), "relative references form a loop"))
                break
            seen.add(chain)
            chain = rel.to
    return problems
