"""Test databases: SQLite files or throwaway PostgreSQL databases, one per test run.

WAREHOUSE_TEST_DATABASE selects the backend: "sqlite" (default) or a PostgreSQL URL of a
server where we may CREATE DATABASE (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
Each run (and each pytest-xdist worker) gets its own database, so runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text


def backend() -> str:
    value = os.environ.get("WAREHOUSE_TEST_DATABASE", "sqlite")
    return "sqlite" if value == "sqlite" else "postgresql"


@contextmanager
def throwaway_database_url(tmp_dir: Path, server: str | None = None) -> Iterator[str]:
    """A URL of an empty database that is removed afterwards.

    ``server`` overrides WAREHOUSE_TEST_DATABASE ("sqlite" or a PostgreSQL admin URL).
    """
    value = server or os.environ.get("WAREHOUSE_TEST_DATABASE", "sqlite")
    if value == "sqlite":
        yield f"sqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    admin_url = make_url(value.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"wl_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
