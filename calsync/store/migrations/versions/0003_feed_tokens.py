"""feed tokens: secret URLs of private feeds

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calsync.store.tables

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feed_tokens',
    sa.Column('feed', sa.String(length=100), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('feed', name=op.f('pk_feed_tokens')),
    sa.UniqueConstraint('token', name=op.f('uq_feed_tokens_token'))
    )


def downgrade() -> None:
    op.drop_table('feed_tokens')
