"""accounts, events and sessions

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 05:13:11.088904
"""

import sqlalchemy as sa
from alembic import op

import warehouse_lite.db


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password', sa.String(length=256), nullable=False),
    sa.Column('password_date', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('date_joined', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login', warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('disabled_reason', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires'), ['expires'], unique=False)

    op.create_table('user_emails',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('primary', sa.Boolean(), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('created', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_emails_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_emails'))
    )
    with op.batch_alter_table('user_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_emails_user_id'), ['user_id'], unique=False)
    # Case-insensitive uniqueness of usernames and addresses (expression indexes).
    op.create_index('ix_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)
    op.create_index('ix_user_emails_email_lower', 'user_emails', [sa.text('lower(email)')], unique=True)

    op.create_table('user_events',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.Column('time', warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('additional', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_events'))
    )
    with op.batch_alter_table('user_events', schema=None) as batch_op:
        batch_op.create_index('ix_user_events_user_id_time', ['user_id', 'time'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user_events', schema=None) as batch_op:
        batch_op.drop_index('ix_user_events_user_id_time')

    op.drop_table('user_events')
    op.drop_index('ix_user_emails_email_lower', table_name='user_emails')
    op.drop_index('ix_users_username_lower', table_name='users')
    with op.batch_alter_table('user_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_emails_user_id'))

    op.drop_table('user_emails')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires'))

    op.drop_table('web_sessions')
    op.drop_table('users')
