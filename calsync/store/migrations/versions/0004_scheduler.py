"""scheduler: the run ledger (one row per job and tick, leases, fencing)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calsync.store.tables

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('tick_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('not_before', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('sync_run_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_runs')),
    sa.UniqueConstraint('job', 'tick_at', name=op.f('uq_scheduler_runs_job_tick_at'))
    )
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_runs_state_lease_until'), ['state', 'lease_until'], unique=False)
        batch_op.create_index('uq_scheduler_runs_one_running', ['job'], unique=True, sqlite_where=sa.text("state = 'running'"), postgresql_where=sa.text("state = 'running'"))


def downgrade() -> None:
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_scheduler_runs_one_running', sqlite_where=sa.text("state = 'running'"), postgresql_where=sa.text("state = 'running'"))
        batch_op.drop_index(batch_op.f('ix_scheduler_runs_state_lease_until'))

    op.drop_table('scheduler_runs')
