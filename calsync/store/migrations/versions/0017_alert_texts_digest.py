"""alerts: texts_digest, a digest of what a finding's texts are written from

Revision ID: 0017_alert_texts_digest
Revises: 0016_config_reload
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_alert_texts_digest'
down_revision = '0016_config_reload'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts') as batch:
        batch.add_column(sa.Column('texts_digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alerts') as batch:
        batch.drop_column('texts_digest')
