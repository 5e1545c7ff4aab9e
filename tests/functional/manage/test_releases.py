"""Yank / unyank, delete a release, delete a file: owners only, confirmed, recorded, emailed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.packaging_factories import FileFactory, ReleaseFactory, RoleFactory
from tests.common.services import singleton
from tests.functional.conftest import csrf_of, form_for, login
from tests.functional.manage.helpers import event_tags, journal, owned_project
from warehouse_lite.packaging.models import File, FilenameRegistry, Project, Release, RoleName
from warehouse_lite.packaging.storage import BACKEND, IFileStorage

RELEASE_URL = "/manage/project/managed-project/release/1.0/"


def _release(db, project, version="1.0", files=1):
    release = ReleaseFactory(project=project, version=version)
    for n in range(files):
        FileFactory(release=release, filename=f"managed_project-{version}-{n}.tar.gz", size=100)
    project.total_size = 100 * files
    db.flush()
    return release


def test_releases_page_lists_releases(app, db):
    _, project = owned_project(app, db)
    _release(db, project, "1.0")
    yanked = _release(db, project, "2.0")
    yanked.yanked, yanked.yanked_reason = True, "bad wheel"
    db.flush()
    page = app.get("/manage/project/managed-project/releases/")
    assert ">2.0</a>" in page.text and ">1.0</a>" in page.text
    assert "Yanked" in page.text and "bad wheel" in page.text
    assert 'href="/manage/project/managed-project/release/1.0/"' in page.text


def test_yank_and_unyank(app, db, outbox):
    _, project = owned_project(app, db)
    coowner = UserFactory(username="coowner")
    RoleFactory(project=project, user=coowner, role_name=RoleName.OWNER)
    maintainer = UserFactory(username="maint")
    RoleFactory(project=project, user=maintainer, role_name=RoleName.MAINTAINER)
    release = _release(db, project)
    serial_before = project.last_serial

    page = app.get(RELEASE_URL)
    form = form_for(page, RELEASE_URL + "yank")
    form["yanked_reason"] = "Broken on Windows"
    done = form.submit().follow()
    assert "Release 1.0 was yanked." in done.text
    db.expire_all()
    release = db.get(Release, release.id)
    assert release.yanked and release.yanked_reason == "Broken on Windows"
    assert (
        "project:release:yank",
        {"submitted_by": "owner", "version": "1.0", "yanked_reason": "Broken on Windows"},
    ) in event_tags(db, project)
    assert journal(db, "Managed_Project") == [("yank release", "1.0")]
    assert db.get(Project, project.id).last_serial > serial_before
    mails = outbox()
    # Every owner is told; maintainers are not.
    assert sorted(m.to for m in mails) == ["coowner@example.com", "owner@example.com"]
    assert all("Managed_Project 1.0 was yanked" in m.subject for m in mails)
    assert "Broken on Windows" in mails[0].text and "owner yanked" in mails[0].text
    # The public page shows it.
    public = app.get("/project/managed-project/1.0/")
    assert "This release has been yanked" in public.text

    # Yanking twice is refused and changes nothing.
    page = app.get(RELEASE_URL)
    assert "Un-yank release" in page.text
    again = app.post(RELEASE_URL + "yank", {"csrf_token": csrf_of(page)}, status=409)
    assert "already yanked" in again.text

    form = form_for(page, RELEASE_URL + "unyank")
    done = form.submit().follow()
    assert "Release 1.0 was un-yanked." in done.text
    db.expire_all()
    release = db.get(Release, release.id)
    assert not release.yanked and release.yanked_reason == ""
    assert [tag for tag, _ in event_tags(db, project)] == [
        "project:release:yank",
        "project:release:unyank",
    ]
    assert journal(db, "Managed_Project")[-1] == ("unyank release", "1.0")
    assert len(outbox()) == 4
    assert "un-yanked" in outbox()[-1].subject

    not_yanked = app.post(RELEASE_URL + "unyank", {"csrf_token": csrf_of(page)}, status=409)
    assert "is not yanked" in not_yanked.text


def test_yank_reason_too_long(app, db):
    _, project = owned_project(app, db)
    release = _release(db, project)
    page = app.get(RELEASE_URL)
    response = app.post(
        RELEASE_URL + "yank", {"csrf_token": csrf_of(page), "yanked_reason": "x" * 501}, status=400
    )
    assert "under 500 characters" in response.text
    db.expire_all()
    assert not db.get(Release, release.id).yanked


def test_delete_release_after_typing_its_version(app, db, outbox):
    _, project = owned_project(app, db)
    release = _release(db, project, files=2)
    other = _release(db, project, "2.0")
    project.total_size = 300
    db.flush()
    filenames = sorted(f.filename for f in release.files)
    release_id, other_id = release.id, other.id
    page = app.get(RELEASE_URL)

    for typed, message in [
        ("", "Type the text shown to confirm."),
        ("1.0.0", "type &#39;1.0&#39; exactly"),
        ("2.0", "type &#39;1.0&#39; exactly"),
    ]:
        form = form_for(page, RELEASE_URL + "delete")
        form["confirm_version"] = typed
        refused = form.submit(status=400)
        assert message in refused.text
    db.expire_all()
    assert db.get(Release, release.id) is not None
    assert outbox() == []

    form = form_for(page, RELEASE_URL + "delete")
    form["confirm_version"] = "1.0"
    done = form.submit()
    assert done.location.endswith("/manage/project/managed-project/releases/")
    assert "Release 1.0 and its files were deleted." in done.follow().text
    db.expire_all()
    assert db.get(Release, release_id) is None
    assert db.get(Release, other_id) is not None
    assert db.scalars(select(File.filename).where(File.project_id == project.id)).all() == [
        "managed_project-2.0-0.tar.gz"
    ]
    # The names are reserved forever.
    assert set(filenames) <= set(db.scalars(select(FilenameRegistry.filename)))
    assert db.get(Project, project.id).total_size == 100
    tag, additional = event_tags(db, project)[-1]
    assert tag == "project:release:remove"
    assert additional["version"] == "1.0" and additional["filenames"] == filenames
    assert journal(db, "Managed_Project") == [("remove release", "1.0")]
    [mail] = outbox()
    assert mail.subject.endswith("Managed_Project 1.0 was deleted")
    assert filenames[0] in mail.text
    app.get("/project/managed-project/1.0/", status=404)


def test_delete_one_file(app, db, outbox):
    _, project = owned_project(app, db)
    release = _release(db, project, files=2)
    doomed, kept = sorted(release.files, key=lambda f: f.filename)
    doomed_id, doomed_name, kept_id = doomed.id, doomed.filename, kept.id
    page = app.get(RELEASE_URL)

    form = form_for(page, RELEASE_URL + "file/delete", file_id=str(doomed.id))
    form["confirm_filename"] = kept.filename
    refused = form.submit(status=400)
    assert f"type &#39;{doomed.filename}&#39; exactly" in refused.text
    # The error is shown beside the right file's form.
    assert 'aria-invalid="true" aria-describedby="confirm-' + str(doomed.id) in refused.text

    unknown = app.post(
        RELEASE_URL + "file/delete",
        {"csrf_token": csrf_of(page), "file_id": "not-a-uuid", "confirm_filename": "x"},
        status=404,
    )
    assert "has no such file" in unknown.text
    # A file of another release cannot be deleted through this release's URL.
    elsewhere = _release(db, project, "2.0")
    app.post(
        RELEASE_URL + "file/delete",
        {
            "csrf_token": csrf_of(page),
            "file_id": str(elsewhere.files[0].id),
            "confirm_filename": elsewhere.files[0].filename,
        },
        status=404,
    )

    form = form_for(page, RELEASE_URL + "file/delete", file_id=str(doomed.id))
    form["confirm_filename"] = doomed.filename
    done = form.submit().follow()
    assert f"The file {doomed_name} was deleted." in done.text
    db.expire_all()
    assert db.get(File, doomed_id) is None
    kept = db.get(File, kept_id)
    assert kept is not None
    assert db.get(FilenameRegistry, doomed_name) is not None
    tag, additional = event_tags(db, project)[-1]
    assert tag == "project:release:file:remove"
    assert additional == {"submitted_by": "owner", "version": "1.0", "filename": doomed_name}
    assert journal(db, "Managed_Project") == [(f"remove file {doomed_name}", "1.0")]
    [mail] = outbox()
    assert doomed_name in mail.subject
    public = app.get("/project/managed-project/1.0/")
    assert doomed_name not in public.text and kept.filename in public.text


def test_unknown_release_is_404(app, db):
    owned_project(app, db)
    response = app.get("/manage/project/managed-project/release/9.9/", status=404)
    assert "has no release with version &#39;9.9&#39;" in response.text
    app.get("/manage/project/unknown/releases/", status=404)


def test_release_actions_need_csrf_and_post(app, db):
    _, project = owned_project(app, db)
    release = _release(db, project)
    for action in ("yank", "unyank", "delete", "file/delete"):
        response = app.post(RELEASE_URL + action, {"confirm_version": "1.0"}, status=400)
        assert "CSRF" in response.text
        app.get(RELEASE_URL + action, status=405)
    db.expire_all()
    assert not db.get(Release, release.id).yanked


def test_maintainers_and_strangers_cannot_manage_releases(app, db):
    owner = UserFactory(username="owner")
    project = ReleaseFactory(version="1.0", project__name="Managed_Project").project
    RoleFactory(project=project, user=owner)
    maintainer = UserFactory(username="maint")
    RoleFactory(project=project, user=maintainer, role_name=RoleName.MAINTAINER)
    UserFactory(username="stranger")
    for username in ("maint", "stranger"):
        app.reset()
        login(app, username)
        for url in (
            "/manage/project/managed-project/releases/",
            RELEASE_URL,
            "/manage/project/managed-project/settings/",
            "/manage/project/managed-project/collaboration/",
        ):
            denied = app.get(url, status=403)
            assert "Only owners of the project &#39;Managed_Project&#39; can manage it" in (
                denied.text
            )
            assert "ACLDenied" not in denied.text and "user:" not in denied.text
        page = app.get("/manage/projects/")
        csrf = csrf_of(page)
        app.post(RELEASE_URL + "yank", {"csrf_token": csrf}, status=403)
        app.post(RELEASE_URL + "delete", {"csrf_token": csrf, "confirm_version": "1.0"}, status=403)
    db.expire_all()
    assert db.scalar(select(Release).where(Release.project_id == project.id)).yanked is False


def test_anonymous_is_sent_to_login(app, db):
    ReleaseFactory(version="1.0", project__name="Managed_Project")
    response = app.get(RELEASE_URL, status=303)
    assert "/account/login/?next=" in response.location


def test_deleted_files_leave_the_storage(app, db):
    """The bytes (and the PEP 658 metadata beside a wheel) are removed once the deletion
    committed; files of other releases stay."""
    storage = singleton(app.app, IFileStorage, name=BACKEND)
    _, project = owned_project(app, db)
    release = _release(db, project, files=0)
    wheel = FileFactory(
        release=release,
        filename="managed_project-1.0-py3-none-any.whl",
        packagetype="bdist_wheel",
        metadata_sha256="0" * 64,
    )
    sdist = FileFactory(release=release, filename="managed_project-1.0.tar.gz")
    kept = FileFactory(release=_release(db, project, "2.0", files=0))
    paths = {
        "wheel": [wheel.path, wheel.path + ".metadata"],
        "sdist": [sdist.path],
        "kept": [kept.path],
    }
    for group in paths.values():
        for path in group:
            storage.store(path, io.BytesIO(b"bytes of " + path.encode()))
    page = app.get(RELEASE_URL)
    form = form_for(page, RELEASE_URL + "file/delete", file_id=str(sdist.id))
    form["confirm_filename"] = sdist.filename
    form.submit(status=303)
    assert not storage.exists(sdist.path)
    assert all(storage.exists(p) for p in paths["wheel"] + paths["kept"])

    form = form_for(app.get(RELEASE_URL), RELEASE_URL + "delete")
    form["confirm_version"] = "1.0"
    form.submit(status=303)
    assert not any(storage.exists(p) for p in paths["wheel"])
    assert storage.exists(kept.path)


@pytest.mark.parametrize("reason", ["two\nlines", "bell\x07", "right\u202eto left"])
def test_a_yank_reason_must_read_as_it_is(app, db, reason):
    _, project = owned_project(app, db)
    release = _release(db, project)
    page = app.get(RELEASE_URL)
    form = form_for(page, RELEASE_URL + "yank")
    form["yanked_reason"] = reason
    refused = form.submit(expect_errors=True)
    assert refused.status_code == 400
    assert "one line, without control characters" in refused.text
    db.expire_all()
    assert not db.get(Release, release.id).yanked
