"""Sessions the server can end and login limits in the database: users.name_key (names unique ignoring case) and
users.active, the user_sessions and login_counters tables.

Existing names get their key (NFKC, case-folded). Where two existing names differ only in case, the oldest user
keeps the name's key; the later ones are disabled, get a key no login can type (``#<id>``) and are logged as a
warning: such a pair is what an impersonation looks like, and an administrator should look at it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:12:00.000000
"""
from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)
KEY_CHARS = 128


def _fill_name_keys() -> None:
    """Give every existing user a key; disable the later users of a name that differs from another only in case."""
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('name_key', sa.String), sa.column('active', sa.Boolean))
    taken: dict[str, str] = {}
    for user_id, name in connection.execute(sa.select(users.c.id, users.c.name).order_by(users.c.id)).all():
        key = unicodedata.normalize('NFKC', name).strip().casefold()
        values = {'name_key': key}
        if key in taken or len(key) > KEY_CHARS:
            values = {'name_key': f'#{user_id}', 'active': False}
            logger.warning("user %r disabled: its name differs only in case from the older user %r (or is too "
                           "long to compare); add the person again under a distinct name", name, taken.get(key))
        taken.setdefault(key, name)
        connection.execute(sa.update(users).where(users.c.id == user_id).values(**values))


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    _fill_name_keys()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=128), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_name_key'), ['name_key'])

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_counters',
    sa.Column('account', sa.String(length=128), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.Float(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_success', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('account', 'address', name=op.f('pk_login_counters'))
    )
    with op.batch_alter_table('login_counters', schema=None) as batch_op:
        batch_op.create_index('ix_login_counters_window_start', ['window_start'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_counters', schema=None) as batch_op:
        batch_op.drop_index('ix_login_counters_window_start')

    op.drop_table('login_counters')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_name_key'), type_='unique')
        batch_op.drop_column('active')
        batch_op.drop_column('name_key')
