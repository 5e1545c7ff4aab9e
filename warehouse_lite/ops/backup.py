"""Back up and restore: the database, the stored files and a manifest (the commands are
`warehouse-lite backup create DIR` and `warehouse-lite backup restore DIR`, in cli/backup.py).

A backup directory holds the database (PostgreSQL: a pg_dump custom-format archive; SQLite: a
copy made with SQLite's online backup API), ``files/`` with every stored object the database
refers to, and ``manifest.json`` with the sha256 and size of each of those files.

Consistency while the site runs: the list of files and the database copy come from one snapshot
(PostgreSQL: an exported snapshot that pg_dump then uses; SQLite: the backup copy itself), and
each file's bytes are checked against the digest its row records while they are copied. Stored
objects never change under a name, so copying them after the snapshot is safe; an object deleted
between the snapshot and its copy is reported, and the backup fails.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import URL, Connection

from warehouse_lite.packaging.static_pages import StaticPages
from warehouse_lite.settings import Settings

MANIFEST = "manifest.json"
FILES = "files"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT = 1
# The objects a database refers to: each file, and a wheel's PEP 658 metadata beside it.
FILES_QUERY = "SELECT path, sha256_digest, metadata_sha256 FROM release_files ORDER BY path"


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class StoredObject:
    path: str
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _objects(conn: Connection) -> list[StoredObject]:
    found = []
    for path, sha256, metadata_sha256 in conn.execute(text(FILES_QUERY)):
        found.append(StoredObject(path, sha256))
        if metadata_sha256:
            found.append(StoredObject(path + ".metadata", metadata_sha256))
    return found


def _copy_objects(objects: list[StoredObject], source: Path, target: Path) -> dict[str, Any]:
    """Copy each object, checking its bytes against the digest the database records."""
    manifest: dict[str, Any] = {}
    for obj in objects:
        origin, copy = source / obj.path, target / obj.path
        if not origin.is_file():
            raise BackupError(f"{obj.path} is in the database but missing from {source}")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, copy)
        digest = sha256_of(copy)
        if digest != obj.sha256:
            raise BackupError(f"{obj.path} in {source} does not match its recorded sha256")
        manifest[obj.path] = {"sha256": digest, "size": copy.stat().st_size}
    return manifest


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment."""
    args = []
    for flag, value in (
        ("--host", url.host),
        ("--port", url.port),
        ("--username", url.username),
        ("--dbname", url.database),
    ):
        if value:
            args.append(f"{flag}={value}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)"
        )
    result = subprocess.run(  # noqa: S603  (fixed program, arguments from settings)
        [program, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


def _sqlite_path(settings: Settings) -> Path:
    return Path(make_url(settings.sqlalchemy_url).database or "")


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections write (WAL)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def create_backup(settings: Settings, directory: Path) -> dict[str, Any]:
    """Write a backup of the database and its files into ``directory`` (new or empty)."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: back up into a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.sqlalchemy_url)
    engine = create_engine(url)
    storage = settings.storage_dir
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": {"kind": url.get_backend_name()},
    }
    try:
        if url.get_backend_name() == "postgresql":
            with engine.connect() as conn:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                    objects = _objects(conn)
                    manifest["files"] = _copy_objects(objects, storage, directory / FILES)
                    args, env = _libpq(url)
                    dump = directory / PG_DUMP
                    _run(
                        [
                            "pg_dump",
                            "--format=custom",
                            f"--snapshot={snapshot}",
                            f"--file={dump}",
                            *args,
                        ],
                        env,
                    )
            manifest["database"]["file"] = PG_DUMP
        else:
            copy = directory / SQLITE_COPY
            _sqlite_copy(_sqlite_path(settings), copy)
            copy_engine = create_engine(f"sqlite:///{copy}")
            try:
                with copy_engine.connect() as conn:
                    objects = _objects(conn)
            finally:
                copy_engine.dispose()
            manifest["files"] = _copy_objects(objects, storage, directory / FILES)
            manifest["database"]["file"] = SQLITE_COPY
    finally:
        engine.dispose()
    database_file = directory / manifest["database"]["file"]
    manifest["database"]["sha256"] = sha256_of(database_file)
    manifest["database"]["size"] = database_file.stat().st_size
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, after checking every file of the backup against it."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} has no readable {MANIFEST}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    database = manifest["database"]
    if sha256_of(directory / database["file"]) != database["sha256"]:
        raise BackupError(f"{database['file']} does not match the manifest (damaged backup?)")
    for path, entry in manifest["files"].items():
        stored = directory / FILES / path
        if not stored.is_file() or sha256_of(stored) != entry["sha256"]:
            raise BackupError(f"{FILES}/{path} is missing or damaged")
    return manifest


@contextmanager
def _new_file(target: Path) -> Iterator[Path]:
    # Restore next to the target, then rename: no half-restored database under the real name.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".restore-", suffix=".sqlite3")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _restore_files(manifest: dict[str, Any], directory: Path, storage: Path) -> int:
    restored = 0
    for path, entry in manifest["files"].items():
        target = storage / path
        if target.exists():
            if sha256_of(target) != entry["sha256"]:
                raise BackupError(f"{target} exists with other content; restore into new storage")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".restore-{target.name}")
        shutil.copyfile(directory / FILES / path, tmp)
        os.replace(tmp, target)
        restored += 1
    return restored


def restore_backup(settings: Settings, directory: Path) -> dict[str, int]:
    """Restore ``directory`` into the configured (empty) database and file storage."""
    manifest = read_manifest(directory)
    url = make_url(settings.sqlalchemy_url)
    kind = manifest["database"]["kind"]
    if url.get_backend_name() != kind:
        raise BackupError(f"this is a {kind} backup; DATABASE_URL is {url.get_backend_name()}")
    database_file = directory / manifest["database"]["file"]
    if kind == "postgresql":
        engine = create_engine(url)
        try:
            if inspect(engine).get_table_names():
                raise BackupError("the database is not empty: restore into a new, empty database")
        finally:
            engine.dispose()
        args, env = _libpq(url)
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(database_file),
            ],
            env,
        )
    else:
        target = _sqlite_path(settings)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} already exists: restore into a new database file")
        target.parent.mkdir(parents=True, exist_ok=True)
        with _new_file(target) as tmp:
            _sqlite_copy(database_file, tmp)
    restored = _restore_files(manifest, directory, settings.storage_dir)
    if settings.simple_pages_dir is not None:
        # Pages published from whatever database was there before must not be served.
        StaticPages(settings.simple_pages_dir).clear()
    return {"files": len(manifest["files"]), "copied": restored}
