"""Change a role, remove a collaborator, leave a project: each confirmed in a second step;
a project always keeps an owner. (Joining is by invitation: test_invitations.py.)"""

from __future__ import annotations

from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.functional.conftest import csrf_of, form_for, login
from tests.functional.manage.helpers import event_tags, journal, owned_project, user_event_tags
from warehouse_lite.packaging.models import Role, RoleName

URL = "/manage/project/managed-project/collaboration/"


def _roles(db, project):
    db.expire_all()
    query = select(Role).where(Role.project_id == project.id)
    return {r.user.username: r.role_name for r in db.scalars(query)}


def _confirm(page, action, field, value, status=303):
    """Submit the confirmation form of a confirmation ``page`` with ``value`` typed in."""
    form = form_for(page, action)
    form[field] = value
    return form.submit(status=status)


def test_change_role_asks_for_confirmation(app, db, outbox):
    _, project = owned_project(app, db)
    member = UserFactory(username="member")
    RoleFactory(project=project, user=member, role_name=RoleName.MAINTAINER)
    form = form_for(app.get(URL), URL + "change", username="member")
    form["role_name"] = "Owner"
    confirm = form.submit(status=200)
    # The first step changes nothing: it says what will happen and asks for the username.
    assert "Make member an Owner of Managed_Project instead of a Maintainer?" in confirm.text
    assert _roles(db, project)["member"] == RoleName.MAINTAINER
    assert outbox() == []

    wrong = _confirm(confirm, URL + "change", "confirm_username", "someone", status=400)
    assert "Type &#39;member&#39; exactly to confirm." in wrong.text
    assert _roles(db, project)["member"] == RoleName.MAINTAINER

    done = _confirm(wrong, URL + "change", "confirm_username", "member").follow()
    assert "member is now an Owner of Managed_Project." in done.text
    assert _roles(db, project)["member"] == RoleName.OWNER
    tag, additional = event_tags(db, project)[-1]
    assert tag == "project:role:change"
    assert additional["old_role_name"] == "Maintainer" and additional["role_name"] == "Owner"
    assert user_event_tags(db, member) == ["account:role:change"]
    assert journal(db, "Managed_Project") == [("change Maintainer member to Owner", None)]
    mails = outbox()
    assert sorted(m.to for m in mails) == ["member@example.com", "owner@example.com"]
    assert "from Maintainer to Owner" in mails[0].text


def test_change_role_refusals(app, db, outbox):
    _, project = owned_project(app, db)
    RoleFactory(project=project, user=UserFactory(username="member"), role_name="Owner")
    csrf = csrf_of(app.get(URL))

    def change(status, **fields):
        return app.post(URL + "change", {"csrf_token": csrf, **fields}, status=status)

    same = change(409, username="member", role_name="Owner", confirm_username="member")
    assert "member is already an Owner" in same.text
    nobody = change(404, username="ghost", role_name="Owner")
    assert "&#39;ghost&#39; is not a collaborator of Managed_Project" in nobody.text
    assert (
        "The role must be Owner or Maintainer."
        in change(400, username="member", role_name="X").text
    )
    assert "Say whose role to change." in change(400, role_name="Owner").text

    # An owner who demotes themself (confirmed) loses the management pages.
    response = change(303, username="owner", role_name="Maintainer", confirm_username="owner")
    assert response.location.endswith("/manage/projects/")
    assert "You are now a Maintainer of Managed_Project." in response.follow().text
    app.get(URL, status=403)
    assert _roles(db, project) == {"owner": RoleName.MAINTAINER, "member": RoleName.OWNER}


def test_remove_asks_for_confirmation(app, db, outbox):
    _, project = owned_project(app, db)
    member = UserFactory(username="member")
    RoleFactory(project=project, user=member, role_name=RoleName.MAINTAINER)
    RoleFactory(project=project, user=UserFactory(username="coowner"), role_name=RoleName.OWNER)
    page = app.get(URL)
    confirm = form_for(page, URL + "remove", username="member").submit(status=200)
    assert "Remove member (Maintainer) from Managed_Project?" in confirm.text
    assert "member" in _roles(db, project) and outbox() == []
    # The username is typed exactly (not another case, not the project's name).
    _confirm(confirm, URL + "remove", "confirm_username", "MEMBER", status=400)
    assert "member" in _roles(db, project)

    done = _confirm(confirm, URL + "remove", "confirm_username", "member").follow()
    assert "member was removed from Managed_Project." in done.text
    assert "member" not in _roles(db, project)
    tag, additional = event_tags(db, project)[-1]
    assert (tag, additional["target_user"], additional["role_name"]) == (
        "project:role:remove",
        "member",
        "Maintainer",
    )
    assert user_event_tags(db, member) == ["account:role:remove"]
    assert journal(db, "Managed_Project") == [("remove Maintainer member", None)]
    assert sorted(m.to for m in outbox()) == [
        "coowner@example.com",
        "member@example.com",
        "owner@example.com",
    ]
    assert "member was removed from Managed_Project" in outbox()[0].subject

    csrf = csrf_of(page)
    gone = app.post(URL + "remove", {"csrf_token": csrf, "username": "member"}, status=404)
    assert "is not a collaborator" in gone.text
    # Removing oneself is leaving, which has its own action.
    myself = app.post(
        URL + "remove",
        {"csrf_token": csrf, "username": "owner", "confirm_username": "owner"},
        status=400,
    )
    assert "To remove yourself, use “Leave project”." in myself.text
    assert _roles(db, project) == {"owner": RoleName.OWNER, "coowner": RoleName.OWNER}


