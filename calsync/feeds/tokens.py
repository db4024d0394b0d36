"""Secret tokens of private feeds, kept in the database so every process agrees.

A private feed is served only at `/feeds/{name}/{token}.ics`, like Google's "secret
address": whoever has the URL can subscribe, nobody can guess it. A feed has a shared
address (subscriber "", `calsync feeds rotate-token`) and one address per subscriber
(`calsync feeds token create NAME --for PERSON`), so one person's address can be revoked
without cutting off the others. A token is 32 random URL-safe characters from
`secrets`; rotating or revoking it takes effect at once (the old URL then answers 404,
as an unknown feed does). Tokens are stored as they are, because the URL must be shown
again (`calsync feeds`): a token is a capability, not a password.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from calsync.store.tables import feed_tokens

__all__ = ["SHARED", "FeedToken", "check_token", "ensure_token", "feed_subscribers",
           "get_token", "list_tokens", "revoke_token", "rotate_token"]

SHARED = ""
"""The subscriber name of a feed's shared address."""

_COLUMNS = (feed_tokens.c.feed, feed_tokens.c.token, feed_tokens.c.created_at,
            feed_tokens.c.created_by, feed_tokens.c.subscriber)


@dataclass(frozen=True, slots=True)
class FeedToken:
    feed: str
    token: str
    created_at: datetime
    created_by: str
    subscriber: str = SHARED


def _row(row: Row[Any, Any, Any, Any, Any]) -> FeedToken:
    return FeedToken(row[0], row[1], row[2], row[3], row[4])


def get_token(conn: Connection, feed: str, subscriber: str = SHARED) -> FeedToken | None:
    row = conn.execute(select(*_COLUMNS).where(feed_tokens.c.feed == feed,
                                               feed_tokens.c.subscriber == subscriber)).first()
    return _row(row) if row is not None else None


def list_tokens(conn: Connection) -> dict[str, FeedToken]:
    """The shared token of every feed that has one."""
    rows = conn.execute(select(*_COLUMNS).where(feed_tokens.c.subscriber == SHARED))
    return {token.feed: token for token in map(_row, rows)}


def feed_subscribers(conn: Connection, feed: str | None = None) -> list[FeedToken]:
    """The per-subscriber tokens (of one feed, or all), by feed and subscriber."""
    stmt = select(*_COLUMNS).where(feed_tokens.c.subscriber != SHARED)
    if feed is not None:
        stmt = stmt.where(feed_tokens.c.feed == feed)
    return [_row(r) for r in conn.execute(stmt.order_by(feed_tokens.c.feed,
                                                        feed_tokens.c.subscriber))]


def rotate_token(conn: Connection, feed: str, *, now: datetime, by: str,
                 subscriber: str = SHARED) -> FeedToken:
    """A new token for `feed` (and `subscriber`), replacing any old one (call inside a
    transaction)."""
    token = secrets.token_urlsafe(24)
    revoke_token(conn, feed, subscriber)
    conn.execute(insert(feed_tokens).values(feed=feed, subscriber=subscriber, token=token,
                                            created_at=now, created_by=by))
    return FeedToken(feed, token, now, by, subscriber)


def revoke_token(conn: Connection, feed: str, subscriber: str) -> bool:
    """Remove one subscriber's token; whether there was one."""
    result = conn.execute(delete(feed_tokens).where(feed_tokens.c.feed == feed,
                                                    feed_tokens.c.subscriber == subscriber))
    return bool(result.rowcount)


def ensure_token(conn: Connection, feed: str, *, now: datetime, by: str) -> FeedToken:
    """The feed's shared token, created on first use."""
    return get_token(conn, feed) or rotate_token(conn, feed, now=now, by=by)


def check_token(conn: Connection, feed: str, presented: str) -> bool:
    """Whether `presented` is one of the feed's current tokens (each compared in
    constant time, so the answer takes as long whichever character differs)."""
    tokens = conn.execute(select(feed_tokens.c.token)
                          .where(feed_tokens.c.feed == feed)).scalars().all()
    found = False
    for expected in tokens or [secrets.token_urlsafe(24)]:
        found |= hmac.compare_digest(presented.encode(), expected.encode())
    return found and bool(tokens)
