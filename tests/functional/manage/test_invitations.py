"""Invitations: an owner invites, the invitee accepts or declines; owners revoke; invitations
expire; nobody but the invitee can use one; until accepted it gives nothing."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from tests.common.factories import EmailFactory, UserFactory
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.functional.conftest import csrf_of, form_for, login
from tests.functional.manage.helpers import event_tags, journal, owned_project, user_event_tags
from warehouse_lite.packaging.models import Role, RoleInvitation, RoleName

URL = "/manage/project/managed-project/collaboration/"
ACCEPT = "/manage/projects/invitation/accept"
DECLINE = "/manage/projects/invitation/decline"


def _roles(db, project):
    db.expire_all()
    query = select(Role).where(Role.project_id == project.id)
    return {r.user.username: r.role_name for r in db.scalars(query)}


def _invitations(db, project):
    db.expire_all()
    query = select(RoleInvitation).where(RoleInvitation.project_id == project.id)
    return {i.user.username: i for i in db.scalars(query)}


def _invite(app, username, role="Maintainer", status=303):
    form = form_for(app.get(URL), URL + "invite")
    form["username"] = username
    form["role_name"].force_value(role)
    return form.submit(status=status)


def _as(app, username):
    app.reset()
    assert login(app, username).status_code == 303


def test_invite_then_accept(app, db, outbox, settings):
    owner, project = owned_project(app, db)
    newbie = UserFactory(username="Newbie")

    done = _invite(app, "newbie").follow()  # usernames match whatever their case
    assert "Newbie was invited to join Managed_Project as Maintainer." in done.text
    invitation = _invitations(db, project)["Newbie"]
    expected_life = datetime.timedelta(seconds=settings.invitation_max_age)
    assert invitation.expires - invitation.created == expected_life == datetime.timedelta(days=3)
    assert invitation.invited_by_id == owner.id
    # Pending on the owners' page, but not a role: no access, not shown publicly.
    assert "Pending invitations" in done.text and "Revoke" in done.text
    assert _roles(db, project) == {"owner": RoleName.OWNER}
    assert "Newbie" not in app.get("/project/managed-project/").text
    assert event_tags(db, project)[-1][0] == "project:role:invite"
    assert user_event_tags(db, newbie) == ["account:role:invite"]
    assert journal(db, "Managed_Project") == []
    mails = {m.to: m for m in outbox()}
    assert set(mails) == {"Newbie@example.com", "owner@example.com"}
    invite_mail = mails["Newbie@example.com"]
    assert "owner invited you to join Managed_Project as Maintainer" in invite_mail.subject
    assert invite_mail.link() == "/manage/projects/#invitations"
    assert "expires on" in invite_mail.text
    assert "Newbie was invited to Managed_Project" in mails["owner@example.com"].subject

    # The invitee follows the link (logging in first) and accepts.
    app.reset()
    to_login = app.get(invite_mail.link(), status=303)
    assert "/account/login/" in to_login.location
    _as(app, "Newbie")
    page = app.get("/manage/projects/")
    assert "Pending invitations" in page.text and "Managed_Project" in page.text
    app.get(URL.replace("collaboration/", "releases/"), status=403)  # still no access
    accepted = form_for(page, ACCEPT).submit().follow()
    assert "You are now a Maintainer of Managed_Project." in accepted.text
    assert "Pending invitations" not in accepted.text
    assert _roles(db, project) == {"owner": RoleName.OWNER, "Newbie": RoleName.MAINTAINER}
    assert _invitations(db, project) == {}
    assert "Newbie" in app.get("/project/managed-project/").text
    tag, additional = event_tags(db, project)[-1]
    assert (tag, additional["target_user"], additional["submitted_by"]) == (
        "project:role:add",
        "Newbie",
        "Newbie",
    )
    assert user_event_tags(db, newbie) == ["account:role:invite", "account:role:add"]
    assert journal(db, "Managed_Project") == [("add Maintainer Newbie", None)]
    welcome = [m for m in outbox()[2:]]
    assert sorted(m.to for m in welcome) == ["Newbie@example.com", "owner@example.com"]
    assert all("Newbie is now Maintainer of Managed_Project" in m.subject for m in welcome)


def test_invite_refusals(app, db, outbox):
    _, project = owned_project(app, db)
    RoleFactory(project=project, user=UserFactory(username="member"), role_name="Maintainer")
    UserFactory(username="disabled", is_active=False)
    unverified = UserFactory(username="unverified", with_email=False)
    EmailFactory(user=unverified, email="unverified@example.com", primary=True, verified=False)
    UserFactory(username="invited")
    _invite(app, "invited")
    cases = [
        ("nobody", "Maintainer", 400, "There is no active account with the username &#39;nobody"),
        ("disabled", "Maintainer", 400, "There is no active account"),
        ("", "Maintainer", 400, "Enter the username of an account."),
        ("member", "Owner", 409, "member is already a Maintainer of Managed_Project"),
        ("OWNER", "Owner", 409, "owner is already an Owner"),
        ("member", "Admin", 400, "The role must be Owner or Maintainer."),
        ("unverified", "Maintainer", 400, "unverified has no verified email address yet"),
        # Re-inviting while an invitation is pending is refused.
        ("Invited", "Owner", 409, "invited already has a pending invitation to Managed_Project"),
    ]
    mails = len(outbox())
    for username, role, status, message in cases:
        response = _invite(app, username, role=role, status=status)
        assert message in response.text, (username, role)
    assert set(_invitations(db, project)) == {"invited"}
    assert _invitations(db, project)["invited"].role_name == RoleName.MAINTAINER
    assert len(outbox()) == mails


def test_decline(app, db, outbox):
    _, project = owned_project(app, db)
    guest = UserFactory(username="guest")
    _invite(app, "guest", role="Owner")
    _as(app, "guest")
    declined = form_for(app.get("/manage/projects/"), DECLINE).submit().follow()
    assert "You declined the invitation to Managed_Project." in declined.text
    assert _invitations(db, project) == {} and _roles(db, project) == {"owner": RoleName.OWNER}
    assert event_tags(db, project)[-1][0] == "project:role:invite:decline"
    assert user_event_tags(db, guest) == ["account:role:invite", "account:role:invite:decline"]
    last = outbox()[-1]
    assert last.to == "owner@example.com"
    assert "guest declined the invitation to Managed_Project" in last.subject


def test_revoke(app, db, outbox):
    _, project = owned_project(app, db)
    guest = UserFactory(username="guest")
    _invite(app, "guest")
    invitation_id = str(_invitations(db, project)["guest"].id)
    done = form_for(app.get(URL), URL + "revoke").submit().follow()
    assert "The invitation of guest was revoked." in done.text
    assert _invitations(db, project) == {}
    assert event_tags(db, project)[-1][0] == "project:role:invite:revoke"
    assert user_event_tags(db, guest) == ["account:role:invite", "account:role:invite:revoke"]
    revoked = [m for m in outbox() if "was revoked" in m.subject]
    assert sorted(m.to for m in revoked) == ["guest@example.com", "owner@example.com"]
    # Revoking again, or accepting what was revoked, finds nothing.
    gone = app.post(
        URL + "revoke",
        {"csrf_token": csrf_of(done), "invitation_id": invitation_id},
        status=404,
    )
    assert "There is no pending invitation to Managed_Project with that id" in gone.text
    _as(app, "guest")
    csrf = csrf_of(app.get("/manage/projects/"))
    refused = app.post(ACCEPT, {"csrf_token": csrf, "invitation_id": invitation_id}, status=404)
    assert "You have no pending invitation with that id" in refused.text
    assert _roles(db, project) == {"owner": RoleName.OWNER}
    # Once revoked, the owner may invite again.
    _as(app, "owner")
    _invite(app, "guest")
    assert set(_invitations(db, project)) == {"guest"}


def test_an_expired_invitation_cannot_be_accepted(app, db, outbox):
    _, project = owned_project(app, db)
    late = UserFactory(username="late")
    _invite(app, "late")
    _as(app, "late")
    stale_page = app.get("/manage/projects/")  # loaded while the invitation was valid
    invitation = _invitations(db, project)["late"]
    invitation.expires = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    db.flush()
    # The page now marks it as expired, without an Accept button.
    page = app.get("/manage/projects/")
    assert "expired" in page.text and ACCEPT not in page.text

    refused = form_for(stale_page, ACCEPT).submit(status=400)
    assert "Your invitation to Managed_Project expired on" in refused.text
    assert "ask an owner to invite you again" in refused.text
    assert _roles(db, project) == {"owner": RoleName.OWNER}
    # The attempt is recorded and the owners hear of it; the invitation is gone.
    assert _invitations(db, project) == {}
    assert event_tags(db, project)[-1][0] == "project:role:invite:expired"
    assert user_event_tags(db, late) == ["account:role:invite", "account:role:invite:expired"]
    last = outbox()[-1]
    assert last.to == "owner@example.com" and "expired invitation" in last.subject
    # Trying again finds nothing to accept.
    form_for(stale_page, ACCEPT).submit(status=404)


def test_an_expired_invitation_is_replaced_by_a_new_one(app, db, outbox):
    _, project = owned_project(app, db)
    UserFactory(username="late")
    _invite(app, "late")
    old = _invitations(db, project)["late"]
    old_id = old.id
    old.expires = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    db.flush()
    assert "expired" in app.get(URL).text
    _invite(app, "late", role="Owner")
    new = _invitations(db, project)["late"]
    assert new.id != old_id and new.role_name == RoleName.OWNER
    assert new.expires > datetime.datetime.now(datetime.UTC)


def test_nobody_else_can_use_an_invitation(app, db, outbox):
    """The invitation id is not a secret: only its invitee may accept or decline it."""
    _, project = owned_project(app, db)
    UserFactory(username="invitee")
    UserFactory(username="intruder")
    other_owner = UserFactory(username="other")
    other_project = ProjectFactory(name="Other")
    RoleFactory(project=other_project, user=other_owner, role_name=RoleName.OWNER)
    _invite(app, "invitee", role="Owner")
    invitation_id = str(_invitations(db, project)["invitee"].id)
    mails = len(outbox())

    for who in ("intruder", "owner", "other"):
        _as(app, who)
        csrf = csrf_of(app.get("/manage/projects/"))
        for action in (ACCEPT, DECLINE):
            response = app.post(
                action, {"csrf_token": csrf, "invitation_id": invitation_id}, status=404
            )
            assert "You have no pending invitation with that id" in response.text
    # Another project's owner cannot revoke it through their own project either.
    csrf = csrf_of(app.get("/manage/project/other/collaboration/"))
    app.post(
        "/manage/project/other/collaboration/revoke",
        {"csrf_token": csrf, "invitation_id": invitation_id},
        status=404,
    )
    # Malformed ids are refused the same way.
    for bad in ("not-a-uuid", "", "0" * 200):
        status = 400 if bad == "" else 404
        app.post(ACCEPT, {"csrf_token": csrf, "invitation_id": bad}, status=status)
    assert set(_invitations(db, project)) == {"invitee"}
    assert _roles(db, project) == {"owner": RoleName.OWNER}
    assert len(outbox()) == mails


def test_invitee_actions_need_csrf_and_post(app, db):
    _, project = owned_project(app, db)
    UserFactory(username="invitee")
    _invite(app, "invitee")
    invitation_id = str(_invitations(db, project)["invitee"].id)
    _as(app, "invitee")
    for action in (ACCEPT, DECLINE):
        app.get(action, status=405)
        for token in (None, "wrong"):
            fields = {"invitation_id": invitation_id}
            if token:
                fields["csrf_token"] = token
            assert "CSRF" in app.post(action, fields, status=400).text
    assert set(_invitations(db, project)) == {"invitee"}
    app.reset()
    anonymous = app.post(ACCEPT, {"invitation_id": invitation_id}, status=303)
    assert "/account/login/" in anonymous.location
    assert set(_invitations(db, project)) == {"invitee"}


def test_an_owner_on_the_way_out_cannot_leave_an_invitation_behind(app, db, outbox):
    """An outside test: an owner about to be removed invited an accomplice as Owner; after the
    removal the accomplice accepted and was an owner. Removing (or demoting) the sender now
    voids their invitations, and accepting re-checks that the sender is still an owner."""
    _, project = owned_project(app, db)
    bob = UserFactory(username="bob")
    UserFactory(username="mallory")
    yan = UserFactory(username="yan")
    UserFactory(username="zed")
    RoleFactory(project=project, user=bob, role_name=RoleName.OWNER)
    RoleFactory(project=project, user=yan, role_name=RoleName.OWNER)
    db.flush()
    _as(app, "bob")
    _invite(app, "mallory", role="Owner")
    _as(app, "yan")
    _invite(app, "zed", role="Owner")
    assert set(_invitations(db, project)) == {"mallory", "zed"}

    # The owner removes bob (typed confirmation): bob's invitation goes with him.
    _as(app, "owner")
    form = form_for(app.get(URL), URL + "remove", username="bob")
    confirm = form.submit(status=200)
    form = form_for(confirm, URL + "remove")
    form["confirm_username"] = "bob"
    form.submit(status=303)
    assert set(_invitations(db, project)) == {"zed"}

    # yan is demoted some other way than the page (e.g. by an administrator): zed's
    # invitation is still there, but accepting it checks the sender's role now.
    db.scalar(select(Role).where(Role.user_id == yan.id)).role_name = RoleName.MAINTAINER
    db.flush()
    _as(app, "zed")
    page = app.get("/manage/projects/")
    refused = form_for(page, ACCEPT).submit(status=400)
    assert "no longer valid: whoever sent it is no longer an owner" in refused.text
    assert _roles(db, project) == {"owner": RoleName.OWNER, "yan": RoleName.MAINTAINER}
    assert _invitations(db, project) == {}
    _as(app, "mallory")
    assert "Pending invitations" not in app.get("/manage/projects/").text
