"""packaging"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_event_table, create_index, drop_table
from warehouse_lite.migrations.schema import fk, pk, role_name, unique, utc, uuid

revision, down_revision = "0002", "0001"


def upgrade() -> None:
    op.create_table(
        "filename_registry",
        sa.Column("filename", sa.String(length=512), nullable=False),
        utc("created"),
        pk("filename_registry", "filename"),
    )
    op.create_table(
        "projects",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        utc("created"),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.Column("total_size", sa.BigInteger(), nullable=False),
        uuid("id"),
        pk("projects"),
        unique("projects", "normalized_name"),
    )
    op.create_table(
        "journals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        utc("submitted_date"),
        uuid("submitted_by_id", nullable=True),
        fk("journals", "submitted_by_id", "users", ondelete="SET NULL"),
        pk("journals"),
    )
    create_index("journals", "name")
    create_event_table("project_events", "project_id", "projects")
    _create_releases()
    op.create_table(
        "roles",
        role_name(),
        uuid("user_id"),
        uuid("project_id"),
        uuid("id"),
        fk("roles", "project_id", "projects"),
        fk("roles", "user_id", "users"),
        pk("roles"),
        unique("roles", "user_id", "project_id", name="uq_roles_user_project"),
    )
    create_index("roles", "project_id")
    create_index("roles", "user_id")
    _create_release_files()


def _create_releases() -> None:
    def optional_text(*names: str) -> list[sa.Column]:
        return [sa.Column(name, sa.Text(), nullable=True) for name in names]

    json_lists = ("classifiers", "requires_dist", "provides_extra", "project_urls", "dynamic")
    op.create_table(
        "releases",
        uuid("project_id"),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("canonical_version", sa.String(length=100), nullable=False),
        sa.Column("sort_key", sa.Integer(), nullable=False),
        utc("created"),
        sa.Column("metadata_version", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=512), nullable=True),
        *optional_text("description"),
        sa.Column("description_content_type", sa.String(length=128), nullable=True),
        *optional_text("rendered_description", "author", "author_email", "maintainer"),
        *optional_text("maintainer_email", "license", "license_expression", "keywords"),
        *optional_text("home_page", "download_url", "platform"),
        sa.Column("requires_python", sa.String(length=200), nullable=True),
        *(sa.Column(name, sa.JSON(), nullable=False) for name in json_lists),
        sa.Column("yanked", sa.Boolean(), nullable=False),
        sa.Column("yanked_reason", sa.Text(), nullable=False),
        uuid("uploader_id", nullable=True),
        uuid("id"),
        fk("releases", "project_id", "projects"),
        fk("releases", "uploader_id", "users", ondelete="SET NULL"),
        pk("releases"),
        unique("releases", "project_id", "canonical_version", name="uq_releases_project_version"),
    )
    create_index("releases", "project_id")


def _create_release_files() -> None:
    op.create_table(
        "release_files",
        uuid("release_id"),
        uuid("project_id"),
        sa.Column("filename", sa.String(length=512), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256_digest", sa.String(length=64), nullable=False),
        sa.Column("blake2_256_digest", sa.String(length=64), nullable=False),
        sa.Column("md5_digest", sa.String(length=32), nullable=False),
        sa.Column("packagetype", sa.String(length=32), nullable=False),
        sa.Column("python_version", sa.String(length=64), nullable=False),
        sa.Column("requires_python", sa.String(length=200), nullable=True),
        utc("upload_time"),
        sa.Column("metadata_sha256", sa.String(length=64), nullable=True),
        sa.Column("uploaded_via", sa.String(length=200), nullable=True),
        uuid("id"),
        fk("release_files", "project_id", "projects"),
        fk("release_files", "release_id", "releases"),
        pk("release_files"),
        *(
            unique("release_files", column)
            for column in ("blake2_256_digest", "filename", "path", "sha256_digest")
        ),
    )
    create_index("release_files", "project_id")
    create_index("release_files", "release_id")


def downgrade() -> None:
    drop_table("release_files", "ix_release_files_release_id", "ix_release_files_project_id")
    drop_table("roles", "ix_roles_user_id", "ix_roles_project_id")
    drop_table("releases", "ix_releases_project_id")
    drop_table("project_events", "ix_project_events_project_id_time")
    drop_table("journals", "ix_journals_name")
    drop_table("projects")
    drop_table("filename_registry")
