"""/manage/projects/ and deleting a whole project from its settings page."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.common.factories import UserFactory
from tests.common.packaging_factories import (
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
)
from tests.functional.conftest import csrf_of, form_for, login
from tests.functional.manage.helpers import journal, owned_project
from warehouse_lite.events.models import ProjectEvent, UserEvent
from warehouse_lite.packaging.models import (
    File,
    FilenameRegistry,
    Project,
    Release,
    Role,
    RoleName,
)

SETTINGS = "/manage/project/managed-project/settings/"
DELETE = "/manage/project/managed-project/delete"


def test_projects_page_lists_every_role(app, db):
    user = UserFactory(username="me")
    owned = ReleaseFactory(project__name="Owned", version="2.0").project
    RoleFactory(project=owned, user=user, role_name=RoleName.OWNER)
    helped = ProjectFactory(name="Helped")
    RoleFactory(project=helped, user=user, role_name=RoleName.MAINTAINER)
    RoleFactory(project=ProjectFactory(name="NotMine"))
    login(app, "me")
    page = app.get("/manage/projects/")
    assert 'href="/project/owned/">Owned</a>' in page.text
    assert 'href="/project/helped/">Helped</a>' in page.text
    assert "NotMine" not in page.text
    assert 'href="/manage/project/owned/releases/"' in page.text
    assert 'href="/manage/project/helped/releases/"' not in page.text
    assert "only owners manage the project" in page.text
    assert ">2.0 <" in page.text


def test_projects_page_needs_login_and_says_when_empty(app, db):
    assert "/account/login/" in app.get("/manage/projects/", status=303).location
    UserFactory(username="lonely")
    login(app, "lonely")
    assert (
        "You are not an owner or maintainer of any project yet."
        in app.get("/manage/projects/").text
    )


def test_delete_project(app, db, outbox):
    owner, project = owned_project(app, db)
    RoleFactory(project=project, user=UserFactory(username="coowner"))
    RoleFactory(project=project, user=UserFactory(username="maint"), role_name=RoleName.MAINTAINER)
    release = ReleaseFactory(project=project, version="1.0")
    names = [
        FileFactory(release=release, filename=f"managed_project-1.0-{n}.tar.gz").filename
        for n in range(2)
    ]
    other_project_file = FileFactory(release__project__name="Other")
    project_id = project.id

    page = app.get(SETTINGS)
    assert "1 release(s) and 2 file(s)" in page.text
    for typed in ("", "managed-project", "Managed_Projectx"):
        form = form_for(page, DELETE)
        form["confirm_project_name"] = typed
        refused = form.submit(status=400)
        assert (
            "Type the text shown to confirm." in refused.text
            or "type &#39;Managed_Project&#39; exactly" in refused.text
        )
    assert db.get(Project, project_id) is not None
    assert outbox() == []

    form = form_for(page, DELETE)
    form["confirm_project_name"] = " Managed_Project "
    done = form.submit()
    assert done.location.endswith("/manage/projects/")
    assert "The project &#39;Managed_Project&#39; and all of its files were deleted." in (
        done.follow().text
    )
    db.expire_all()
    assert db.get(Project, project_id) is None
    for model in (Release, File, Role, ProjectEvent):
        count = db.scalar(
            select(func.count()).select_from(model).where(model.project_id == project_id)
        )
        assert count == 0, model
    assert db.get(File, other_project_file.id) is not None
    assert set(names) <= set(db.scalars(select(FilenameRegistry.filename)))
    assert journal(db, "Managed_Project") == [("remove project", None)]
    event = db.scalar(
        select(UserEvent).where(UserEvent.user_id == owner.id, UserEvent.tag == "project:destroy")
    )
    assert event.additional == {"project_name": "Managed_Project"}
    mails = outbox()
    assert sorted(m.to for m in mails) == ["coowner@example.com", "owner@example.com"]
    assert "The project Managed_Project was deleted" in mails[0].subject
    assert "owner deleted the project Managed_Project" in mails[0].text
    app.get("/project/managed-project/", status=404)
    app.get(SETTINGS, status=404)


def test_delete_project_needs_owner_csrf_and_post(app, db):
    _, project = owned_project(app, db)
    app.get(DELETE, status=405)
    no_csrf = app.post(DELETE, {"confirm_project_name": "Managed_Project"}, status=400)
    assert "CSRF" in no_csrf.text
    RoleFactory(project=project, user=UserFactory(username="maint"), role_name="Maintainer")
    app.reset()
    login(app, "maint")
    csrf = csrf_of(app.get("/manage/projects/"))
    denied = app.post(
        DELETE, {"csrf_token": csrf, "confirm_project_name": "Managed_Project"}, status=403
    )
    assert "Only owners of the project &#39;Managed_Project&#39; can manage it" in denied.text
    db.expire_all()
    assert db.get(Project, project.id) is not None
