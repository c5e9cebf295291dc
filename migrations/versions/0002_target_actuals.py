"""Actual values of Attachment 1's targets per park (or zone total) and quarter: the target_actuals table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 05:59:39.773122
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('target_actuals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=32), nullable=False),
    sa.Column('park', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('reporter', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("item_id = target_id || '@' || park", name=op.f('ck_target_actuals_item_id_is_cell')),
    sa.CheckConstraint('quarter >= 1 AND quarter <= 4', name=op.f('ck_target_actuals_quarter_range')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_target_actuals_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_actuals'))
    )
    with op.batch_alter_table('target_actuals', schema=None) as batch_op:
        batch_op.create_index('ix_target_actuals_latest',
                              ['target_id', 'park', 'year', 'quarter', 'reported_on', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('target_actuals', schema=None) as batch_op:
        batch_op.drop_index('ix_target_actuals_latest')

    op.drop_table('target_actuals')
