"""Secret tokens of private feeds, kept in the database so every process agrees.

A private feed is served only at `/feeds/{name}/{token}.ics`, like Google's "secret
address": whoever has the URL can subscribe, nobody can guess it. The token is 32
random URL-safe characters from `secrets`; rotating it replaces it at once (the old URL
then answers 404, as an unknown feed does). The token is stored as it is, because the
URL must be shown again (`calsync feeds`) — it is a capability, not a password.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from calsync.store.tables import feed_tokens

__all__ = ["FeedToken", "check_token", "ensure_token", "get_token", "list_tokens",
           "rotate_token"]


@dataclass(frozen=True, slots=True)
class FeedToken:
    feed: str
    token: str
    created_at: datetime
    created_by: str


def _row(row: Row[Any, Any, Any, Any]) -> FeedToken:
    return FeedToken(row[0], row[1], row[2], row[3])


def get_token(conn: Connection, feed: str) -> FeedToken | None:
    row = conn.execute(select(feed_tokens.c.feed, feed_tokens.c.token,
                              feed_tokens.c.created_at, feed_tokens.c.created_by)
                       .where(feed_tokens.c.feed == feed)).first()
    return _row(row) if row is not None else None


def list_tokens(conn: Connection) -> dict[str, FeedToken]:
    rows = conn.execute(select(feed_tokens.c.feed, feed_tokens.c.token,
                               feed_tokens.c.created_at, feed_tokens.c.created_by))
    return {token.feed: token for token in map(_row, rows)}


def rotate_token(conn: Connection, feed: str, *, now: datetime, by: str) -> FeedToken:
    """A new token for `feed`, replacing any old one (call inside a transaction)."""
    token = secrets.token_urlsafe(24)
    conn.execute(delete(feed_tokens).where(feed_tokens.c.feed == feed))
    conn.execute(insert(feed_tokens).values(feed=feed, token=token, created_at=now,
                                            created_by=by))
    return FeedToken(feed, token, now, by)


def ensure_token(conn: Connection, feed: str, *, now: datetime, by: str) -> FeedToken:
    """The feed's token, created on first use."""
    return get_token(conn, feed) or rotate_token(conn, feed, now=now, by=by)


def check_token(conn: Connection, feed: str, presented: str) -> bool:
    """Whether `presented` is the feed's current token (constant-time comparison)."""
    found = get_token(conn, feed)
    expected = found.token if found is not None else secrets.token_urlsafe(24)
    return hmac.compare_digest(presented.encode(), expected.encode()) and found is not None
