"""A file committed by someone else between an upload's first duplicate check and its write.

The upload checks for a duplicate once, before its project lock; a file committed after that
check is caught by the unique constraints of the file and filename rows, and the upload then
answers as the check would have. Here the first check is made to see nothing, as if the other
upload had committed just after it (tests/reliability/test_concurrency.py races real servers).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, row_counts, stored, upload
from warehouse_lite.forklift import records
from warehouse_lite.packaging.models import FilenameRegistry


def test_the_same_file_committed_meanwhile_is_200_and_changes_nothing(
    app, db, storage_dir, monkeypatch
):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")
    upload(app, dist, auth=basic_auth("alice"))
    before, files_before = row_counts(db), stored(storage_dir)

    _blind_next_check(monkeypatch)
    again = upload(app, dist, auth=basic_auth("alice"))

    assert again.status_code == 200
    assert "already uploaded" in again.text
    assert row_counts(db) == before
    assert stored(storage_dir) == files_before


def test_other_content_under_a_name_taken_meanwhile_is_refused(app, db, storage_dir, monkeypatch):
    UserFactory(username="alice")
    dist = make_sdist("sample", "1.0")
    upload(app, dist, auth=basic_auth("alice"))
    other = make_sdist("sample", "1.0", summary="changed")

    _blind_next_check(monkeypatch)
    response = upload(app, other, auth=basic_auth("alice"), status=400)

    assert response.status.startswith(
        f"400 File already exists ('sample-1.0.tar.gz', with sha256 hash '{dist.sha256}')"
    )


def test_a_name_deleted_meanwhile_is_still_refused(app, db, storage_dir, monkeypatch):
    UserFactory(username="alice")
    db.add(FilenameRegistry(filename="sample-1.0.tar.gz"))
    db.flush()

    _blind_next_check(monkeypatch)
    response = upload(app, make_sdist("sample", "1.0"), auth=basic_auth("alice"), status=400)

    assert "has already been used" in response.status
    assert stored(storage_dir) == set()


def _blind_next_check(monkeypatch: pytest.MonkeyPatch) -> None:
    real = records.find_conflict
    calls: list[None] = []

    def find_conflict(db: Any, filename: str, digests: Any) -> Any:
        calls.append(None)
        return (None, False) if len(calls) == 1 else real(db, filename, digests)

    monkeypatch.setattr(records, "find_conflict", find_conflict)
