"""admin: the log of administrator actions"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_index, drop_table, fk, pk, utc, uuid

revision, down_revision = "0007", "0001"


def upgrade() -> None:
    op.create_table(
        "admin_actions",
        utc("time"),
        sa.Column("admin_username", sa.String(length=100), nullable=False),
        uuid("admin_id", nullable=True),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_name", sa.String(length=200), nullable=False),
        uuid("target_id", nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        uuid("id"),
        fk("admin_actions", "admin_id", "users", ondelete="SET NULL"),
        pk("admin_actions"),
    )
    create_index("admin_actions", "target_kind", "target_name", name="ix_admin_actions_target")
    create_index("admin_actions", "time")


def downgrade() -> None:
    drop_table("admin_actions", "ix_admin_actions_time", "ix_admin_actions_target")
