"""Initial status schema: items, progress reports, check-off events, geometry versions, milestones, users,
audit log.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 03:41:43.361579
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_item_id'), ['item_id'], unique=False)

    op.create_table('items',
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period_start IS NULL OR period_end IS NULL OR period_start < period_end', name=op.f('ck_items_period_order')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_items_version_positive')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_items'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name=op.f('ck_users_role_value')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('check_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('close', 'reopen')", name=op.f('ck_check_events_action_value')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_check_events_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_events'))
    )
    with op.batch_alter_table('check_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_events_item_id'), ['item_id'], unique=False)

    op.create_table('geometry_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('geometry', sa.JSON(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_geometry_versions_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_geometry_versions')),
    sa.UniqueConstraint('item_id', 'version', name='uq_geometry_versions_item_version')
    )
    op.create_table('milestones',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('expected_percent', sa.Float(), nullable=False),
    sa.CheckConstraint('expected_percent >= 0 AND expected_percent <= 100', name=op.f('ck_milestones_expected_percent_range')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_milestones_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('item_id', 'due_on', name='uq_milestones_item_due_on')
    )
    op.create_table('progress_reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('percent', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('reporter', sa.String(length=64), nullable=False),
    sa.Column('reported_colour', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reported_colour IS NULL OR reported_colour IN ('green', 'yellow', 'red')", name=op.f('ck_progress_reports_reported_colour_value')),
    sa.CheckConstraint("state IN ('未开始', '进行中', '已完成', '暂停')", name=op.f('ck_progress_reports_state_value')),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name=op.f('ck_progress_reports_percent_range')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_progress_reports_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reports'))
    )
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.create_index('ix_progress_reports_latest', ['item_id', 'reported_on', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_reports_latest')

    op.drop_table('progress_reports')
    op.drop_table('milestones')
    op.drop_table('geometry_versions')
    with op.batch_alter_table('check_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_events_item_id'))

    op.drop_table('check_events')
    op.drop_table('users')
    op.drop_table('items')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_item_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
