"""Alembic environment: runs against the engine the CLI hands over (or DATABASE_URL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from warehouse_lite.models import metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from warehouse_lite.db import make_engine
        from warehouse_lite.settings import load_settings

        engine = make_engine(load_settings())
        with engine.connect() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only ALTER tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
