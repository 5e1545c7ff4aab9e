"""Production mode refuses the embedded SQLite database, at start-up (docs/embedded.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse_lite.settings import SettingsError, load_settings

PRODUCTION_ON_SQLITE = {
    "WAREHOUSE_ENV": "production",
    "SESSION_SECRET": "s" * 40,
    "TOKEN_SECRET": "t" * 40,
}


@pytest.mark.parametrize(
    "url", ["sqlite:////srv/warehouse.sqlite3", "sqlite:///var/db.sqlite3", "sqlite://"]
)
def test_production_refuses_an_sqlite_database(tmp_path: Path, url: str) -> None:
    environ = {"VAR_DIR": str(tmp_path), **PRODUCTION_ON_SQLITE, "DATABASE_URL": url}
    with pytest.raises(SettingsError, match=r"SQLite .* production needs PostgreSQL"):
        load_settings(environ)
    # The same database is fine outside production (the embedded mode).
    assert load_settings({**environ, "WAREHOUSE_ENV": "development"}).database_url == url


def test_production_on_sqlite_stops_the_processes_at_start_up(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **PRODUCTION_ON_SQLITE,
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.sqlite3'}",
    }
    cli = Path(sys.executable).parent / "warehouse-lite"
    upgrade = subprocess.run(
        [str(cli), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )
    assert upgrade.returncode == 1
    assert "configuration error: DATABASE_URL is an SQLite database" in upgrade.stderr
    # gunicorn imports warehouse_lite.wsgi: the import fails before any worker serves.
    wsgi = subprocess.run(
        [sys.executable, "-c", "import warehouse_lite.wsgi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wsgi.returncode != 0
    assert "SettingsError: DATABASE_URL is an SQLite database" in wsgi.stderr
    assert not (tmp_path / "warehouse.sqlite3").exists()
