"""alerts: alerts, alert transitions, silences, notification groups and outbox (issue 5)

Revision ID: 0002
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calsync.store.tables

revision = '0002'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=16), nullable=False),
    sa.Column('rule_id', sa.String(length=100), nullable=False),
    sa.Column('rule_kind', sa.String(length=20), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('annotations', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('workflow', sa.String(length=20), nullable=False),
    sa.Column('starts_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('subject_uid', sa.String(length=120), nullable=True),
    sa.Column('object_uid', sa.String(length=120), nullable=True),
    sa.Column('ack_by', sa.String(length=200), nullable=True),
    sa.Column('ack_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_comment', sa.Text(), nullable=True),
    sa.Column('snooze_until', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_alerts_fingerprint'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_status_rule_id'), ['status', 'rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_subject_uid'), ['subject_uid'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_object_uid'), ['object_uid'], unique=False)

    op.create_table('alert_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('from_value', sa.Text(), nullable=True),
    sa.Column('to_value', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_transitions_alert_id_alerts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_transitions'))
    )
    with op.batch_alter_table('alert_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_transitions_alert_id_at'), ['alert_id', 'at'], unique=False)

    op.create_table('silences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matchers', sa.JSON(), nullable=False),
    sa.Column('starts_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_silences'))
    )
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_silences_ends_at'), ['ends_at'], unique=False)

    op.create_table('notification_groups',
    sa.Column('receiver', sa.String(length=100), nullable=False),
    sa.Column('group_hash', sa.String(length=16), nullable=False),
    sa.Column('group_key', sa.Text(), nullable=False),
    sa.Column('group_labels', sa.JSON(), nullable=False),
    sa.Column('notified', sa.JSON(), nullable=False),
    sa.Column('last_sent_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('receiver', 'group_hash', name=op.f('pk_notification_groups'))
    )
    op.create_table('notification_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receiver', sa.String(length=100), nullable=False),
    sa.Column('group_key', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('lease_until', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('sent_at', calsync.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox'))
    )
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_outbox_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_outbox_status_next_attempt_at'))
    op.drop_table('notification_outbox')
    op.drop_table('notification_groups')
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_silences_ends_at'))
    op.drop_table('silences')
    with op.batch_alter_table('alert_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_transitions_alert_id_at'))
    op.drop_table('alert_transitions')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_object_uid'))
        batch_op.drop_index(batch_op.f('ix_alerts_subject_uid'))
        batch_op.drop_index(batch_op.f('ix_alerts_status_rule_id'))
    op.drop_table('alerts')
