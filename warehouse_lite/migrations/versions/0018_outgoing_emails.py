"""email: the outbox of messages, written with the change they report"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_index, drop_table, pk, utc, uuid

revision, down_revision = "0018", "0008"


def upgrade() -> None:
    op.create_table(
        "outgoing_emails",
        utc("created"),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        utc("due", nullable=True),
        utc("claimed_until", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        utc("sent", nullable=True),
        utc("gave_up", nullable=True),
        uuid("id"),
        pk("outgoing_emails"),
    )
    create_index("outgoing_emails", "due", name="ix_outgoing_emails_due")


def downgrade() -> None:
    drop_table("outgoing_emails", "ix_outgoing_emails_due")
