"""email: the outbox of messages, written with the change they report

Revision ID: 0018
Revises: 0008
Create Date: 2026-12-02 04:30:00
"""

import sqlalchemy as sa
from alembic import op

import warehouse_lite.db

revision = "0018"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outgoing_emails",
        sa.Column("created", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("due", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("gave_up", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_emails")),
    )
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.create_index("ix_outgoing_emails_due", ["due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_outgoing_emails_due")
    op.drop_table("outgoing_emails")
