"""events: step identity (step_key, step_role) for expected-vs-actual supersede

Revision ID: 0005
Revises: 0002
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from calsync.steps import step_key, step_role

revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('step_key', sa.String(length=700), nullable=True))
        batch.add_column(sa.Column('step_role', sa.String(length=20), nullable=True))
        batch.create_index(batch.f('ix_events_step_key'), ['step_key'], unique=False)
    # Existing events that already name a step (attrs with "period") get their columns.
    conn = op.get_bind()
    events = sa.table('events', sa.column('id', sa.Integer), sa.column('actor', sa.String),
                      sa.column('attrs', sa.JSON), sa.column('step_key', sa.String),
                      sa.column('step_role', sa.String))
    rows = conn.execute(sa.select(events.c.id, events.c.actor, events.c.attrs).where(
        sa.cast(events.c.attrs, sa.Text).like('%"period"%'))).all()
    for id_, actor, attrs in rows:
        attrs = json.loads(attrs) if isinstance(attrs, str) else (attrs or {})
        key = step_key(actor, attrs)
        if key is not None:
            conn.execute(sa.update(events).where(events.c.id == id_).values(
                step_key=key, step_role=step_role(attrs)))


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_index(batch.f('ix_events_step_key'))
        batch.drop_column('step_role')
        batch.drop_column('step_key')
