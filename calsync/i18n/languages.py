"""The languages calsync writes in, as a config type: light, so config loading stays fast.

The catalogs and Babel load only where a text is written (`calsync.i18n.catalogs`).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Language", "parse_language"]

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"
"""The language when config.yaml says none (the bundled pilot config says `sv`)."""


def parse_language(value: str | None) -> Language | None:
    """`value` as a Language if it is one (case and region ignored: `sv-SE` is `sv`)."""
    if not value:
        return None
    base = value.strip().replace("_", "-").split("-", 1)[0].lower()
    for lang in LANGUAGES:
        if lang == base:
            return lang
    return None
