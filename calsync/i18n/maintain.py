"""Keeping the catalogs in step with the code: extract, update, compile, check.

`scripts/catalogs` runs this module (`python -m calsync.i18n.maintain COMMAND`):

- `update`: extract the marked texts of each domain (the source files its Babel
  mapping `locale/<domain>.cfg` names) and merge them into every language's `.po`: new
  texts arrive untranslated in Swedish and with the English source as the English text,
  texts no longer in the code are dropped;
- `compile`: write the `.mo` files (`scripts/bootstrap` runs it; runtime compiles a
  missing or stale one in memory anyway);
- `check`: what `update` would change, and every entry that lacks a translation or is
  fuzzy (the catalog test runs the same check).

Dates in the headers are fixed so that re-running `update` changes nothing by itself.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from calsync.i18n.catalogs import (
    DOMAINS,
    LOCALE_DIR,
    Domain,
    catalog_paths,
    compile_po,
)
from calsync.i18n.languages import LANGUAGES, Language

__all__ = ["Entry", "check", "compile_all", "extract", "main", "mapping_file", "update"]

REPO = LOCALE_DIR.parents[2]
CODE_FOLDERS = ("calsync", "connectors")
_STAMP = datetime(2026, 1, 1, tzinfo=UTC)
MsgId = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One marked text found in the code: its id, context and where it is."""

    id: MsgId
    context: str | None
    locations: tuple[tuple[str, int], ...]


def mapping_file(domain: Domain, base: Path = LOCALE_DIR) -> Path:
    """The Babel mapping that names the source files of `domain`."""
    return base / f"{domain}.cfg"


def extract(
    domain: Domain, root: Path = REPO, base: Path = LOCALE_DIR
) -> dict[tuple[MsgId, str | None], Entry]:
    """The marked texts of `domain`'s source files (under `root`), by (id, context)."""
    with mapping_file(domain, base).open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)  # type: ignore[no-untyped-call]
    found: dict[tuple[MsgId, str | None], list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        root, method_map, options_map, directory_filter=lambda d: _code_folder(root, d)
    ):
        key = _key(message)
        found.setdefault((key, context), []).append((filename, lineno))
    return {k: Entry(k[0], k[1], tuple(v)) for k, v in found.items()}


def _code_folder(root: Path, dirpath: str | Path) -> bool:
    """Only calsync's own code (not .venv, node_modules or data folders)."""
    rel = Path(dirpath).resolve().relative_to(root.resolve()).parts
    return not rel or (rel[0] in CODE_FOLDERS and not any(p.startswith((".", "__")) for p in rel))


def _key(message: str | tuple[str, ...] | list[str]) -> MsgId:
    if not isinstance(message, str):
        return tuple(part for part in message if part)  # ngettext(s, p, n) -> (s, p)
    return message


def _template(domain: Domain, entries: Iterable[Entry]) -> Catalog:
    template = Catalog(
        domain=domain, project="calsync", creation_date=_STAMP, revision_date=_STAMP, fuzzy=False
    )
    for entry in entries:
        template.add(entry.id, locations=entry.locations, context=entry.context)
    return template


def _read(language: Language, domain: Domain, base: Path = LOCALE_DIR) -> Catalog:
    po, _ = catalog_paths(language, domain, base)
    if po.is_file():
        with po.open("rb") as fp:
            return read_po(fp, locale=language, domain=domain)
    return Catalog(locale=language, domain=domain, project="calsync", fuzzy=False)


def _merged(language: Language, domain: Domain, template: Catalog) -> Catalog:
    catalog = _read(language, domain)
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    catalog.creation_date = catalog.revision_date = _STAMP
    catalog.fuzzy = False
    if language == "en":
        for message in catalog:
            if message.id and not _translated(message):
                message.string = message.id
    return catalog


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def _render(catalog: Catalog) -> bytes:
    from io import BytesIO

    out = BytesIO()
    write_po(
        out,
        catalog,
        width=100,
        omit_header=False,
        ignore_obsolete=True,
        include_previous=False,
        include_lineno=False,
    )
    return out.getvalue()


def update() -> list[Path]:
    """Merge the code's texts into every `.po`; returns the files that changed."""
    changed = []
    for domain in DOMAINS:
        template = _template(domain, extract(domain).values())
        for language in LANGUAGES:
            po, _ = catalog_paths(language, domain)
            text = _render(_merged(language, domain, template))
            if not po.is_file() or po.read_bytes() != text:
                po.parent.mkdir(parents=True, exist_ok=True)
                po.write_bytes(text)
                changed.append(po)
    return changed


def compile_all() -> list[Path]:
    """Write every `.mo` file from its `.po`."""
    written = []
    for domain in DOMAINS:
        for language in LANGUAGES:
            po, mo = catalog_paths(language, domain)
            mo.write_bytes(compile_po(po))
            written.append(mo)
    return written


def check(root: Path = REPO, base: Path = LOCALE_DIR) -> list[str]:
    """Every way the catalogs (in `base`) and the code (under `root`) disagree, as lines
    for a person."""
    problems = []
    for domain in DOMAINS:
        entries = extract(domain, root, base)
        for language in LANGUAGES:
            po, _ = catalog_paths(language, domain, base)
            if not po.is_file():
                problems.append(f"{_rel(po)}: missing (run scripts/catalogs update)")
                continue
            catalog = _read(language, domain, base)
            have = {(_key(m.id), m.context): m for m in catalog if m.id}
            for key, entry in entries.items():
                file, line = entry.locations[0]
                message = have.get(key)
                if message is None:
                    problems.append(
                        f"{file}:{line}: {_show(key[0])} is not in {_rel(po)} "
                        "(run scripts/catalogs update)"
                    )
                elif not _translated(message):
                    problems.append(
                        f"{_rel(po)}: {_show(key[0])} has no {language} "
                        f"translation (used at {file}:{line})"
                    )
                elif message.fuzzy:
                    problems.append(
                        f"{_rel(po)}: {_show(key[0])} is fuzzy: check the "
                        "translation and drop the fuzzy flag"
                    )
            for key in have.keys() - entries.keys():
                problems.append(
                    f"{_rel(po)}: {_show(key[0])} is no longer used (run scripts/catalogs update)"
                )
    return problems


def _show(msgid: MsgId) -> str:
    return repr(msgid[0] if isinstance(msgid, tuple) else msgid)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "update":
        for path in update():
            print(f"updated {_rel(path)}")
        return 0
    if command == "compile":
        compile_all()
        return 0
    if command == "check":
        problems = check()
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    print("usage: scripts/catalogs [update|compile|check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
