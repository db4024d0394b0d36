"""Admin endpoints of private feeds: their secret addresses, shared and per subscriber.

    POST   /api/feeds/{name}/rotate-token           a new shared address (the old one dies)
    POST   /api/feeds/{name}/tokens                 {"subscriber": ...}: a person's address
    GET    /api/feeds/{name}/tokens                 the subscribers and their addresses
    DELETE /api/feeds/{name}/tokens/{subscriber}    revoke one person's address
    GET    /api/feeds/private                       every secret address

All need a token with the `admin` scope; the token's name is recorded as who did it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from calsync.errors import NotFoundError
from calsync.feeds.service import feed_config, feed_urls, private_feed_config
from calsync.feeds.tokens import (
    FeedToken,
    feed_subscribers,
    list_tokens,
    revoke_token,
    rotate_token,
)
from calsync.i18n.messages import Message
from calsync.web.auth import AdminUser
from calsync.web.deps import Conn, RuntimeDep

__all__ = ["router"]

log = logging.getLogger("calsync.web.tokens")
router = APIRouter(prefix="/api")


class TokenOut(BaseModel):
    feed: str
    url: str
    webcal: str
    created_at: str
    created_by: str
    subscriber: str | None = Field(None, description="Whose address it is (None: shared).")

    @classmethod
    def of(cls, config: Any, token: FeedToken) -> TokenOut:
        urls = feed_urls(config, token.feed, token.token)
        return cls(feed=token.feed, url=urls["url"], webcal=urls["webcal"],
                   created_at=token.created_at.isoformat(), created_by=token.created_by,
                   subscriber=token.subscriber or None)


class SubscriberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscriber: str = Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$",
                            description="Who the address is for (a name or an email).")


@router.post("/feeds/{name}/rotate-token", response_model=TokenOut, tags=["admin"],
             responses={404: {"description": "No such private feed."}})
def rotate_token_endpoint(name: str, runtime: RuntimeDep, user: AdminUser) -> TokenOut:
    """A new secret URL for a private feed; the old one stops working at once."""
    private_feed_config(runtime.config, name)
    with runtime.engine.begin() as conn:
        token = rotate_token(conn, name, now=runtime.clock.now(), by=user)
    log.info("token of feed %s rotated by %s", name, user)
    return TokenOut.of(runtime.config, token)


@router.get("/feeds/private", response_model=list[TokenOut], tags=["admin"])
def private_feeds_endpoint(runtime: RuntimeDep, conn: Conn, user: AdminUser
                           ) -> list[TokenOut]:
    """The secret addresses of the private feeds: shared ones and per subscriber."""
    del user
    tokens = [*sorted(list_tokens(conn).values(), key=lambda t: t.feed),
              *feed_subscribers(conn)]
    out = []
    for token in tokens:
        spec = feed_config(runtime.config, token.feed)
        if spec is not None and spec.private:
            out.append(TokenOut.of(runtime.config, token))
    return out


@router.post("/feeds/{name}/tokens", response_model=TokenOut, status_code=201,
             tags=["admin"], responses={404: {"description": "No such private feed."}})
def create_subscriber_token(name: str, body: SubscriberIn, runtime: RuntimeDep,
                            user: AdminUser) -> TokenOut:
    """A secret address of a private feed for one subscriber (replacing theirs, if
    they had one); revoking it later cuts off nobody else."""
    private_feed_config(runtime.config, name)
    with runtime.engine.begin() as conn:
        token = rotate_token(conn, name, now=runtime.clock.now(), by=user,
                             subscriber=body.subscriber)
    log.info("address of feed %s for %s created by %s", name, body.subscriber, user)
    return TokenOut.of(runtime.config, token)


@router.get("/feeds/{name}/tokens", response_model=list[TokenOut], tags=["admin"],
            responses={404: {"description": "No such private feed."}})
def list_subscriber_tokens(name: str, runtime: RuntimeDep, conn: Conn, user: AdminUser
                           ) -> list[TokenOut]:
    """The subscribers of a private feed with their secret addresses."""
    del user
    private_feed_config(runtime.config, name)
    return [TokenOut.of(runtime.config, t) for t in feed_subscribers(conn, name)]


@router.delete("/feeds/{name}/tokens/{subscriber}", status_code=204, tags=["admin"],
               responses={404: {"description": "No such private feed or subscriber."}})
def revoke_subscriber_token(name: str, subscriber: str, runtime: RuntimeDep,
                            user: AdminUser) -> Response:
    """Revoke one subscriber's address at once; the other addresses keep working."""
    private_feed_config(runtime.config, name)
    with runtime.engine.begin() as conn:
        if not revoke_token(conn, name, subscriber):
            raise NotFoundError(Message("feed {name!r} has no subscriber {subscriber!r}",
                                        name=name, subscriber=subscriber))
    log.info("address of feed %s for %s revoked by %s", name, subscriber, user)
    return Response(status_code=204)
