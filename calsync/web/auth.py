"""Admin authentication: named bearer tokens from config, secrets from the environment.

    api:
      tokens:
        alice: {token: "${CALSYNC_TOKEN_ALICE}", scopes: [admin]}
        ci:    {token: "${CALSYNC_TOKEN_CI}", scopes: [sync]}

A request proves who it is with `Authorization: Bearer <secret>`. The secret is compared
with every configured token in constant time (`hmac.compare_digest` over SHA-256
digests, so neither the matching token nor the length leaks through timing); the
dependency returns the token's *name*, which admin actions record as their actor.

- no or malformed credentials, or an unknown secret: 401 with `WWW-Authenticate`;
- a known token without the needed scope: 403;
- no tokens configured: every admin endpoint answers 401 (nothing admin is reachable).

`admin` is a superset of every other scope. Use `AdminUser` for admin-only endpoints, or
`Depends(require_scope("alerts"))` for an endpoint a narrower token may call.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from calsync.config.schema import API_SCOPES, ApiConfig
from calsync.i18n.messages import Message
from calsync.web.deps import RuntimeDep

__all__ = ["AdminUser", "AlertsUser", "SyncUser", "authenticate", "require_admin",
           "require_scope", "trusted_reader"]

_bearer = HTTPBearer(auto_error=False, description="An admin token named in config.yaml "
                                                   "(api.tokens).")
_CHALLENGE = 'Bearer realm="calsync"'  # i18n: not text (RFC 6750 challenge)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def authenticate(api: ApiConfig, secret: str) -> str | None:
    """The name of the token whose secret is `secret`, or None.

    Every configured token is compared, whether or not an earlier one matched, so the
    time taken does not depend on which token (if any) is presented.
    """
    presented = _digest(secret)
    found: str | None = None
    for name, spec in api.tokens.items():
        if hmac.compare_digest(presented, _digest(spec.token.get_secret_value())):
            found = name
    return found


def _unauthorized(message: Message, error: str = "invalid_token") -> HTTPException:
    challenge = _CHALLENGE if error == "" else f'{_CHALLENGE}, error="{error}"'
    return HTTPException(status_code=401, detail=message,
                         headers={"WWW-Authenticate": challenge})


def require_scope(scope: str) -> Callable[..., str]:
    """A dependency that admits tokens with `scope` (or `admin`) and returns the token name."""
    if scope not in API_SCOPES:
        known = ", ".join(API_SCOPES)
        raise ValueError(f"unknown scope {scope!r}; known: {known}")  # i18n: not text (a bug)

    def dependency(request: Request, runtime: RuntimeDep,
                   credentials: Annotated[HTTPAuthorizationCredentials | None,
                                          Depends(_bearer)]) -> str:
        api = runtime.config.api
        if credentials is None:
            raise _unauthorized(Message(
                "this endpoint needs an admin token: send 'Authorization: Bearer <token>'")
                if api.tokens else Message(
                "this endpoint needs an admin token: send 'Authorization: Bearer <token>' "
                "(no admin tokens are configured: add api.tokens in config.yaml)"), error="")
        name = authenticate(api, credentials.credentials)
        if name is None:
            raise _unauthorized(Message("the bearer token is not valid"))
        granted = api.tokens[name].scopes
        if scope not in granted and "admin" not in granted:
            raise HTTPException(status_code=403, detail=Message(
                "token {name!r} lacks the {scope!r} scope (it has: {granted})", name=name,
                scope=scope, granted=", ".join(granted) or Message("none")))
        request.state.actor = name
        return name

    dependency.__name__ = f"require_{scope}"
    return dependency


def trusted_reader(request: Request, api: ApiConfig) -> bool:
    """Whether the request carries a valid token with the `alerts` or `admin` scope: such
    a reader may see alerts about private events (`calsync.alerts.private`); anyone else
    reads the open view. A missing or wrong token is not an error here."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return False
    name = authenticate(api, secret.strip())
    return name is not None and bool({"alerts", "admin"} & set(api.tokens[name].scopes))


require_admin = require_scope("admin")

AdminUser = Annotated[str, Depends(require_admin)]
"""The name of an authenticated token with the `admin` scope."""
SyncUser = Annotated[str, Depends(require_scope("sync"))]
"""The name of a token allowed to trigger syncs (`sync` or `admin`)."""
AlertsUser = Annotated[str, Depends(require_scope("alerts"))]
"""The name of a token allowed to ack/snooze/silence alerts (`alerts` or `admin`)."""
