"""Building blocks of the revision scripts: the columns, constraints and indexes that many
tables repeat, under the names the models' naming convention (``db.NAMING_CONVENTION``) gives.

Revisions that have shipped are built from these, and a database upgraded long ago must match
one built today: never change what a function here emits. A later revision that needs
something else gets a new function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from warehouse_lite.db import UTCDateTime


def uuid(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A UUID column: the table's ``id``, or the id of a row elsewhere."""
    return sa.Column(name, sa.Uuid(), nullable=nullable)


def utc(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A timezone-aware UTC timestamp column."""
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """The primary key of ``table``: ``columns``, or its ``id`` column when none is named."""
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def fk(
    table: str, column: str, target: str, *, ondelete: str = "CASCADE"
) -> sa.ForeignKeyConstraint:
    """``table.column`` references ``target.id``."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def unique(table: str, *columns: str, name: str | None = None) -> sa.UniqueConstraint:
    """A unique constraint: named by the convention for one column, by ``name`` for several."""
    return sa.UniqueConstraint(*columns, name=name or op.f(f"uq_{table}_{columns[0]}"))


def create_index(table: str, *columns: str, name: str | None = None) -> None:
    """Index ``columns`` of ``table``: named by the convention for one column, else ``name``."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(
            name or batch_op.f(f"ix_{table}_{columns[0]}"), list(columns), unique=False
        )


def drop_table(table: str, *indexes: str) -> None:
    """Drop ``table`` after the indexes named ``indexes``."""
    if indexes:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(batch_op.f(name))
    op.drop_table(table)


def create_event_table(table: str, parent_column: str, parent_table: str) -> None:
    """A security-history table (user_events, project_events): a tag, when, from where, and
    a JSON ``additional``, for one row of ``parent_table``; indexed for its newest first."""
    op.create_table(
        table,
        uuid(parent_column),
        sa.Column("tag", sa.String(length=64), nullable=False),
        utc("time"),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("additional", sa.JSON(), nullable=False),
        uuid("id"),
        fk(table, parent_column, parent_table),
        pk(table),
    )
    create_index(table, parent_column, "time", name=f"ix_{table}_{parent_column}_time")


def role_name() -> sa.Column[Any]:
    """A collaborator's role on a project (roles, role_invitations), stored as its name."""
    return sa.Column(
        "role_name",
        sa.Enum("OWNER", "MAINTAINER", name="rolename", native_enum=False, length=20),
        nullable=False,
    )


def merge_point() -> tuple[Callable[[], None], Callable[[], None]]:
    """upgrade() and downgrade() of a revision that joins branches: nothing to change."""

    def upgrade() -> None:
        pass

    def downgrade() -> None:
        pass

    return upgrade, downgrade
