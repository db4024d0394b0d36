"""/docs works without a network, and the OpenAPI document says what the API does.

- /docs and /redoc reference only assets the app serves itself (fastapi-offline's files):
  every script, style sheet and icon they name loads from the app, none is external.
- Every operation has a description, an example answer (and request body), its 401/403
  when authenticated, and the `Error` schema on every error answer.
- The errors the API really returns (401, 403, 404, 400, 422) fit that `Error` schema, and
  each is documented on the operation that returned it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from calsync.web.openapi import ERROR_REF
from tests.web.conftest import ADMIN, SYNCER, Project, bearer

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_everything_from_the_app(project: Project, page: str) -> None:
    html = project.client.get(page)
    assert html.status_code == 200, html.text
    text = html.text
    assert "cdn" not in text.lower() and "fonts.googleapis" not in text
    referenced = set(re.findall(r"""(?:src|href)=["']([^"']+)["']""", text))
    referenced |= set(re.findall(r"""url: ?["']([^"']+)["']""", text))  # Swagger's spec URL
    referenced |= set(re.findall(r"""spec-url=["']([^"']+)["']""", text))  # ReDoc's
    assert "/openapi.json" in referenced, referenced
    scripts = [r for r in referenced if r.endswith(".js")]
    assert scripts, f"{page} names no script: {text[:500]}"
    for url in sorted(referenced):
        assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url}"
        asset = project.client.get(url)
        assert asset.status_code == 200, (url, asset.status_code)
        assert len(asset.content) > 100, url
    if page == "/docs":
        # No badge that sends the document to validator.swagger.io.
        assert '"validatorUrl": null' in text, text


def test_every_operation_is_described_with_examples_auth_and_the_error_schema(
    project: Project,
) -> None:
    doc = project.client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["Error"]["required"]) == {"error", "message"}
    operations = _operations(doc)
    assert len(operations) >= 31, len(operations)
    missing: list[str] = []
    for key, op in operations:
        if not op.get("description", "").strip():
            missing.append(f"{key}: no description")
        responses = op["responses"]
        if op.get("security"):
            missing += [f"{key}: no {s}" for s in ("401", "403") if s not in responses]
        for status, response in responses.items():
            if status[0] not in "45" or (key, status) == ("GET /readyz", "503"):
                continue
            media = response.get("content", {}).get("application/json", {})
            if media.get("schema") != ERROR_REF or "example" not in media:
                missing.append(f"{key} {status}: not the Error schema with an example")
        success = [(s, r) for s, r in sorted(responses.items()) if s[0] == "2"]
        assert success, key
        status, response = success[0]
        if status != "204" and not any(
            "example" in m for m in response.get("content", {}).values()
        ):
            missing.append(f"{key} {status}: no example")
        for media in op.get("requestBody", {}).get("content", {}).values():
            if "example" not in media:
                missing.append(f"{key}: request body without an example")
    assert missing == [], "\n".join(missing)


def _models() -> dict[str, type[BaseModel]]:
    """calsync's pydantic models by name, as the document's components name them."""
    found: dict[str, type[BaseModel]] = {}
    pending = list(BaseModel.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("calsync."):
            found[cls.__name__] = cls
    return found


def test_examples_fit_the_response_models(project: Project) -> None:
    """An example is what the model accepts: a renamed or missing field shows here."""
    doc = project.client.get("/openapi.json").json()
    models = _models()
    checked = []
    for key, op in _operations(doc):
        for status, response in op["responses"].items():
            media = response.get("content", {}).get("application/json", {})
            schema, many = media.get("schema", {}), False
            if schema.get("type") == "array":
                schema, many = schema.get("items", {}), True
            name = schema.get("$ref", "").rsplit("/", 1)[-1]
            if status[0] != "2" or name not in models:
                continue
            model: Any = list[models[name]] if many else models[name]  # type: ignore[misc]
            TypeAdapter(model).validate_python(media["example"])
            checked.append(key)
    assert len(checked) >= 11, checked  # every operation with a response model


ERRORS = [
    # (method, path, documented path, headers, body, status)
    ("post", "/api/evaluate", "/api/evaluate", {}, None, 401),
    ("post", "/api/evaluate", "/api/evaluate", bearer("not-a-token-at-all-0123456"), None, 401),
    ("post", "/api/evaluate", "/api/evaluate", bearer(SYNCER), None, 403),
    ("get", "/api/events/nope@calsync", "/api/events/{uid}", {}, None, 404),
    ("get", "/api/alerts/99999", "/api/alerts/{ref}", {}, None, 404),
    (
        "post",
        "/api/feeds/nope/tokens",
        "/api/feeds/{name}/tokens",
        bearer(ADMIN),
        {"subscriber": "anna"},
        404,
    ),
    ("get", "/api/events?limit=nope", "/api/events", {}, None, 422),
    ("get", "/api/alerts?state=nope", "/api/alerts", {}, None, 422),
    ("post", "/api/silences", "/api/silences", bearer(ADMIN), {"matchers": []}, 422),
]


@pytest.mark.parametrize(("method", "url", "documented", "headers", "body", "status"), ERRORS)
def test_real_errors_fit_the_documented_error_schema(
    project: Project,
    method: str,
    url: str,
    documented: str,
    headers: dict[str, str],
    body: Any,
    status: int,
) -> None:
    doc = project.client.get("/openapi.json").json()
    schema = doc["components"]["schemas"]["Error"]
    answer = project.client.request(method, url, headers=headers, json=body)
    assert answer.status_code == status, answer.text
    data = answer.json()
    assert set(schema["required"]) <= set(data) <= set(schema["properties"]), data
    assert isinstance(data["error"], str) and isinstance(data["message"], str)
    if "problems" in data:
        assert all(isinstance(p, str) for p in data["problems"])
    op = doc["paths"][documented][method]
    assert str(status) in op["responses"], f"{method} {documented} {status} undocumented"
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
