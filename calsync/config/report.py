"""Turn pydantic validation errors into `file:line: key.path: problem (got 'value')` lines."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from calsync.config.suggest import did_you_mean, keys_at
from calsync.config.wording import GOT, UNKNOWN_KEY, pydantic_message, say
from calsync.config.yamlfile import Located, PathKey
from calsync.errors import Problem
from calsync.i18n.languages import Language

__all__ = ["problems_from_validation", "validate_located"]

M = TypeVar("M", bound=BaseModel)

_QUOTED = re.compile(r"'([^']*)'")


def problems_from_validation(exc: ValidationError, located: Located, *,
                             prefix: PathKey = (), model: type[BaseModel] | None = None,
                             top_keys: Collection[str] = (), language: Language = "en"
                             ) -> list[Problem]:
    """One problem per error, at its line; with `model`, an unknown key or a value outside
    a fixed set also says which known one it resembles ("did you mean 'schedule'?");
    `top_keys` are other keys allowed beside the model's own at its top level. The common
    messages are in `language` (`calsync.config.wording`)."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not _is_internal(part))
        path = (*prefix, *loc)
        message = pydantic_message(err, language).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden" and loc:
            message = say(UNKNOWN_KEY, language, key=loc[-1])
            if model is not None and isinstance(loc[-1], str):
                known = keys_at(model, tuple(err["loc"][:-1]))
                message += did_you_mean(loc[-1], known | set(top_keys) if len(loc) == 1
                                        else known, language)
        elif err["type"] != "missing" and "input" in err:
            shown = _show(err["input"])
            if shown not in message and not isinstance(err["input"], dict | list):
                message = say(GOT, language, message=_lower_first(message), got=shown)
            if err["type"] in ("literal_error", "enum") and isinstance(err["input"], str):
                expected = _QUOTED.findall(str(err.get("ctx", {}).get("expected", "")))
                message += did_you_mean(err["input"], expected, language)
        problems.append(located.problem(path, _lower_first(message)))
    return problems


def validate_located(model: type[M], data: Any, located: Located, *,
                                   prefix: PathKey = (), context: dict[str, Any] | None = None,
                                   top_keys: Collection[str] = (), language: Language = "en"
                                   ) -> tuple[M | None, list[Problem]]:
    """Validate `data` (found at `prefix` in `located`) against `model`; the problems in
    `language`."""
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, located, prefix=prefix, model=model,
                                              top_keys=top_keys, language=language)


def _is_internal(part: str | int) -> bool:
    # pydantic adds the name of the chosen union member or function validator to loc.
    return isinstance(part, str) and (part.startswith("function-") or "[" in part)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
