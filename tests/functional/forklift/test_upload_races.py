"""A file or project committed by someone else between an upload's first checks and its write.

The upload looks for its project and for a duplicate once, before its project lock; a project
or file committed after that is caught by the unique constraints of the rows it then inserts,
and the upload answers as the check would have. Here the first look-up is made to see
nothing, as if the other upload had committed just after it (tests/reliability/
test_concurrency.py races real servers).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.packaging_factories import RoleFactory
from tests.common.uploads import basic_auth, row_counts, stored, upload
from warehouse_lite.forklift import records
from warehouse_lite.packaging.models import FilenameRegistry, Project, RoleName


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


def _project_unseen_at_first(monkeypatch: pytest.MonkeyPatch) -> None:
    real = records.find_project
    calls: list[None] = []

    def find_project(db: Any, normalized_name: str, *, lock: bool = False) -> Any:
        calls.append(None)
        return None if len(calls) == 1 else real(db, normalized_name, lock=lock)

    monkeypatch.setattr(records, "find_project", find_project)


def test_a_project_created_meanwhile_is_used_when_the_uploader_may(
    app, db, storage_dir, monkeypatch
):
    owner = UserFactory(username="alice")
    upload(app, make_wheel("sample", "1.0"), auth=basic_auth("alice"))
    maintainer = UserFactory(username="bob")
    project = db.scalar(select(Project).where(Project.normalized_name == "sample"))
    RoleFactory(user=maintainer, project=project, role_name=RoleName.MAINTAINER)
    db.flush()

    _project_unseen_at_first(monkeypatch)
    response = upload(app, make_wheel("sample", "2.0"), auth=basic_auth("bob"))

    assert response.status_code == 200
    db.expire_all()
    projects = db.scalars(select(Project).where(Project.normalized_name == "sample")).all()
    assert [p.id for p in projects] == [project.id]
    assert sorted(r.version for r in projects[0].releases) == ["1.0", "2.0"]
    assert {r.user_id for r in projects[0].roles} == {owner.id, maintainer.id}


def test_a_project_created_meanwhile_by_someone_else_is_403(app, db, storage_dir, monkeypatch):
    UserFactory(username="alice")
    UserFactory(username="mallory")
    upload(app, make_wheel("sample", "1.0"), auth=basic_auth("alice"))
    before = row_counts(db)

    _project_unseen_at_first(monkeypatch)
    response = upload(app, make_wheel("sample", "2.0"), auth=basic_auth("mallory"), status=403)

    assert "isn't allowed to upload" in response.status
    assert row_counts(db) == before
