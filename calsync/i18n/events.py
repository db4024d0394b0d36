"""An event's title and description in a language: the stored texts, and their variants.

The store keeps one `EventData` per event, its `title` and `description` in the source's
own words (English for the built-in schedules). Where a source has the texts in another
language too (the built-in schedules in Swedish, Swedish holiday names), they travel as
the attributes `title.<lang>` and `description.<lang>`, so one stored event renders in
every language (same UID, same row) and a feed, a finding or the CLI picks its language
when it writes.
"""

from __future__ import annotations

from collections.abc import Mapping

from calsync.i18n.languages import Language
from calsync.model import EventData

__all__ = ["description_in", "in_language", "text_attrs", "title_in"]

SOURCE_LANGUAGE: Language = "en"
"""The language of `title`/`description` when a source gives both (built-in schedules)."""


def text_attrs(field: str, texts: Mapping[Language, str]) -> dict[str, str]:
    """The attributes that carry `field` ("title", "description") in the languages other
    than the source language, when they differ from it."""
    base = texts.get(SOURCE_LANGUAGE, "")
    return {f"{field}.{lang}": text for lang, text in texts.items()
            if lang != SOURCE_LANGUAGE and text and text != base}


def title_in(data: EventData, language: Language) -> str:
    return data.attrs.get(f"title.{language}") or data.title


def description_in(data: EventData, language: Language) -> str:
    return data.attrs.get(f"description.{language}") or data.description


def in_language(data: EventData, language: Language) -> EventData:
    """The event with its title and description in `language` (where it has them)."""
    title, description = title_in(data, language), description_in(data, language)
    if title == data.title and description == data.description:
        return data
    return data.with_(title=title, description=description)
