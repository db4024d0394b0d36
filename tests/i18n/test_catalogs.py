"""The catalogs: complete in both languages, loaded from .mo or compiled from a stale one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from calsync.i18n import catalogs
from calsync.i18n.catalogs import DOMAINS, catalog_paths, translator
from calsync.i18n.languages import LANGUAGES
from calsync.i18n.maintain import check

REPO = Path(__file__).resolve().parents[2]

PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "{count} day"
msgid_plural "{count} days"
msgstr[0] "{count} dag"
msgstr[1] "{count} dagar"

msgid "Starts: {title}"
msgstr "{word}: {title}"
"""


def test_every_text_of_every_domain_has_both_languages() -> None:
    assert check() == []


def test_every_domain_has_a_catalog_per_language() -> None:
    for domain in DOMAINS:
        for language in LANGUAGES:
            po, _ = catalog_paths(language, domain)
            assert po.is_file(), po


def _copy_repo_part(tmp_path: Path) -> tuple[Path, Path]:
    """A code tree with one marked module and the real catalogs, to break on purpose."""
    root = tmp_path / "repo"
    (root / "calsync" / "i18n").mkdir(parents=True)
    shutil.copy(REPO / "calsync/i18n/formats.py", root / "calsync/i18n/formats.py")
    base = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, base, ignore=shutil.ignore_patterns("*.mo"))
    return root, base


def test_check_fails_when_a_text_lacks_swedish(tmp_path: Path) -> None:
    root, base = _copy_repo_part(tmp_path)
    assert check(root, base) == []
    po = base / "sv/LC_MESSAGES/calsync.po"
    po.write_text(po.read_text(encoding="utf-8").replace('"{count} dagar"', '""'), encoding="utf-8")
    [problem] = check(root, base)
    assert problem.startswith(
        f"{po}: '{{count}} day' has no sv translation (used at calsync/i18n/formats.py:"
    )


def test_check_fails_when_a_text_lacks_english(tmp_path: Path) -> None:
    root, base = _copy_repo_part(tmp_path)
    po = base / "en/LC_MESSAGES/calsync.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('"{count} day"\nmsgstr[1]', '""\nmsgstr[1]'),
        encoding="utf-8",
    )
    assert any("has no en translation" in p for p in check(root, base))


def test_check_fails_when_the_code_has_a_text_the_catalog_lacks(tmp_path: Path) -> None:
    root, base = _copy_repo_part(tmp_path)
    module = root / "calsync/i18n/formats.py"
    module.write_text(
        module.read_text(encoding="utf-8") + '\n\nX = N_("A new text nobody translated")\n',
        encoding="utf-8",
    )
    problems = check(root, base)
    assert len(problems) == 2  # both languages
    assert all("'A new text nobody translated' is not in" in p for p in problems)


def test_check_fails_on_fuzzy_and_unused_entries(tmp_path: Path) -> None:
    root, base = _copy_repo_part(tmp_path)
    po = base / "sv/LC_MESSAGES/calsync.po"
    text = po.read_text(encoding="utf-8").replace(
        "#, python-brace-format", "#, fuzzy, python-brace-format"
    )
    po.write_text(text + '\nmsgid "Gone"\nmsgstr "Borta"\n', encoding="utf-8")
    problems = check(root, base)
    assert any("is fuzzy" in p for p in problems)
    assert any("'Gone' is no longer used" in p for p in problems)


def test_a_missing_mo_is_compiled_in_memory_from_the_po(tmp_path: Path) -> None:
    folder = tmp_path / "sv" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "calsync.po").write_text(PO, encoding="utf-8")
    loaded = catalogs._load("sv", "calsync", tmp_path)
    assert loaded.ngettext("{count} day", "{count} days", 14) == "{count} dagar"
    assert loaded.ngettext("{count} day", "{count} days", 1) == "{count} dag"


def _compiled(base: Path) -> tuple[Path, Path]:
    """A Swedish `calsync` catalog in `base`, as .po and its compiled .mo."""
    po, mo = catalog_paths("sv", "calsync", base)
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    mo.write_bytes(catalogs.compile_po(po))
    return po, mo


def test_a_mo_older_than_its_po_is_not_used(tmp_path: Path) -> None:
    po, mo = _compiled(tmp_path)
    os.utime(mo, (1_000_000, 1_000_000))  # stale: an edited .po after the last compile
    po.write_text(PO.replace("{count} dagar", "{count} DAGAR"), encoding="utf-8")
    fresh = catalogs._load("sv", "calsync", tmp_path)
    assert fresh.ngettext("{count} day", "{count} days", 2) == "{count} DAGAR"


def test_a_fresh_mo_is_read_as_is(tmp_path: Path) -> None:
    po, _ = _compiled(tmp_path)
    po.write_text("this is not a catalog", encoding="utf-8")  # never read: the .mo is newer
    os.utime(po, (1_000_000, 1_000_000))
    loaded = catalogs._load("sv", "calsync", tmp_path)
    assert loaded.gettext("Starts: {title}") == "{word}: {title}"


def test_a_clone_without_mo_files_still_speaks_swedish(tmp_path: Path) -> None:
    """What a fresh clone or a wheel without compiled catalogs does, in a new process."""
    locale = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    code = (
        "import sys; from pathlib import Path; from calsync.i18n import catalogs; "
        f"catalogs.LOCALE_DIR = Path({str(locale)!r}); "
        "from calsync.i18n.formats import format_days; print(format_days(14, 'sv'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "14 dagar"
    assert not list(locale.rglob("*.mo"))


def test_an_unknown_catalog_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run scripts/catalogs"):
        catalogs._load("sv", "digest", tmp_path)


def test_translator_in_both_languages() -> None:
    sv, en = translator("sv", "calsync"), translator("en", "calsync")
    assert sv.ngettext("{count} day", "{count} days", 3) == "{count} dagar"
    assert en.ngettext("{count} day", "{count} days", 3) == "{count} days"
    assert sv.gettext("not in any catalog") == "not in any catalog"
