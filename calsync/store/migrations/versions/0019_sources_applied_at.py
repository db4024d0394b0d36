"""sources: applied_at, when the last sync that wrote the source's events ran

A "not modified" sync no longer rewrites `last_seen` on every row of the source: the rows
the last writing sync saw (`last_seen >= applied_at`) count as seen at `last_success_at`.
Until now every success touched those rows, so `applied_at = last_success_at` keeps what
each stored event's last sighting means.

Revision ID: 0019_sources_applied_at
Revises: 0018_event_search_text
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calsync.store.tables

revision = '0019_sources_applied_at'
down_revision = '0018_event_search_text'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources') as batch:
        batch.add_column(sa.Column('applied_at', calsync.store.tables.UTCDateTime(timezone=True),
                                   nullable=True))
    op.execute("UPDATE sources SET applied_at = last_success_at")


def downgrade() -> None:
    # Back to one `last_seen` per row: the rows a "not modified" sync saw again get it.
    op.execute("UPDATE events SET last_seen = (SELECT s.last_success_at FROM sources s "
               "WHERE s.name = events.source) WHERE EXISTS (SELECT 1 FROM sources s "
               "WHERE s.name = events.source AND s.applied_at <= events.last_seen "
               "AND s.last_success_at > events.last_seen)")
    with op.batch_alter_table('sources') as batch:
        batch.drop_column('applied_at')
