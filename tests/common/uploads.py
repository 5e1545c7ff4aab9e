"""Upload helpers for functional tests: a per-test file storage, HTTP Basic credentials,
row and storage snapshots. Conftests import the fixtures from here."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.common.dists import Dist
from tests.common.factories import DEFAULT_PASSWORD
from tests.common.services import replaced, singleton
from warehouse_lite.events.models import ProjectEvent
from warehouse_lite.packaging.cache import PageCache
from warehouse_lite.packaging.models import (
    File,
    FilenameRegistry,
    JournalEntry,
    Project,
    Release,
    Role,
)
from warehouse_lite.packaging.storage import BACKEND, IFileStorage
from warehouse_lite.packaging.storage_local import LocalFileStorage
from warehouse_lite.settings import get_settings, store_settings


def basic_auth(username: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def upload(
    app: webtest.TestApp,
    dist: Dist,
    *,
    auth: dict[str, str] | None,
    status: int | str = 200,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    **overrides: Any,
) -> webtest.TestResponse:
    """POST ``dist`` to /legacy/ as twine would (``overrides`` replace form fields)."""
    return app.post(
        "/legacy/",
        params=dist.form(**overrides),
        upload_files=[("content", dist.filename, dist.content if content is None else content)],
        headers={**(auth or {}), **(headers or {})},
        status=status,
    )


def stored(root: Path) -> set[str]:
    """Every object in the file storage (relative paths)."""
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


COUNTED = (Project, Release, File, FilenameRegistry, Role, JournalEntry, ProjectEvent)


def row_counts(db: Session) -> dict[str, int]:
    return {
        model.__name__: db.scalar(select(func.count()).select_from(model)) or 0 for model in COUNTED
    }


@pytest.fixture
def storage_dir(wsgi_app: Any, tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty file storage for this test (and an empty page cache)."""
    root = tmp_path / "files"
    cache = singleton(wsgi_app, PageCache)
    cache.clear()
    with replaced(wsgi_app, IFileStorage, LocalFileStorage(root), name=BACKEND):
        yield root
    cache.clear()


@pytest.fixture
def override_settings(wsgi_app: Any) -> Iterator[Any]:
    """Call with keyword arguments to change settings for the rest of the test."""
    registry = wsgi_app.registry
    original = get_settings(registry)

    def change(**values: Any) -> None:
        store_settings(registry, dataclasses.replace(original, **values))

    yield change
    store_settings(registry, original)
