"""macaroons: API tokens and the projects a project-scoped token is for (needs 0002's projects)"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_index, drop_table, fk, pk, unique, utc, uuid

revision, down_revision = "0004", "0002"


def upgrade() -> None:
    op.create_table(
        "macaroons",
        uuid("user_id"),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("caveats", sa.JSON(), nullable=False),
        utc("created"),
        utc("last_used", nullable=True),
        utc("expires", nullable=True),
        sa.Column("project_names", sa.JSON(), nullable=False),
        uuid("id"),
        fk("macaroons", "user_id", "users"),
        pk("macaroons"),
        unique("macaroons", "user_id", "description", name="uq_macaroons_user_description"),
    )
    create_index("macaroons", "user_id")
    op.create_table(
        "macaroon_projects",
        uuid("macaroon_id"),
        uuid("project_id"),
        fk("macaroon_projects", "macaroon_id", "macaroons"),
        fk("macaroon_projects", "project_id", "projects"),
        pk("macaroon_projects", "macaroon_id", "project_id"),
    )
    create_index("macaroon_projects", "project_id")


def downgrade() -> None:
    drop_table("macaroon_projects", "ix_macaroon_projects_project_id")
    drop_table("macaroons", "ix_macaroons_user_id")
