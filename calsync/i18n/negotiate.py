"""Which language a web request gets: `?lang=`, then Accept-Language, then the default.

A feed URL pasted into a calendar app carries no Accept-Language worth trusting (the
app's, not the reader's), so an explicit `?lang=` wins; browsers' pages follow the
header. The header's q-values are honoured and Babel's `negotiate_locale` matches
`sv-SE` to `sv`.
"""

from __future__ import annotations

from babel.core import negotiate_locale

from calsync.i18n.languages import LANGUAGES, Language, parse_language

__all__ = ["accepted_languages", "negotiate_language"]


def accepted_languages(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            weighted.append((-q, i, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate_language(
    query: str | None, accept_language: str | None, default: Language
) -> Language:
    """The language for a request. `query` (from `?lang=`) must be valid if given:
    callers check it with `parse_language` first and refuse a wrong one."""
    if (chosen := parse_language(query)) is not None:
        return chosen
    preferred = [tag.replace("_", "-") for tag in accepted_languages(accept_language)]
    found = negotiate_locale(preferred, list(LANGUAGES), sep="-")
    return parse_language(found) or default