def test_the_last_owner_cannot_be_demoted_removed_or_leave(app, db, outbox):
    _, project = owned_project(app, db)
    RoleFactory(project=project, user=UserFactory(username="member"), role_name="Maintainer")
    page = app.get(URL)
    assert "Only owner: make another collaborator an owner before leaving." in page.text
    csrf = csrf_of(page)
    demote = app.post(
        URL + "change",
        {"csrf_token": csrf, "username": "owner", "role_name": "Maintainer"},
        status=400,
    )
    assert "owner is the only owner of Managed_Project" in demote.text
    leave = app.post(
        URL + "leave", {"csrf_token": csrf, "confirm_project_name": "Managed_Project"}, status=400
    )
    assert "You are the only owner of Managed_Project and cannot leave it" in leave.text
    assert _roles(db, project) == {"owner": RoleName.OWNER, "member": RoleName.MAINTAINER}
    assert event_tags(db, project) == []
    assert outbox() == []


def test_a_maintainer_leaves_from_their_projects_page(app, db, outbox):
    owner = UserFactory(username="owner")
    helper = UserFactory(username="helper")
    project = ProjectFactory(name="Managed_Project")
    RoleFactory(project=project, user=owner, role_name=RoleName.OWNER)
    RoleFactory(project=project, user=helper, role_name=RoleName.MAINTAINER)
    login(app, "helper")
    projects = app.get("/manage/projects/")
    confirm = form_for(projects, URL + "leave").submit(status=200)
    assert "Stop being a Maintainer of Managed_Project?" in confirm.text
    wrong = _confirm(confirm, URL + "leave", "confirm_project_name", "managed-project", 400)
    assert "Type &#39;Managed_Project&#39; exactly to confirm." in wrong.text
    assert "helper" in _roles(db, project)

    left = _confirm(wrong, URL + "leave", "confirm_project_name", "Managed_Project")
    assert left.location.endswith("/manage/projects/")
    assert "You left Managed_Project." in left.follow().text
    assert _roles(db, project) == {"owner": RoleName.OWNER}
    tag, additional = event_tags(db, project)[-1]
    assert (tag, additional["target_user"], additional["submitted_by"]) == (
        "project:role:leave",
        "helper",
        "helper",
    )
    assert user_event_tags(db, helper) == ["account:role:leave"]
    assert journal(db, "Managed_Project") == [("remove Maintainer helper", None)]
    assert sorted(m.to for m in outbox()) == ["helper@example.com", "owner@example.com"]
    assert "helper left Managed_Project" in outbox()[0].subject
    assert "Managed_Project" not in app.get("/manage/projects/").text
    # Gone for good: no role, so no leaving again (and no upload).
    app.post(URL + "leave", {"csrf_token": csrf_of(projects)}, status=403)


def test_an_owner_leaves_when_another_owner_remains(app, db, outbox):
    _, project = owned_project(app, db)
    RoleFactory(project=project, user=UserFactory(username="coowner"), role_name="Owner")
    confirm = form_for(app.get(URL), URL + "leave").submit(status=200)
    left = _confirm(confirm, URL + "leave", "confirm_project_name", "Managed_Project")
    assert "You left Managed_Project." in left.follow().text
    assert _roles(db, project) == {"coowner": RoleName.OWNER}


def test_collaboration_needs_csrf_post_and_ownership(app, db):
    _, project = owned_project(app, db)
    member = UserFactory(username="member")
    RoleFactory(project=project, user=member, role_name=RoleName.MAINTAINER)
    actions = ("invite", "revoke", "change", "remove", "leave")
    for action in actions:
        app.get(URL + action, status=405)
        fields = {"username": "member", "role_name": "Owner", "confirm_username": "member"}
        response = app.post(URL + action, fields, status=400)
        assert "CSRF" in response.text
    app.reset()
    login(app, "member")
    csrf = csrf_of(app.get("/manage/projects/"))
    denied = app.post(
        URL + "change",
        {"csrf_token": csrf, "username": "member", "role_name": "Owner", "confirm_username": "x"},
        status=403,
    )
    assert "Only owners of the project" in denied.text
    app.post(URL + "remove", {"csrf_token": csrf, "username": "owner"}, status=403)
    app.post(URL + "invite", {"csrf_token": csrf, "username": "member"}, status=403)
    app.post(URL + "revoke", {"csrf_token": csrf, "invitation_id": "x"}, status=403)
    assert _roles(db, project) == {"owner": RoleName.OWNER, "member": RoleName.MAINTAINER}
    # Someone without any role on the project cannot even "leave" it.
    app.reset()
    UserFactory(username="stranger")
    login(app, "stranger")
    csrf = csrf_of(app.get("/manage/projects/"))
    fields = {"csrf_token": csrf, "confirm_project_name": "Managed_Project"}
    app.post(URL + "leave", fields, status=403)
