"""sources: retry_after, when the upstream itself asked not to be fetched before

Revision ID: 0015_h17_retry_after
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calsync.store.tables

revision = '0015_h17_retry_after'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources') as batch:
        batch.add_column(sa.Column('retry_after', calsync.store.tables.UTCDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sources') as batch:
        batch.drop_column('retry_after')
