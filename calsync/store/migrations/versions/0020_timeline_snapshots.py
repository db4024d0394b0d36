"""timeline_snapshots: the rules' timeline as a new process starts from it

Revision ID: 0020_timeline_snapshots
Revises: 0019_sources_applied_at
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calsync.store.tables

revision = '0020_timeline_snapshots'
down_revision = '0019_sources_applied_at'
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = calsync.store.tables.UTCDateTime(timezone=True)
    op.create_table(
        'timeline_snapshots',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('format', sa.String(length=400), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('sequences', sa.BigInteger(), nullable=False),
        sa.Column('top_id', sa.Integer(), nullable=False),
        sa.Column('newest', when, nullable=True),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.Column('written_at', when, nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_timeline_snapshots')),
    )


def downgrade() -> None:
    op.drop_table('timeline_snapshots')
