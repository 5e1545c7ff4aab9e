"""uploads: once-per-project deprecation notices, file comments, license files"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_index, drop_table, fk, pk, utc, uuid

revision, down_revision = "0015", "0008"


def upgrade() -> None:
    op.create_table(
        "upload_notices",
        uuid("project_id"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=512), nullable=False),
        uuid("user_id", nullable=True),
        utc("created"),
        fk("upload_notices", "project_id", "projects"),
        fk("upload_notices", "user_id", "users", ondelete="SET NULL"),
        pk("upload_notices", "project_id", "kind"),
    )
    create_index("upload_notices", "user_id")
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
    drop_table("upload_notices", "ix_upload_notices_user_id")
