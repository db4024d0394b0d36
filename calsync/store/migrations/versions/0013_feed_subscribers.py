"""feed tokens per subscriber: the primary key becomes (feed, subscriber)

Revision ID: 0013
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feed_tokens', recreate='always') as batch_op:
        batch_op.add_column(sa.Column('subscriber', sa.String(length=100), nullable=False,
                                      server_default=''))
        batch_op.drop_constraint('pk_feed_tokens', type_='primary')
        batch_op.create_primary_key('pk_feed_tokens', ['feed', 'subscriber'])


def downgrade() -> None:
    op.execute("DELETE FROM feed_tokens WHERE subscriber <> ''")
    with op.batch_alter_table('feed_tokens', recreate='always') as batch_op:
        batch_op.drop_constraint('pk_feed_tokens', type_='primary')
        batch_op.drop_column('subscriber')
        batch_op.create_primary_key('pk_feed_tokens', ['feed'])
