"""uploads: once-per-project deprecation notices, file comments, license files

Revision ID: 0015
Revises: 0008
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import warehouse_lite.db

revision = "0015"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_notices",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=512), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("created", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_upload_notices_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_upload_notices_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("project_id", "kind", name=op.f("pk_upload_notices")),
    )
    with op.batch_alter_table("upload_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_notices_user_id"), ["user_id"], unique=False)
    # Nullable: rows from before this revision have no comment / never recorded license files.
    with op.batch_alter_table("release_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comment_text", sa.Text(), nullable=True))
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("license_files", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.drop_column("license_files")
    with op.batch_alter_table("release_files", schema=None) as batch_op:
        batch_op.drop_column("comment_text")
    with op.batch_alter_table("upload_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_notices_user_id"))
    op.drop_table("upload_notices")
