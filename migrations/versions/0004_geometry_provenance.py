"""Geometry provenance: geometry_versions.source (how the geometry was made) and restored_from (the version a revert
copied).

Before this revision every stored version was labelled "surveyed" when shown, though the only ways in were the
item page's editor (drawn by clicking, or a GeoJSON file loaded there) and the same PUT from an API client: no
survey import existed. Existing rows therefore become ``hand_drawn`` (the fix is this migration, not a rule applied
when reading); ``surveyed`` is kept for geometries an import of a survey file stores.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SOURCES = ("hand_drawn", "uploaded", "surveyed", "baseline")
LEGACY_SOURCE = "hand_drawn"


def upgrade() -> None:
    with op.batch_alter_table('geometry_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('restored_from', sa.Integer(), nullable=True))
    op.execute(sa.text("UPDATE geometry_versions SET source = :source").bindparams(source=LEGACY_SOURCE))
    with op.batch_alter_table('geometry_versions', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_check_constraint(op.f('ck_geometry_versions_source_value'),
                                         f"source IN ({', '.join(repr(source) for source in SOURCES)})")
        batch_op.create_check_constraint(op.f('ck_geometry_versions_restored_from_positive'),
                                         "restored_from IS NULL OR restored_from >= 0")


def downgrade() -> None:
    with op.batch_alter_table('geometry_versions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_geometry_versions_restored_from_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_geometry_versions_source_value'), type_='check')
        batch_op.drop_column('restored_from')
        batch_op.drop_column('source')
