"""The file storage failing under an upload or a download (full, over quota, permissions, I/O):
a 507 or 503 with a message, never a dropped connection; nothing committed, no empty
directories left; reads keep working."""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.services import replaced
from tests.common.uploads import basic_auth, row_counts, stored, upload
from warehouse_lite.packaging.storage import BACKEND, IFileStorage
from warehouse_lite.packaging.storage_local import LocalFileStorage, LocalReceipt


class FailingSource:
    """A source that breaks after its first megabyte has been read, as a write to a full disk
    would in the middle of the copy."""

    def __init__(self, source: BinaryIO, error: OSError) -> None:
        self.source = source
        self.error = error
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        if self.read_so_far:
            raise self.error
        data = self.source.read(size)
        self.read_so_far += len(data)
        return data


class BrokenStorage(LocalFileStorage):
    """The local backend, with ``error`` raised while the bytes of a file are written (when
    ``error`` is set)."""

    error: OSError | None = None

    def _place(self, target: Path, source: BinaryIO) -> LocalReceipt:
        if self.error is not None:
            source = FailingSource(source, self.error)  # type: ignore[assignment]
        return super()._place(target, source)

    def open(self, path: str) -> BinaryIO:
        if self.error is not None:
            raise self.error
        return super().open(path)


@pytest.fixture
def broken(wsgi_app, storage_dir: Path) -> Iterator[BrokenStorage]:
    with replaced(wsgi_app, IFileStorage, BrokenStorage(storage_dir), name=BACKEND) as backend:
        yield backend


def _oserror(code: int) -> OSError:
    return OSError(code, f"injected: {errno.errorcode[code]}")


@pytest.mark.parametrize(
    ("code", "status"),
    [(errno.ENOSPC, 507), (errno.EDQUOT, 507), (errno.EACCES, 503), (errno.EIO, 503)],
)
def test_an_upload_the_storage_cannot_take_is_refused_with_a_message(
    app, db, broken, storage_dir, code, status
):
    UserFactory(username="alice")
    kept = make_wheel("sample", "1.0")
    upload(app, kept, auth=basic_auth("alice"))
    before, objects_before = row_counts(db), stored(storage_dir)

    broken.error = _oserror(code)
    failed = make_wheel("sample", "2.0", members={"sample/blob.bin": b"x" * 3_000_000})
    response = upload(app, failed, auth=basic_auth("alice"), status=status)

    assert "cannot store files right now" in response.status
    assert "cannot store files right now" in response.text
    assert ("storage is full" in response.status) == (status == 507)
    assert response.headers.get("Retry-After") == ("30" if status == 503 else None)
    db.expire_all()
    assert row_counts(db) == before  # nothing committed
    # No temporary file, no object, not even the digest directories of the failed file.
    assert stored(storage_dir) == objects_before
    directories = {p for p in storage_dir.rglob("*") if p.is_dir()}
    assert directories == {p for o in objects_before for p in (storage_dir / o).parents} - {
        storage_dir,
        *storage_dir.parents,
    }

    # Reads keep working: the index, the JSON API and the files stored before.
    broken.error = None
    page = app.get("/simple/sample/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert [f["filename"] for f in page.json["files"]] == [kept.filename]
    assert app.get("/pypi/sample/json").json["info"]["version"] == "1.0"
    [file_url] = [f["url"] for f in page.json["files"]]
    assert hashlib.sha256(app.get(file_url).body).hexdigest() == kept.sha256


def test_uv_gets_the_message_as_json(app, db, broken):
    UserFactory(username="alice")
    broken.error = _oserror(errno.ENOSPC)
    response = upload(
        app,
        make_sdist("sample", "1.0"),
        auth=basic_auth("alice"),
        headers={"Accept": "application/json"},
        status=507,
    )
    assert response.json["status"] == 507
    assert "storage is full" in response.json["message"]


def test_a_download_the_storage_cannot_read_is_a_503_with_a_message(app, db, broken):
    UserFactory(username="alice")
    dist = make_sdist("sample", "1.0")
    upload(app, dist, auth=basic_auth("alice"))
    page = app.get("/simple/sample/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    [file_url] = [f["url"] for f in page.json["files"]]

    broken.error = _oserror(errno.EIO)
    response = app.get(file_url, status=503)
    assert "cannot serve this file right now" in response.status
    assert response.headers["Retry-After"] == "30"
    broken.error = None
    assert hashlib.sha256(app.get(file_url).body).hexdigest() == dist.sha256
