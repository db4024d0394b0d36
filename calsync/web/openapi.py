"""The OpenAPI document as the API really behaves, so that /docs can be trusted.

FastAPI documents what it can see in the routes; three things it cannot, and this module
adds them once for every operation rather than in each route:

- **the error body** every 4xx/5xx carries (`Error`, made by the handlers in
  `calsync.web.app`), in place of FastAPI's `HTTPValidationError`, which the API never
  returns;
- **the auth answers** of every authenticated operation: 401 (no or an invalid bearer
  token, with `WWW-Authenticate`) and 403 (a token without the scope), and the 404 of
  every operation that looks something up by a path parameter;
- **an example** of each operation's answer and request body (`calsync.web.examples`).

`tests/web/test_openapi.py` walks the document and holds every operation to this.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from calsync.web.examples import (
    ERROR_EXAMPLES,
    OWN_ERROR_BODIES,
    REQUEST_EXAMPLES,
    RESPONSE_EXAMPLES,
)

__all__ = ["ErrorOut", "install"]

SUMMARY_MAX = 90  # characters: Swagger UI shows the summary beside the path
ERROR_REF = {"$ref": "#/components/schemas/Error"}
_FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")
_AUTH = {
    "401": (
        "No bearer token, or one that is not in `api.tokens` (the `WWW-Authenticate` "
        "header says which)."
    ),
    "403": "The token is valid but lacks the scope this operation needs.",
}


class ErrorOut(BaseModel):
    """The body of every error answer: `error` for programs, `message` for people."""

    error: str = Field(
        description="The kind of error: Unauthorized, Forbidden, NotFound, "
        "NotFoundError, ValidationError, BadRequest, StoreError, "
        "ConfigError, InternalError, ..."
    )
    message: str = Field(description="What happened and what to do next, in words.")
    detail: Any = Field(
        None,
        description="HTTP errors (401, 403, 404, 405, some 422): the "
        "detail as raised, usually the message again.",
    )
    problems: list[str] | None = Field(
        None, description="Invalid requests (422): one line per invalid parameter or field."
    )


def install(app: FastAPI) -> None:
    """Make `app.openapi()` (and so /openapi.json and /docs) return the full document."""

    done: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not done:  # FastAPI builds (and keeps) the document; complete it once
            done.append(complete(FastAPI.openapi(app)))
        return done[0]

    app.openapi = openapi  # type: ignore[method-assign]


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with the error schema, auth answers and examples of every operation."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_ERRORS:
        schemas.pop(name, None)
    schemas["Error"] = ErrorOut.model_json_schema()
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            _complete_operation(f"{method.upper()} {path}", operation)
    return doc


def _summary(description: str) -> str | None:
    """The description's first sentence, when it is short enough for a one-line summary
    (FastAPI's own is the function name: "Ack", "Healthz")."""
    first = " ".join(description.split("\n\n", 1)[0].split()).split(". ", 1)[0].rstrip(".")
    return first if 0 < len(first) <= SUMMARY_MAX else None


def _complete_operation(key: str, operation: dict[str, Any]) -> None:
    summary = _summary(operation.get("description", ""))
    if summary is not None:
        operation["summary"] = summary
    responses: dict[str, Any] = operation.setdefault("responses", {})
    named = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"]
    if named:  # every lookup by path answers 404 for an unknown name, id or token
        responses.setdefault("404", {"description": f"No such {' or '.join(named)}."})
    if operation.get("security"):
        for status, description in _AUTH.items():
            responses.setdefault(status, {"description": description})
        responses["401"].setdefault(
            "headers",
            {
                "WWW-Authenticate": {
                    "description": 'Bearer realm="calsync", with error="invalid_token" for a '
                    "token that is not valid.",
                    "schema": {"type": "string"},
                }
            },
        )
    for status, response in responses.items():
        own = OWN_ERROR_BODIES.get((key, status))
        if own is not None:
            media = response.setdefault("content", {}).setdefault(own.media_type, {})
            media["example"] = copy.deepcopy(own.value)
        elif status[0] in "45":
            response["content"] = {
                "application/json": {
                    "schema": ERROR_REF,
                    "example": copy.deepcopy(ERROR_EXAMPLES.get(status, ERROR_EXAMPLES["4xx"])),
                }
            }
    example = RESPONSE_EXAMPLES.get(key)
    if example is not None:
        success = next((r for s, r in sorted(responses.items()) if s[0] == "2"), None)
        if success is not None:
            media = example.media_type
            content = success.setdefault("content", {})
            if media != "application/json":
                content.pop("application/json", None)  # a Response, not JSON
            content.setdefault(media, {})["example"] = copy.deepcopy(example.value)
    body = REQUEST_EXAMPLES.get(key)
    if body is not None and "requestBody" in operation:
        for media in operation["requestBody"].get("content", {}).values():
            media["example"] = copy.deepcopy(body)
