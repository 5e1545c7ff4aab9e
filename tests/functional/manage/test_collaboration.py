"""Add, change and remove collaborators; a project always keeps an owner."""

from __future__ import annotations

from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.packaging_factories import RoleFactory
from tests.functional.conftest import csrf_of, form_for, login
from tests.functional.manage.helpers import event_tags, journal, owned_project
from warehouse_lite.packaging.models import Role, RoleName

URL = "/manage/project/managed-project/collaboration/"


def _roles(db, project):
    db.expire_all()
    query = select(Role).where(Role.project_id == project.id)
    return {r.user.username: r.role_name for r in db.scalars(query)}


def _add(app, username, role="Maintainer", status=303):
    page = app.get(URL)
    form = form_for(page, URL + "add")
    form["username"] = username
    form["role_name"].force_value(role)
    return form.submit(status=status)


def test_add_a_maintainer_and_an_owner(app, db, outbox):
    _, project = owned_project(app, db)
    UserFactory(username="Newbie")
    UserFactory(username="second")
    serial = project.last_serial

    done = _add(app, "newbie").follow()  # usernames match whatever their case
    assert "Newbie was added as Maintainer of Managed_Project." in done.text
    assert _roles(db, project) == {"owner": RoleName.OWNER, "Newbie": RoleName.MAINTAINER}
    tag, additional = event_tags(db, project)[-1]
    assert (tag, additional["target_user"], additional["role_name"]) == (
        "project:role:add",
        "Newbie",
        "Maintainer",
    )
    assert journal(db, "Managed_Project") == [("add Maintainer Newbie", None)]
    db.refresh(project)
    assert project.last_serial > serial
    mails = outbox()
    # The owners and the new collaborator hear of it.
    assert sorted(m.to for m in mails) == ["Newbie@example.com", "owner@example.com"]
    assert "Newbie was added to Managed_Project as Maintainer" in mails[0].subject
    assert "owner added Newbie" in mails[0].text

    _add(app, "second", role="Owner")
    assert _roles(db, project)["second"] == RoleName.OWNER
    assert sorted(m.to for m in outbox()[2:]) == ["owner@example.com", "second@example.com"]
    # The page lists both, owners first.
    page = app.get(URL)
    assert page.text.index("owner") < page.text.index("Newbie")


def test_add_refuses_bad_input(app, db, outbox):
    _, project = owned_project(app, db)
    UserFactory(username="member")
    RoleFactory(project=project, user=db.scalar(select_user("member")), role_name="Maintainer")
    UserFactory(username="disabled", is_active=False)
    cases = [
        (
            "nobody",
            "Maintainer",
            400,
            "There is no active account with the username &#39;nobody&#39;.",
        ),
        ("disabled", "Maintainer", 400, "There is no active account"),
        ("", "Maintainer", 400, "Enter the username of an account."),
        ("member", "Owner", 409, "member is already a Maintainer of Managed_Project"),
        ("OWNER", "Owner", 409, "owner is already a Owner"),
        ("member", "Admin", 400, "The role must be Owner or Maintainer."),
    ]
    for username, role, status, message in cases:
        response = _add(app, username, role=role, status=status)
        assert message in response.text, (username, role)
    assert _roles(db, project) == {"owner": RoleName.OWNER, "member": RoleName.MAINTAINER}
    assert event_tags(db, project) == []
    assert outbox() == []


def select_user(username):
    from warehouse_lite.accounts.models import User

    return select(User).where(User.username == username)


