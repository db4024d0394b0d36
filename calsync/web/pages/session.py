"""Signing in to the dashboard: a named token from config.yaml (`api.tokens`, checked by
`calsync.web.auth.authenticate`) becomes a session cookie, so acting on an alert needs
no shell and no bearer token in curl.

The cookie is `name|expires|nonce` signed with HMAC-SHA256 under a key derived from
the configured token secrets: nobody without a secret can forge one, every instance
behind a load balancer accepts it, and rotating a token signs everyone out. It is
HttpOnly, SameSite=Lax, Secure when the page is served over https, and lasts
`SESSION_SECONDS`. Every form that changes something carries a CSRF token bound to the
session's nonce (and a POST from another origin is refused), so a link or a form on
another site cannot act in a signed-in coordinator's name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from calsync.config.schema import ApiConfig

__all__ = ["COOKIE", "SESSION_SECONDS", "Session", "check_csrf", "clear", "read", "start"]

COOKIE = "calsync_session"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    user: str
    expires: int
    nonce: str

    def csrf(self, api: ApiConfig) -> str:
        return _sign(api, f"csrf|{self.user}|{self.nonce}")[:32]


def _key(api: ApiConfig) -> bytes:
    material = "\x1f".join(f"{name}={spec.token.get_secret_value()}"
                           for name, spec in sorted(api.tokens.items()))
    return hashlib.sha256(("calsync-dashboard-session\x1f" + material).encode()).digest()


def _sign(api: ApiConfig, text: str) -> str:
    return hmac.new(_key(api), text.encode(), hashlib.sha256).hexdigest()


def _secure(request: Request, public_url: str | None) -> bool:
    return request.url.scheme == "https" or (public_url or "").startswith("https://")


def start(response: Response, request: Request, api: ApiConfig, user: str, now: datetime,
          public_url: str | None) -> None:
    expires = int(now.timestamp()) + SESSION_SECONDS
    body = f"{user}|{expires}|{secrets.token_hex(16)}"
    value = base64.urlsafe_b64encode(body.encode()).decode() + "." + _sign(api, body)
    response.set_cookie(COOKIE, value, max_age=SESSION_SECONDS, httponly=True,
                        samesite="lax", secure=_secure(request, public_url), path="/")


def clear(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def read(request: Request, api: ApiConfig, now: datetime) -> Session | None:
    """The request's valid session, or None (no cookie, forged, expired, or its token
    is no longer configured)."""
    value = request.cookies.get(COOKIE)
    if not value or "." not in value or not api.tokens:
        return None
    encoded, _, signature = value.rpartition(".")
    try:
        body = base64.urlsafe_b64decode(encoded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(_sign(api, body), signature):
        return None
    user, _, rest = body.partition("|")
    expires, _, nonce = rest.partition("|")
    if not expires.isdigit() or int(expires) < now.timestamp() or user not in api.tokens:
        return None
    return Session(user, int(expires), nonce)


def check_csrf(request: Request, session: Session, api: ApiConfig, given: str) -> bool:
    """The form's token matches the session, and the POST comes from this site."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") != own:
            return False
    return hmac.compare_digest(session.csrf(api), given or "")
