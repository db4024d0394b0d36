"""A text with its parameters, kept apart until it is shown: errors that cross layers.

An error raised deep down (a feed that does not exist, a filter value that is unknown)
does not know who reads it. It carries a `Message` instead of a finished string:
`NotFoundError(Message("no feed named {name!r}", name=name))`. `str()` of it is the
English text, so logs, the CLI and tests read it as before; the web layer shows it in
the request's language with `message.in_(language)`. Babel extracts the first argument
of `Message(...)` like a gettext call (see `calsync.i18n.maintain`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from calsync.i18n.catalogs import Domain, translator
from calsync.i18n.languages import Language

__all__ = ["Message", "shown_in"]


@dataclass(frozen=True, slots=True, init=False)
class Message:
    """The catalog text `template` (`str.format` fields) and the values of its fields."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    domain: Domain = "calsync"

    def __init__(self, template: str, *, domain: Domain = "calsync", **params: Any) -> None:
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "domain", domain)

    def in_(self, language: Language) -> str:
        text = translator(language, self.domain).gettext(self.template)
        return text.format(**{k: _shown(v, language) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.in_("en")


def _shown(value: Any, language: Language) -> Any:
    return value.in_(language) if isinstance(value, Message) else value


def shown_in(value: Any, language: Language) -> str:
    """`value` for a reader of `language`: a Message translated, anything else as str()."""
    return value.in_(language) if isinstance(value, Message) else str(value)