def test_change_role(app, db, outbox):
    _, project = owned_project(app, db)
    member = UserFactory(username="member")
    RoleFactory(project=project, user=member, role_name=RoleName.MAINTAINER)
    page = app.get(URL)
    form = form_for(page, URL + "change", username="member")
    form["role_name"] = "Owner"
    done = form.submit().follow()
    assert "member is now a Owner of Managed_Project." in done.text
    assert _roles(db, project)["member"] == RoleName.OWNER
    tag, additional = event_tags(db, project)[-1]
    assert tag == "project:role:change"
    assert additional["old_role_name"] == "Maintainer" and additional["role_name"] == "Owner"
    assert journal(db, "Managed_Project") == [("change Maintainer member to Owner", None)]
    mails = outbox()
    assert sorted(m.to for m in mails) == ["member@example.com", "owner@example.com"]
    assert "from Maintainer to Owner" in mails[0].text

    # The same role again is refused; so are unknown people and roles.
    csrf = csrf_of(page)
    same = app.post(
        URL + "change", {"csrf_token": csrf, "username": "member", "role_name": "Owner"}, status=409
    )
    assert "member is already a Owner" in same.text
    nobody = app.post(
        URL + "change", {"csrf_token": csrf, "username": "ghost", "role_name": "Owner"}, status=404
    )
    assert "&#39;ghost&#39; is not a collaborator of Managed_Project" in nobody.text
    bad = app.post(
        URL + "change", {"csrf_token": csrf, "username": "member", "role_name": "God"}, status=400
    )
    assert "The role must be Owner or Maintainer." in bad.text
    missing = app.post(URL + "change", {"csrf_token": csrf, "role_name": "Owner"}, status=400)
    assert "Say whose role to change." in missing.text

    # An owner who demotes themself loses the management pages.
    form = form_for(app.get(URL), URL + "change", username="owner")
    form["role_name"] = "Maintainer"
    response = form.submit()
    assert response.location.endswith("/manage/projects/")
    assert "You are now a Maintainer of Managed_Project." in response.follow().text
    app.get(URL, status=403)
    assert _roles(db, project) == {"owner": RoleName.MAINTAINER, "member": RoleName.OWNER}


def test_the_last_owner_cannot_be_demoted_removed_or_leave(app, db, outbox):
    _, project = owned_project(app, db)
    member = UserFactory(username="member")
    RoleFactory(project=project, user=member, role_name=RoleName.MAINTAINER)
    page = app.get(URL)
    assert "Only owner: add another owner before leaving." in page.text
    csrf = csrf_of(page)
    demote = app.post(
        URL + "change",
        {"csrf_token": csrf, "username": "owner", "role_name": "Maintainer"},
        status=400,
    )
    assert "owner is the only owner of Managed_Project" in demote.text
    leave = app.post(URL + "remove", {"csrf_token": csrf, "username": "owner"}, status=400)
    assert "cannot be removed (or leave)" in leave.text
    assert _roles(db, project) == {"owner": RoleName.OWNER, "member": RoleName.MAINTAINER}
    assert event_tags(db, project) == []
    assert outbox() == []


def test_remove_and_leave(app, db, outbox):
    _, project = owned_project(app, db)
    for name, role in (("member", RoleName.MAINTAINER), ("coowner", RoleName.OWNER)):
        RoleFactory(project=project, user=UserFactory(username=name), role_name=role)
    page = app.get(URL)
    form = form_for(page, URL + "remove", username="member")
    done = form.submit().follow()
    assert "member was removed from Managed_Project." in done.text
    assert "member" not in _roles(db, project)
    tag, additional = event_tags(db, project)[-1]
    assert (tag, additional["target_user"], additional["role_name"]) == (
        "project:role:remove",
        "member",
        "Maintainer",
    )
    assert journal(db, "Managed_Project") == [("remove Maintainer member", None)]
    assert sorted(m.to for m in outbox()) == [
        "coowner@example.com",
        "member@example.com",
        "owner@example.com",
    ]
    assert "member was removed from Managed_Project" in outbox()[0].subject

    gone = app.post(URL + "remove", {"csrf_token": csrf_of(page), "username": "member"}, status=404)
    assert "is not a collaborator" in gone.text

    # Leaving while another owner remains is allowed.
    form = form_for(app.get(URL), URL + "remove", username="owner")
    left = form.submit()
    assert left.location.endswith("/manage/projects/")
    assert "You left Managed_Project." in left.follow().text
    assert _roles(db, project) == {"coowner": RoleName.OWNER}
    assert "Managed_Project" not in app.get("/manage/projects/").text


def test_collaboration_needs_csrf_post_and_ownership(app, db):
    _, project = owned_project(app, db)
    member = UserFactory(username="member")
    RoleFactory(project=project, user=member, role_name=RoleName.MAINTAINER)
    for action in ("add", "change", "remove"):
        app.get(URL + action, status=405)
        response = app.post(URL + action, {"username": "member", "role_name": "Owner"}, status=400)
        assert "CSRF" in response.text
    app.reset()
    login(app, "member")
    csrf = csrf_of(app.get("/manage/projects/"))
    denied = app.post(
        URL + "change", {"csrf_token": csrf, "username": "member", "role_name": "Owner"}, status=403
    )
    assert "Only owners of the project" in denied.text
    app.post(URL + "remove", {"csrf_token": csrf, "username": "owner"}, status=403)
    app.post(URL + "add", {"csrf_token": csrf, "username": "member"}, status=403)
    assert _roles(db, project) == {"owner": RoleName.OWNER, "member": RoleName.MAINTAINER}
