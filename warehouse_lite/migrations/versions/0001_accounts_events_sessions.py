"""accounts, events and sessions"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_event_table, create_index, drop_table
from warehouse_lite.migrations.schema import fk, pk, utc, uuid

revision, down_revision = "0001", None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password", sa.String(length=256), nullable=False),
        utc("password_date"),
        utc("date_joined"),
        utc("last_login", nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        uuid("id"),
        pk("users"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        pk("web_sessions"),
    )
    create_index("web_sessions", "expires")
    op.create_table(
        "user_emails",
        uuid("user_id"),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        utc("created"),
        uuid("id"),
        fk("user_emails", "user_id", "users"),
        pk("user_emails"),
    )
    create_index("user_emails", "user_id")
    # Case-insensitive uniqueness of usernames and addresses (expression indexes).
    op.create_index("ix_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index(
        "ix_user_emails_email_lower", "user_emails", [sa.text("lower(email)")], unique=True
    )
    create_event_table("user_events", "user_id", "users")


def downgrade() -> None:
    drop_table("user_events", "ix_user_events_user_id_time")
    op.drop_index("ix_user_emails_email_lower", table_name="user_emails")
    op.drop_index("ix_users_username_lower", table_name="users")
    drop_table("user_emails", "ix_user_emails_user_id")
    drop_table("web_sessions", "ix_web_sessions_expires")
    drop_table("users")
