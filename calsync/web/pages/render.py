"""The Jinja2 environment of the dashboard: templates from this package, autoescaping
on for every template (a hostile upstream title is text, never markup), and the
headers every page carries (a Content-Security-Policy that allows only calsync's own
script and styles, so even an escaping mistake could not run injected code)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader
from starlette.responses import HTMLResponse, Response

__all__ = ["PAGE_HEADERS", "page", "static_file"]

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("calsync.web.pages", "templates"),
                      autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _env().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


@cache
def _static(name: str) -> bytes | None:
    if "/" in name or name.startswith("."):
        return None
    resource = files("calsync.web.pages").joinpath("static", name)
    return resource.read_bytes() if resource.is_file() else None


def static_file(name: str) -> Response | None:
    body = _static(name)
    suffix = name[name.rfind("."):] if "." in name else ""
    if body is None or suffix not in _STATIC_TYPES:
        return None
    return Response(body, media_type=_STATIC_TYPES[suffix],
                    headers={"Cache-Control": "public, max-age=300",
                             "X-Content-Type-Options": "nosniff"})
