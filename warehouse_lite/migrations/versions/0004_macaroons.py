"""macaroons: API tokens and the projects a project-scoped token is for

Revision ID: 0004
Revises: 0002
Depends on: 0002 (macaroon_projects references projects)
Create Date: 2026-11-27 05:20:31.038604
"""

import sqlalchemy as sa
from alembic import op

import warehouse_lite.db

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "macaroons",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("caveats", sa.JSON(), nullable=False),
        sa.Column("created", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("project_names", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_macaroons_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macaroons")),
        sa.UniqueConstraint("user_id", "description", name="uq_macaroons_user_description"),
    )
    with op.batch_alter_table("macaroons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_macaroons_user_id"), ["user_id"], unique=False)

    op.create_table(
        "macaroon_projects",
        sa.Column("macaroon_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["macaroon_id"],
            ["macaroons.id"],
            name=op.f("fk_macaroon_projects_macaroon_id_macaroons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_macaroon_projects_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("macaroon_id", "project_id", name=op.f("pk_macaroon_projects")),
    )
    with op.batch_alter_table("macaroon_projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_macaroon_projects_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("macaroon_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_macaroon_projects_project_id"))

    op.drop_table("macaroon_projects")
    with op.batch_alter_table("macaroons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_macaroons_user_id"))

    op.drop_table("macaroons")
