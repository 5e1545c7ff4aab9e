"""Talking to a LiveServer from reliability tests: users and tokens made straight in its
database, uploads over HTTP with `requests`, and snapshots of what the index holds."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import warehouse_lite.models  # noqa: F401  (every mapper)
from tests.common.dists import Dist
from warehouse_lite.accounts.models import User
from warehouse_lite.accounts.services import UserService
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import File, Project

PASSWORD = "a reliability test password"


@contextmanager
def live_db(db_url: str) -> Iterator[Session]:
    """A session on the live server's database (commits on success)."""
    with Session(_engine(db_url), expire_on_commit=False) as session, session.begin():
        yield session


_ENGINES: dict[str, Engine] = {}


def _engine(db_url: str) -> Engine:
    if db_url not in _ENGINES:
        _ENGINES[db_url] = create_engine(db_url, pool_pre_ping=True)
    return _ENGINES[db_url]


def dispose_engines() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@dataclass
class Account:
    username: str
    user_id: uuid.UUID
    token: str
    macaroon_id: uuid.UUID

    @property
    def token_auth(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


def make_account(db_url: str, prefix: str, domain: str = "localhost") -> Account:
    """A verified user (password PASSWORD) with an account-wide API token."""
    username = f"{prefix}-{uuid.uuid4().hex[:8]}"
    with live_db(db_url) as db:
        user = UserService(db).create_user(
            username, "", PASSWORD, f"{username}@example.com", verified=True
        )
        token, row = MacaroonService(db).create_macaroon(
            domain, user, "reliability", [cv.RequestUser(str(user.id))]
        )
        return Account(username, user.id, token, row.id)


def upload(
    base: str, dist: Dist, headers: dict[str, str], timeout: float = 60
) -> requests.Response:
    """POST ``dist`` to /legacy/ as twine does."""
    return requests.post(
        f"{base}/legacy/",
        data=dist.fields,
        files={"content": (dist.filename, dist.content, "application/octet-stream")},
        headers=headers,
        timeout=timeout,
    )


def project_state(db_url: str, normalized_name: str) -> dict[str, Any]:
    """Rows of one project: how many projects of that name, its roles, files by name."""
    with live_db(db_url) as db:
        projects = list(
            db.scalars(select(Project).where(Project.normalized_name == normalized_name))
        )
        if not projects:
            return {"projects": 0, "roles": [], "files": {}}
        project = projects[0]
        return {
            "projects": len(projects),
            "roles": [(r.user.username, str(r.role_name)) for r in project.roles],
            "files": {
                f.filename: (f.sha256_digest, f.path)
                for f in db.scalars(select(File).where(File.project_id == project.id))
            },
        }


def user_id(db_url: str, username: str) -> uuid.UUID:
    with live_db(db_url) as db:
        return db.scalar(select(User.id).where(User.username == username))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_objects(files_dir: Path) -> set[str]:
    """Every complete object in the file storage (no temporary .upload-*.tmp files)."""
    if not files_dir.exists():
        return set()
    return {
        str(p.relative_to(files_dir))
        for p in files_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".upload-")
    }


def temporary_objects(files_dir: Path) -> set[str]:
    if not files_dir.exists():
        return set()
    return {str(p.relative_to(files_dir)) for p in files_dir.rglob(".upload-*")}
