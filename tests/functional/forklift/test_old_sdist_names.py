"""Sdists named as setuptools < 69.3 names them (``My.Project-1.0.tar.gz``): accepted when
they name the right project and version, and the uploader is told once per project how to
fix the build, as PyPI does."""

from __future__ import annotations

from sqlalchemy import select

from tests.common.dists import make_old_style_sdist, make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.packaging_factories import RoleFactory
from tests.common.uploads import basic_auth, stored, upload
from warehouse_lite.forklift.models import UploadNotice
from warehouse_lite.packaging.models import File, Project, RoleName


def _notices(db, normalized_name):
    project = db.scalar(select(Project).where(Project.normalized_name == normalized_name))
    return db.scalars(select(UploadNotice).where(UploadNotice.project_id == project.id)).all()


def test_old_style_sdist_is_accepted_and_the_uploader_told_once(app, db, storage_dir, outbox):
    alice = UserFactory(username="alice")
    dist = make_old_style_sdist("My.Project", "1.0")
    assert dist.filename == "My.Project-1.0.tar.gz"

    response = upload(app, dist, auth=basic_auth("alice"))

    assert "Uploaded My.Project-1.0.tar.gz" in response.text
    file = db.scalar(select(File).where(File.filename == "My.Project-1.0.tar.gz"))
    assert file is not None and file.sha256_digest == dist.sha256
    assert (storage_dir / file.path).read_bytes() == dist.content
    [mail] = outbox()
    assert mail.to == alice.primary_email.email
    assert "Deprecated sdist filename in My.Project" in mail.subject
    for text in (mail.text, mail.html):
        assert "My.Project-1.0.tar.gz" in text
        assert "my_project-1.0.tar.gz" in text
        assert "setuptools" in text and "69.3" in text
    assert "http://localhost/project/my-project/" in mail.text
    [notice] = _notices(db, "my-project")
    assert (notice.kind, notice.filename, notice.user_id) == (
        "sdist-name",
        "My.Project-1.0.tar.gz",
        alice.id,
    )

    # More old-style sdists of the same project, and normal files: no second email.
    upload(app, make_old_style_sdist("My.Project", "1.1"), auth=basic_auth("alice"))
    upload(app, make_sdist("My.Project", "1.2"), auth=basic_auth("alice"))
    upload(app, make_wheel("My.Project", "1.1"), auth=basic_auth("alice"))
    assert len(outbox()) == 1
    assert len(_notices(db, "my-project")) == 1
    listed = app.get(
        "/simple/my-project/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    assert {f["filename"] for f in listed.json["files"]} == {
        "My.Project-1.0.tar.gz",
        "My.Project-1.1.tar.gz",
        "my_project-1.2.tar.gz",
        "my_project-1.1-py3-none-any.whl",
    }


def test_the_notice_is_per_project_not_per_uploader(app, db, storage_dir, outbox):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    upload(app, make_old_style_sdist("first-project", "1.0"), auth=basic_auth("alice"))
    project = db.scalar(select(Project).where(Project.normalized_name == "first-project"))
    RoleFactory(user=bob, project=project, role_name=RoleName.MAINTAINER)
    db.flush()

    upload(app, make_old_style_sdist("first-project", "2.0"), auth=basic_auth("bob"))
    upload(app, make_old_style_sdist("Second_Project", "1.0"), auth=basic_auth("bob"))

    mails = outbox()
    assert [(m.to, "first_project-1.0.tar.gz" in m.text) for m in mails] == [
        (alice.primary_email.email, True),
        (bob.primary_email.email, False),
    ]
    assert "second_project-1.0.tar.gz" in mails[1].text
    assert "Second_Project-1.0.tar.gz" in mails[1].text


def test_a_normalized_sdist_sends_nothing(app, db, storage_dir, outbox):
    UserFactory(username="alice")
    upload(app, make_sdist("Sample.Pkg", "1.0"), auth=basic_auth("alice"))
    assert outbox() == []
    assert _notices(db, "sample-pkg") == []


def test_a_refused_old_style_sdist_sends_nothing(app, db, storage_dir, outbox, override_settings):
    UserFactory(username="alice")
    override_settings(strict_sdist_names=True)

    response = upload(
        app, make_old_style_sdist("My.Project", "1.0"), auth=basic_auth("alice"), status=400
    )

    assert "it must be normalized, 'my_project-1.0.tar.gz' (PEP 625)" in response.status
    assert outbox() == []
    assert stored(storage_dir) == set()
    assert db.scalar(select(UploadNotice)) is None
