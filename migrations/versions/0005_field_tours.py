"""Field mode for inspection tours: saved_tours (a tour stored with its request and frozen result), tour_checkins
and tour_photos (what was recorded at each stop; a photo's bytes live in the media store, not here).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 22:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_tours',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('tour_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_tours'))
    )

    op.create_table('tour_checkins',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('tour_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('far', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('progress_estimate', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.CheckConstraint('progress_estimate IS NULL OR (progress_estimate >= 0 AND progress_estimate <= 100)',
                       name=op.f('ck_tour_checkins_progress_estimate_range')),
    sa.ForeignKeyConstraint(['tour_id'], ['saved_tours.id'], name=op.f('fk_tour_checkins_tour_id_saved_tours')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour_checkins')),
    sa.UniqueConstraint('client_id', name=op.f('uq_tour_checkins_client_id'))
    )
    with op.batch_alter_table('tour_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_checkins_tour_id'), ['tour_id'], unique=False)

    op.create_table('tour_photos',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('tour_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('checkin_client_id', sa.String(length=64), nullable=True),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('exif_lat', sa.Float(), nullable=True),
    sa.Column('exif_lon', sa.Float(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['tour_id'], ['saved_tours.id'], name=op.f('fk_tour_photos_tour_id_saved_tours')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour_photos')),
    sa.UniqueConstraint('client_id', name=op.f('uq_tour_photos_client_id'))
    )
    with op.batch_alter_table('tour_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_photos_tour_id'), ['tour_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tour_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tour_photos_tour_id'))

    op.drop_table('tour_photos')
    with op.batch_alter_table('tour_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tour_checkins_tour_id'))

    op.drop_table('tour_checkins')
    op.drop_table('saved_tours')
