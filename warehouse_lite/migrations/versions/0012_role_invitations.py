"""role invitations: collaborators join a project by accepting an owner's invitation

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import warehouse_lite.db

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "role_invitations",
        sa.Column(
            "role_name",
            sa.Enum("OWNER", "MAINTAINER", name="rolename", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("created", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_role_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_role_invitations_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_role_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_invitations")),
        sa.UniqueConstraint("user_id", "project_id", name="uq_role_invitations_user_project"),
    )
    with op.batch_alter_table("role_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_invitations_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_role_invitations_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("role_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_invitations_user_id"))
        batch_op.drop_index(batch_op.f("ix_role_invitations_project_id"))
    op.drop_table("role_invitations")
