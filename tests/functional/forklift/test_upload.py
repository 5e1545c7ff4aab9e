"""Uploading real wheels and sdists through /legacy/: what gets created, and the idempotent,
duplicate and reuse rules."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from tests.common.dists import make_sdist, make_wheel, with_content
from tests.common.factories import UserFactory
from tests.common.packaging_factories import RoleFactory
from tests.common.uploads import basic_auth, row_counts, stored, upload
from warehouse_lite.events.models import ProjectEvent
from warehouse_lite.packaging.models import (
    FilenameRegistry,
    JournalEntry,
    Project,
    Release,
    Role,
    RoleName,
)


def _project(db, name):
    db.expire_all()
    return db.scalar(select(Project).where(Project.normalized_name == name))


def test_first_upload_creates_project_release_file_and_stores_bytes(app, db, storage_dir):
    user = UserFactory(username="alice")
    dist = make_wheel(
        "Sample.Pkg",
        "1.0",
        requires_dist=["other>=1"],
        classifiers=["Programming Language :: Python :: 3"],
        project_urls=["Source, https://example.com/src"],
    )
    response = upload(app, dist, auth=basic_auth("alice"))
    assert response.status_code == 200
    assert "Uploaded sample_pkg-1.0-py3-none-any.whl" in response.text

    project = _project(db, "sample-pkg")
    assert project.name == "Sample.Pkg"
    [role] = db.scalars(select(Role).where(Role.project_id == project.id)).all()
    assert (role.user_id, role.role_name) == (user.id, RoleName.OWNER)
    [release] = project.releases
    assert release.version == "1.0"
    assert release.canonical_version == "1"
    assert release.summary == "A small test package"
    assert release.requires_dist == ["other>=1"]
    assert release.classifiers == ["Programming Language :: Python :: 3"]
    assert release.project_urls == ["Source, https://example.com/src"]
    assert release.requires_python == ">=3.8"
    assert release.license_expression == "MIT"
    assert release.keywords == "sample,test"
    assert "<em>test</em>" in release.rendered_description
    assert release.uploader_id == user.id

    [file] = release.files
    assert file.filename == dist.filename
    assert file.size == len(dist.content)
    assert file.sha256_digest == dist.sha256
    assert file.md5_digest == hashlib.md5(dist.content).hexdigest()
    assert file.packagetype == "bdist_wheel"
    assert file.python_version == "py3"
    assert file.requires_python == ">=3.8"
    b = dist.blake2_256
    assert file.path == f"{b[:2]}/{b[2:4]}/{b[4:]}/{dist.filename}"
    assert file.metadata_sha256 == hashlib.sha256(dist.metadata).hexdigest()
    assert db.get(FilenameRegistry, dist.filename) is not None

    assert stored(storage_dir) == {file.path, file.path + ".metadata"}
    assert (storage_dir / file.path).read_bytes() == dist.content
    assert (storage_dir / (file.path + ".metadata")).read_bytes() == dist.metadata

    actions = [e.action for e in db.scalars(select(JournalEntry).order_by(JournalEntry.id))]
    assert actions == [
        "create",
        "add Owner alice",
        "new release",
        f"add py3 file {dist.filename}",
    ]
    newest = db.scalar(select(JournalEntry.id).order_by(JournalEntry.id.desc()).limit(1))
    assert project.last_serial == newest
    tags = {e.tag for e in db.scalars(select(ProjectEvent))}
    assert tags == {"project:create", "project:role:add", "release:create", "file:add"}
    assert project.total_size == len(dist.content)


def test_sdist_joins_the_existing_release(app, db, storage_dir):
    UserFactory(username="alice")
    upload(app, make_wheel("sample", "1.0"), auth=basic_auth("alice"))
    sdist = make_sdist("sample", "1.0")
    upload(app, sdist, auth=basic_auth("alice"))
    project = _project(db, "sample")
    [release] = project.releases
    assert sorted(f.packagetype for f in release.files) == ["bdist_wheel", "sdist"]
    sdist_row = next(f for f in release.files if f.packagetype == "sdist")
    assert sdist_row.metadata_sha256 is None
    assert sdist_row.python_version == "source"
    assert len(stored(storage_dir)) == 3  # wheel, its .metadata, sdist


def test_releases_are_ordered_by_pep440_version(app, db, storage_dir):
    UserFactory(username="alice")
    for version in ["1.10", "1.2", "1.9rc1", "0.1"]:
        upload(app, make_wheel("sample", version), auth=basic_auth("alice"))
    project = _project(db, "sample")
    ordered = sorted(project.releases, key=lambda r: r.sort_key)
    assert [r.version for r in ordered] == ["0.1", "1.2", "1.9rc1", "1.10"]


def test_same_file_again_is_ok_and_changes_nothing(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")
    upload(app, dist, auth=basic_auth("alice"))
    before, files_before = row_counts(db), stored(storage_dir)
    again = upload(app, dist, auth=basic_auth("alice"))
    assert again.status_code == 200
    assert "already uploaded" in again.text
    assert row_counts(db) == before
    assert stored(storage_dir) == files_before


def test_same_filename_with_other_content_is_refused(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_sdist("sample", "1.0")
    upload(app, dist, auth=basic_auth("alice"))
    other = make_sdist("sample", "1.0", summary="changed")
    response = upload(app, other, auth=basic_auth("alice"), status=400)
    assert response.status.startswith(
        f"400 File already exists ('sample-1.0.tar.gz', with sha256 hash '{dist.sha256}')"
    )


def test_a_deleted_filename_can_never_be_used_again(app, db, storage_dir):
    UserFactory(username="alice")
    db.add(FilenameRegistry(filename="sample-1.0.tar.gz"))
    db.flush()
    response = upload(app, make_sdist("sample", "1.0"), auth=basic_auth("alice"), status=400)
    assert "has already been used" in response.status
    assert stored(storage_dir) == set()


def test_maintainer_may_upload_to_the_project(app, db, storage_dir):
    owner = UserFactory(username="owner")
    upload(app, make_wheel("sample", "1.0"), auth=basic_auth("owner"))
    maintainer = UserFactory(username="helper")
    project = _project(db, "sample")
    RoleFactory(user=maintainer, project=project, role_name=RoleName.MAINTAINER)
    upload(app, make_wheel("sample", "1.1"), auth=basic_auth("helper"))
    project = _project(db, "sample")
    assert sorted(r.version for r in project.releases) == ["1.0", "1.1"]
    roles = {r.user_id for r in db.scalars(select(Role).where(Role.project_id == project.id))}
    assert roles == {owner.id, maintainer.id}


def test_name_variants_are_the_same_project(app, db, storage_dir):
    UserFactory(username="alice")
    UserFactory(username="mallory")
    upload(app, make_wheel("Sample_Pkg", "1.0"), auth=basic_auth("alice"))
    response = upload(app, make_wheel("sample.pkg", "2.0"), auth=basic_auth("mallory"), status=403)
    assert "isn't allowed to upload" in response.status
    assert db.scalar(select(Release).where(Release.version == "2.0")) is None


def test_legacy_without_slash_redirects_with_308(app):
    response = app.post("/legacy", status=308)
    assert response.location == "http://localhost/legacy/"


def test_submit_and_doc_upload_are_gone(app, db):
    UserFactory(username="alice")
    for action, text in [("submit", "pre-registration"), ("doc_upload", "documentation")]:
        response = app.post("/legacy/", {":action": action}, status=410)
        assert text in response.status
        assert text in response.text


def test_errors_are_json_for_clients_that_prefer_json(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")
    response = upload(
        app,
        dist,
        auth=basic_auth("alice"),
        status=400,
        headers={"Accept": "application/json"},
        sha256_digest="0" * 64,
    )
    body = json.loads(response.text)
    assert "sha256 digest of the uploaded file does not match" in body["message"]
    assert body["code"].startswith("400")
    assert response.content_type == "application/json"


def test_get_on_legacy_is_not_allowed(app):
    app.get("/legacy/", status=405)


def test_file_with_same_content_but_other_name_is_refused(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")
    upload(app, dist, auth=basic_auth("alice"))
    renamed = with_content(dist, dist.content, filename="sample-1.0-py2.py3-none-any.whl")
    response = upload(app, renamed, auth=basic_auth("alice"), status=400)
    assert "same content was uploaded as 'sample-1.0-py3-none-any.whl'" in response.status


def test_malformed_bodies_are_400_not_500(app, db, storage_dir):
    UserFactory(username="alice")
    auth = basic_auth("alice")
    for content_type, body in [
        ("multipart/form-data", b"no boundary given"),
        ("multipart/form-data; boundary=XX", b"garbage without parts"),
        ("application/json", b'{":action": "file_upload"}'),
    ]:
        response = app.post(
            "/legacy/", body, headers={**auth, "Content-Type": content_type}, status=400
        )
        assert "multipart" in response.status or "Missing :action" in response.status
