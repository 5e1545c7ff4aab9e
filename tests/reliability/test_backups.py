"""`warehouse-lite backup create` then `backup restore` into a fresh database and file storage:
the restored index serves the same files with the same hashes, and old tokens still work.

PostgreSQL: the live server's database (pg_dump custom format), restored into a new database
of the same cluster. SQLite: an embedded-mode site, backed up with SQLite's online backup API.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import webtest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from tests.common.dists import make_sdist, make_wheel
from tests.e2e.servers import BIN, LiveServer
from tests.reliability.live import PASSWORD, make_account, sha256, upload
from tests.reliability.pgcluster import PostgresCluster
from warehouse_lite import migrations
from warehouse_lite.accounts.services import UserService
from warehouse_lite.cli import main
from warehouse_lite.config import make_wsgi_app
from warehouse_lite.db import make_engine
from warehouse_lite.settings import Settings, load_settings

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _settings(
    var_dir: Path, database_url: str = "", site_url: str = "http://localhost"
) -> Settings:
    return load_settings(
        {},
        env="test",
        var_dir=var_dir,
        database_url=database_url,
        session_secret="b" * 40,
        token_secret="c" * 40,
        site_url=site_url,
        mail_backend="outbox",
        celery_eager=True,
    )


def _env(settings: Settings) -> dict[str, str]:
    return {
        "WAREHOUSE_ENV": "test",
        "VAR_DIR": str(settings.var_dir),
        "DATABASE_URL": settings.database_url,
        "FILES_DIR": str(settings.storage_dir),
        "SESSION_SECRET": settings.session_secret,
        "TOKEN_SECRET": settings.token_secret,
        "REDIS_URL": "",
    }


class Index:
    """What an index serves, read through HTTP: webtest or a live server's URL."""

    def __init__(self, get: Callable[..., Any]) -> None:
        self.get = get

    def projects(self) -> list[str]:
        page = self.get("/simple/", headers=JSON)
        return sorted(p["name"] for p in page.json["projects"])

    def files(self, name: str) -> dict[str, tuple[str, str]]:
        page = self.get(f"/simple/{name}/", headers=JSON)
        return {f["filename"]: (f["hashes"]["sha256"], f["url"]) for f in page.json["files"]}

    def content(self, url: str) -> bytes:
        return self.get(url.replace("http://localhost", "")).body


def _webtest_index(settings: Settings) -> tuple[Index, webtest.TestApp]:
    app = webtest.TestApp(make_wsgi_app(settings), extra_environ={"HTTP_HOST": "localhost"})
    return Index(app.get), app


def _live_index(live: LiveServer) -> Index:
    import requests

    class Page:
        def __init__(self, response: requests.Response) -> None:
            response.raise_for_status()
            self.body = response.content
            self.json = response.json() if "json" in response.headers["Content-Type"] else None

    def get(path: str, headers: dict[str, str] | None = None) -> Page:
        url = path if path.startswith("http") else live.url + path
        return Page(requests.get(url, headers=headers or {}, timeout=30))

    return Index(get)


def compare(original: Index, restored: Index) -> tuple[int, int]:
    """(projects, files) found identical; AssertionError on any difference."""
    projects = original.projects()
    assert restored.projects() == projects
    files = 0
    for name in projects:
        before, after = original.files(name), restored.files(name)
        assert {f: h for f, (h, _) in after.items()} == {f: h for f, (h, _) in before.items()}
        for filename, (digest, url) in after.items():
            assert sha256(restored.content(url)) == digest, filename
            files += 1
    return len(projects), files


def test_postgresql_backup_and_restore(
    live: LiveServer,
    pg_cluster: PostgresCluster,
    tmp_path: Path,
    figure: Callable[[str], None],
):
    account = make_account(live.db_url, "backup")
    for name in (f"backup-a-{account.username[-8:]}", f"backup-b-{account.username[-8:]}"):
        for dist in (make_sdist(name, "1.0"), make_wheel(name, "1.0"), make_wheel(name, "2.0")):
            assert upload(live.url, dist, account.token_auth).status_code == 200
    backup_dir = tmp_path / "backup"
    live.run_cli("backup", "create", str(backup_dir))
    assert (backup_dir / "database.dump").is_file() and (backup_dir / "manifest.json").is_file()

    restored = _settings(tmp_path / "restored", pg_cluster.create_database(), live.url)
    env = {**live.env, **_env(restored)}
    result = subprocess.run(
        [str(BIN / "warehouse-lite"), "backup", "restore", str(backup_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    index, app = _webtest_index(restored)
    projects, files = compare(_live_index(live), index)
    # The signing keys came back too: a token made before the backup uploads to the restore.
    extra = make_wheel(f"backup-a-{account.username[-8:]}", "3.0")
    response = app.post(
        "/legacy/",
        params=extra.fields,
        upload_files=[("content", extra.filename, extra.content)],
        headers=account.token_auth,
    )
    assert response.status_code == 200
    figure(
        f"backup/restore (PostgreSQL, pg_dump custom format): projects {projects}, files "
        f"{files}, restored files with identical sha256: {files}, mismatches: 0, "
        f"old API token accepted: yes"
    )


def test_sqlite_backup_and_restore(tmp_path: Path, figure: Callable[[str], None]):
    source = _settings(tmp_path / "site")
    engine = make_engine(source)
    migrations.upgrade(engine)
    with Session(engine) as db, db.begin():
        UserService(db).create_user("sqliteowner", "", PASSWORD, "o@example.com", verified=True)
    engine.dispose()
    index, app = _webtest_index(source)
    auth = base64.b64encode(f"sqliteowner:{PASSWORD}".encode()).decode()
    for name in ("embedded-one", "embedded-two"):
        for dist in (make_sdist(name, "1.0"), make_wheel(name, "1.0")):
            app.post(
                "/legacy/",
                params=dist.fields,
                upload_files=[("content", dist.filename, dist.content)],
                headers={"Authorization": f"Basic {auth}"},
            )
    runner = CliRunner()
    backup_dir = tmp_path / "backup"
    created = runner.invoke(main, ["backup", "create", str(backup_dir)], env=_env(source))
    assert created.exit_code == 0, created.output
    assert (backup_dir / "database.sqlite3").is_file()

    restored = _settings(tmp_path / "restored")
    done = runner.invoke(main, ["backup", "restore", str(backup_dir)], env=_env(restored))
    assert done.exit_code == 0, done.output
    again = runner.invoke(main, ["backup", "restore", str(backup_dir)], env=_env(restored))
    assert again.exit_code != 0 and "already exists" in again.output
    restored_index, _ = _webtest_index(restored)
    projects, files = compare(index, restored_index)
    assert (projects, files) == (2, 4)
    figure(
        f"backup/restore (SQLite online backup): projects {projects}, files {files}, restored "
        f"files with identical sha256: {files}, mismatches: 0, restore over existing data "
        f"refused: yes"
    )


def test_damaged_backup_is_refused(tmp_path: Path):
    source = _settings(tmp_path / "site")
    engine = make_engine(source)
    migrations.upgrade(engine)
    engine.dispose()
    runner = CliRunner()
    backup_dir = tmp_path / "backup"
    assert (
        runner.invoke(main, ["backup", "create", str(backup_dir)], env=_env(source)).exit_code == 0
    )
    (backup_dir / "database.sqlite3").write_bytes(b"damaged")
    result = runner.invoke(
        main, ["backup", "restore", str(backup_dir)], env=_env(_settings(tmp_path / "other"))
    )
    assert result.exit_code != 0 and "does not match the manifest" in result.output
