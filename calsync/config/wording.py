"""The words of config validation problems, in the config's language (issue 12).

pydantic reports a mistake in English ("Input should be a valid integer"); an admin of
a Swedish install (`language: sv`) reads the common ones in Swedish: a missing key, a
wrong type, an unknown key with its "did you mean", a value outside a fixed set or a
range. The English is pydantic's own text (unchanged, so it stays searchable); the
templates below are its msgids in the `calsync` catalog. Other messages (a validator's
own sentence) stay as they are.

The catalogs load only when a problem is shown in another language than English, so
loading a correct config does not pay for them.
"""

from __future__ import annotations

import re
from typing import Any

from calsync.i18n.catalogs import N_
from calsync.i18n.languages import Language

__all__ = ["PYDANTIC", "config_error_frame", "pydantic_message", "say", "unknown_connector"]

PYDANTIC: dict[str, str] = {
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional "
                         "part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "string_type": N_("Input should be a valid string"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "less_than": N_("Input should be less than {lt}"),
}
"""pydantic's message for an error type, as a template over the error's `ctx`."""

_QUOTED = re.compile(r"'([^']*)'")

MISSING = N_("required key is missing")
UNKNOWN_KEY = N_("unknown key '{key}'")
DID_YOU_MEAN = N_("; did you mean {found}?")
GOT = N_("{message} (got {got})")
UNKNOWN_CONNECTOR = N_("unknown connector type {name}; known types: {known}")
ONE_PROBLEM = N_("{count} problem in the configuration:")
PROBLEMS = N_("{count} problems in the configuration:")
FIX_THEM = N_("Fix the lines above, then run `calsync check` again.")


def say(template: str, language: Language, **params: Any) -> str:
    """`template` in `language`, its fields filled in."""
    if language == "en":
        return template.format(**params)
    from calsync.i18n.catalogs import translator  # only when not English: see the docstring

    return translator(language, "calsync").gettext(template).format(**params)


def pydantic_message(err: Any, language: Language) -> str:
    """The message of one pydantic error: pydantic's own in English, the catalog's in
    another language where the type is one of the common ones."""
    kind = err["type"]
    if kind == "missing":
        return say(MISSING, language)
    template = PYDANTIC.get(kind)
    if language == "en" or template is None:
        return str(err["msg"])
    ctx = dict(err.get("ctx") or {})
    if "expected" in ctx:
        ctx["expected"] = _alternatives(str(ctx["expected"]), language)
    try:
        return say(template, language, **ctx)
    except (KeyError, IndexError):  # a pydantic version with other context fields
        return str(err["msg"])


def _alternatives(expected: str, language: Language) -> str:
    """pydantic's "'a', 'b' or 'c'" as the language lists alternatives."""
    from babel.lists import format_list

    found = [f"'{v}'" for v in _QUOTED.findall(expected)]
    return format_list(found, style="or", locale=language) if found else expected


def unknown_connector(name: str, known: list[str], language: Language) -> str:
    """The registry's "unknown connector type" (`calsync.sdk.registry`) in `language`."""
    return say(UNKNOWN_CONNECTOR, language, name=repr(name), known=", ".join(known))


def config_error_frame(count: int, language: Language) -> tuple[str, str] | None:
    """The heading and the closing line of a list of `count` problems (None: English,
    which `calsync.errors.explain` writes itself)."""
    if language == "en":
        return None
    return (say(ONE_PROBLEM if count == 1 else PROBLEMS, language, count=count),
            say(FIX_THEM, language))
