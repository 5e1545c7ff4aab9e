"""role invitations: collaborators join a project by accepting an owner's invitation"""

from alembic import op

from warehouse_lite.migrations.schema import create_index, drop_table
from warehouse_lite.migrations.schema import fk, pk, role_name, unique, utc, uuid

revision, down_revision = "0012", "0008"


def upgrade() -> None:
    op.create_table(
        "role_invitations",
        role_name(),
        uuid("user_id"),
        uuid("project_id"),
        uuid("invited_by_id", nullable=True),
        utc("created"),
        utc("expires"),
        uuid("id"),
        fk("role_invitations", "invited_by_id", "users", ondelete="SET NULL"),
        fk("role_invitations", "project_id", "projects"),
        fk("role_invitations", "user_id", "users"),
        pk("role_invitations"),
        unique(
            "role_invitations", "user_id", "project_id", name="uq_role_invitations_user_project"
        ),
    )
    create_index("role_invitations", "project_id")
    create_index("role_invitations", "user_id")


def downgrade() -> None:
    drop_table("role_invitations", "ix_role_invitations_user_id", "ix_role_invitations_project_id")
