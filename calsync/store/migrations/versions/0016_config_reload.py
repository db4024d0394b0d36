"""config reloads: the generation every instance watches, and each instance's answer

Revision ID: 0016_config_reload
Revises: 0015_h17_retry_after
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calsync.store.tables

revision = '0016_config_reload'
down_revision = '0015_h17_retry_after'
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = calsync.store.tables.UTCDateTime(timezone=True)
    op.create_table(
        'config_reloads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_at', when, nullable=False),
        sa.Column('requested_by', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_config_reloads')),
    )
    op.create_table(
        'config_instances',
        sa.Column('instance', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('loaded_at', when, nullable=False),
        sa.Column('attempted_at', when, nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('seen_at', when, nullable=False),
        sa.PrimaryKeyConstraint('instance', name=op.f('pk_config_instances')),
    )


def downgrade() -> None:
    op.drop_table('config_instances')
    op.drop_table('config_reloads')
