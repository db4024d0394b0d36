"""Message catalogs: every text a person reads, in Swedish and English, through gettext.

The catalogs are standard GNU gettext `.po` files under `calsync/i18n/locale/<lang>/
LC_MESSAGES/<domain>.po`, one DOMAIN per area so that people working on different areas
never edit the same file:

- `calsync`: feeds, the schedules' texts, web pages and API errors;
- `findings`: rules, alerts, notifications and what-if;
- `digest`: agenda and digest e-mails;
- `dashboard`: the dashboard pages.

`scripts/catalogs` extracts the marked strings (the `<domain>.cfg` Babel mapping beside
the catalogs says which source files belong to a domain), merges them into the `.po`
files and compiles `.mo` files (`scripts/bootstrap` runs it). The `.mo` files are not in
git: when one is missing or older than its `.po` (a fresh clone, a wheel, an edited
catalog), the `.po` is compiled in memory here, so a text never silently falls back to
the English source because of a stale build step.

Mark a text with `t.gettext("...")` / `t.ngettext(...)` / `t.pgettext(ctx, "...")` on a
`Translator`, or with `N_("...")` where it is defined apart from where it is translated
(a table of texts at module level), then translate it with `t.gettext(TABLE[key])`.
Placeholders are `str.format` fields: `t.gettext("Starts: {title}").format(title=...)`.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from calsync.i18n.languages import Language

__all__ = [
    "DOMAINS",
    "LOCALE_DIR",
    "N_",
    "Domain",
    "Translator",
    "catalog_paths",
    "compile_po",
    "translator",
]

Domain = Literal["calsync", "findings", "digest", "dashboard"]
DOMAINS: tuple[Domain, ...] = get_args(Domain)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Marks `message` for extraction where it is defined; translate it where it is used."""
    return message


@dataclass(frozen=True, slots=True)
class Translator:
    """The texts of one domain in one language (gettext's functions, bound)."""

    language: Language
    domain: Domain
    _catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._catalog.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._catalog.npgettext(context, singular, plural, n)


def catalog_paths(language: Language, domain: Domain, base: Path = LOCALE_DIR) -> tuple[Path, Path]:
    """The `.po` and `.mo` file of `domain` in `language`."""
    folder = base / language / "LC_MESSAGES"
    return folder / f"{domain}.po", folder / f"{domain}.mo"


def translator(language: Language, domain: Domain) -> Translator:
    """The texts of `domain` in `language` (loaded once per process)."""
    return Translator(language, domain, _load(language, domain, LOCALE_DIR))


@lru_cache(maxsize=32)
def _load(language: Language, domain: Domain, base: Path) -> gettext.NullTranslations:
    po, mo = catalog_paths(language, domain, base)
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return gettext.GNUTranslations(fp)
    if not po.is_file():
        raise FileNotFoundError(
            f"no message catalog {po} (domain {domain!r}, "
            f"language {language!r}); run scripts/catalogs"
        )
    return gettext.GNUTranslations(io.BytesIO(compile_po(po)))


def compile_po(po: Path) -> bytes:
    """The `.mo` bytes of the catalog `po` (fuzzy entries left out, as msgfmt does)."""
    with po.open("rb") as fp:
        catalog = read_po(fp)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()
