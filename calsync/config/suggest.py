""""Did you mean ...?" for a misspelt key, value or name.

A config error that only says "unknown key 'shedule'" or "unknown level 'regonal'" makes
the admin look the right word up; the closest known word (difflib, compared without case
and accents, so `Umea kommun` finds `Umeå kommun`) usually is what they meant.
"""

from __future__ import annotations

import difflib
import types
import unicodedata
from collections.abc import Iterable
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from calsync.config.wording import DID_YOU_MEAN, say
from calsync.i18n.languages import Language

__all__ = ["closest", "did_you_mean", "keys_at"]


def _fold(text: str) -> str:
    """Lower case without accents: 'Umeå' and 'umea' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.7) -> str | None:
    """The candidate closest to `word`, if one is close enough (and is not `word`)."""
    by_fold: dict[str, str] = {}
    for candidate in candidates:
        by_fold.setdefault(_fold(candidate), candidate)
    folded = _fold(word)
    found = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=cutoff)
    if not found or by_fold[found[0]] == word:
        return None
    return by_fold[found[0]]


def did_you_mean(word: str, candidates: Iterable[str], language: Language = "en") -> str:
    """'; did you mean 'X'?' for the closest candidate, else '' (to end a message with);
    in `language` (`calsync.config.wording`)."""
    found = closest(word, candidates)
    return say(DID_YOU_MEAN, language, found=repr(found)) if found else ""


def _members(annotation: Any) -> list[Any]:
    """The types an annotation stands for: unions and Optional opened, Annotated peeled."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(annotation) for m in _members(arg)]
    return [annotation]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _step(t: Any, part: str | int) -> list[Any]:
    if _is_model(t) and isinstance(part, str):
        for name, info in t.model_fields.items():
            if part in (name, info.alias):
                return [info.annotation]
        return []
    origin = get_origin(t)
    if origin is dict:
        return [get_args(t)[1]]
    if origin in (list, tuple, set, frozenset) and isinstance(part, int):
        return [get_args(t)[0]]
    return []


def keys_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> set[str]:
    """The keys a mapping at `loc` inside `model` may have (its model's fields), following
    fields, dict values, list items and every member of a union (a part that leads nowhere,
    such as a union's tag in pydantic's error location, is skipped)."""
    current: list[Any] = [model]
    for part in loc:
        following = [n for t in current for m in _members(t) for n in _step(m, part)]
        if following:
            current = following
    keys: set[str] = set()
    for t in current:
        for m in _members(t):
            if _is_model(m):
                keys |= {info.alias or name for name, info in m.model_fields.items()}
    return keys
