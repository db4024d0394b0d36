"""No user-facing text bypasses the catalogs in the modules of any catalog domain.

The modules are the ones each domain's Babel mapping (`calsync/i18n/locale/<domain>.cfg`)
names, so adding a module to a domain's extraction also puts it under this scan.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from calsync.i18n.catalogs import Domain
from tests.i18n.scan import REPO, all_domain_files, bypasses

FILES = all_domain_files()


@pytest.mark.parametrize(
    ("domain", "path"), FILES, ids=[f"{d}:{p.relative_to(REPO).as_posix()}" for d, p in FILES]
)
def test_no_text_bypasses_the_catalogs(domain: Domain, path: Path) -> None:
    assert [str(b) for b in bypasses(path)] == []


def test_the_scan_finds_texts_outside_gettext(tmp_path: Path) -> None:
    module = tmp_path / "calsync" / "feeds" / "example.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        '''\
"""A docstring is not text."""
from calsync.i18n.catalogs import N_, translator

TEXTS = {"starts": N_("Starts: {title}"), "raw": "Ends: {title}"}
log = None


def title(lang, name):
    """Nor is this one."""
    t = translator(lang, "calsync")
    log.info("rendering the feed %s", name)
    if name:
        return t.gettext("Feed for {name}").format(name=name)
    other = f"Feed for {name} in full"
    header = "END:VEVENT"
    token = "Bearer realm"  # i18n: not text (an HTTP auth challenge)
    return t.ngettext("one day", "{n} days", 2) + other + header + token
''',
        encoding="utf-8",
    )
    found = [(b.line, b.text) for b in bypasses(module, tmp_path)]
    assert found == [(4, "Ends: {title}"), (14, "Feed for  {}  in full")]


def test_every_domain_with_a_mapping_scans_files() -> None:
    assert {d for d, _ in FILES} >= {"calsync"}
