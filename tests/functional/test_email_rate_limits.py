"""Emails that people cause are rate limited (email/throttle.py): per address for the emails
sent to reach an address at someone's request, per actor for every email to someone else.
The (N+1)th email is not sent and the person is told why and for how long; an action whose
emails would go over a limit does not happen at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from limits.storage import Storage
from sqlalchemy import select

from tests.common.factories import EmailFactory, UserFactory
from tests.common.packaging_factories import RoleFactory
from tests.common.services import singleton
from tests.functional.conftest import csrf_of, form_for, login
from tests.functional.manage.helpers import event_tags, owned_project
from warehouse_lite.accounts.models import Email
from warehouse_lite.events.models import UserEvent
from warehouse_lite.packaging.models import Role, RoleInvitation, RoleName

COLLAB = "/manage/project/managed-project/collaboration/"
ADDRESS_LIMITED = re.compile(
    r"Too many emails were sent to this address; try again in (\d+) minutes?\."
)
ACTOR_LIMITED = re.compile(
    r"Too many emails were sent because of your actions; try again in (\d+) minutes?\."
)


@pytest.fixture
def email_limits(app: Any, override_settings: Any) -> Callable[..., None]:
    """Call with settings (e.g. email_rate_limit_actor="3 per hour") to change the limits
    (and start counting afresh)."""

    def change(**limits: str) -> None:
        override_settings(**limits)
        singleton(app.app, Storage).reset()

    return change


def _to(outbox, address):
    return [m for m in outbox() if m.to.lower() == address.lower()]


def _email_action(app, action, **fields):
    page = app.get("/manage/account/")
    data = {"csrf_token": csrf_of(page), "action": action, **fields}
    return app.post("/manage/account/emails/", data, expect_errors=True)


def test_resend_verification_is_limited_per_address(app, db, outbox):
    """The reported flood: "resend verification" to an address someone added to their own
    account sent one email per request."""
    user = UserFactory(username="flooder")
    outside = EmailFactory(user=user, email="victim@elsewhere.example", verified=False)
    login(app, "flooder")
    for _ in range(5):  # EMAIL_RATE_LIMIT_ADDRESS = 5 per hour
        done = _email_action(app, "resend", email_id=str(outside.id))
        assert "Verification email for victim@elsewhere.example resent." in done.follow().text
    for _ in range(3):
        refused = _email_action(app, "resend", email_id=str(outside.id)).follow()
        match = ADDRESS_LIMITED.search(refused.text)
        assert match and 1 <= int(match.group(1)) <= 60
    assert len(_to(outbox, "victim@elsewhere.example")) == 5


def test_adding_an_address_again_and_again_is_limited(app, db, outbox):
    UserFactory(username="adder")
    login(app, "adder")
    for _ in range(5):
        assert _email_action(app, "add", email="target@elsewhere.example").status_code == 303
        added = db.scalar(select(Email).where(Email.email == "target@elsewhere.example"))
        assert _email_action(app, "delete", email_id=str(added.id)).status_code == 303
    refused = _email_action(app, "add", email="target@elsewhere.example")
    assert refused.status_code == 429 and ADDRESS_LIMITED.search(refused.text)
    assert db.scalar(select(Email).where(Email.email == "target@elsewhere.example")) is None
    assert len(_to(outbox, "target@elsewhere.example")) == 5


def _invite(app, username, status=303):
    page = app.get(COLLAB)
    form = form_for(page, COLLAB + "invite")
    form["username"] = username
    return form.submit(status=status)


def _revoke_all(app, db):
    page = app.get(COLLAB)
    for invitation in db.scalars(select(RoleInvitation)):
        fields = {"csrf_token": csrf_of(page), "invitation_id": str(invitation.id)}
        app.post(COLLAB + "revoke", fields, status=303)


def test_invite_and_revoke_again_and_again_is_limited(app, db, outbox):
    """Adding and removing a collaborator used to mail them each time; inviting (the only way
    in now) is limited per address."""
    owned_project(app, db)
    UserFactory(username="target")
    for _ in range(5):
        _invite(app, "target")
        _revoke_all(app, db)
    refused = _invite(app, "target", status=429)
    assert ADDRESS_LIMITED.search(refused.text)
    assert db.scalar(select(RoleInvitation)) is None
    invitations = [m for m in _to(outbox, "target@example.com") if "invited you" in m.subject]
    assert len(invitations) == 5


def test_the_address_budget_is_shared_by_everyone_who_asks(app, db, outbox):
    """Password-reset requests (anonymous) and invitations (an owner) to one address draw on
    the same budget; a limited reset request reads exactly like any other."""
    target = UserFactory(username="target")
    for value in ("target", "target", "TARGET@example.com"):
        page = app.get("/account/request-password-reset/")
        form = form_for(page, "/account/request-password-reset/")
        form["username_or_email"] = value
        assert "If an account matches" in form.submit().text
    owned_project(app, db)
    _invite(app, "target")
    _revoke_all(app, db)
    _invite(app, "target")
    _revoke_all(app, db)
    refused = _invite(app, "target", status=429)
    assert ADDRESS_LIMITED.search(refused.text)
    app.reset()
    page = app.get("/account/request-password-reset/")
    form = form_for(page, "/account/request-password-reset/")
    form["username_or_email"] = "target@example.com"
    same = form.submit()
    assert same.status_code == 200 and "If an account matches" in same.text
    assert "Too many" not in same.text
    requested = [m for m in _to(outbox, "target@example.com") if "revoked" not in m.subject]
    assert len(requested) == 5
    tags = [e.tag for e in db.scalars(select(UserEvent).where(UserEvent.user_id == target.id))]
    assert tags.count("account:password:reset:request") == 3
    assert tags.count("account:password:reset:throttled") == 1


def test_registrations_from_one_address_are_limited(app, db, outbox, email_limits):
    email_limits(email_rate_limit_actor="2 per hour")
    for n in range(3):
        app.reset()
        page = app.get("/account/register/")
        form = form_for(page, "/account/register/")
        for key, value in {
            "username": f"new{n}",
            "full_name": "New",
            "email": f"new{n}@example.com",
            "new_password": "a long enough password",
            "password_confirm": "a long enough password",
        }.items():
            form[key] = value
        response = form.submit(expect_errors=True)
    assert response.status_code == 429 and ACTOR_LIMITED.search(response.text)
    assert [m.to for m in outbox()] == ["new0@example.com", "new1@example.com"]


def _roles(db, project):
    db.expire_all()
    query = select(Role).where(Role.project_id == project.id)
    return {r.user.username: r.role_name for r in db.scalars(query)}


def test_an_action_over_the_actor_limit_does_not_happen(app, db, outbox, email_limits):
    """Removing someone mails them and every owner: with room for fewer emails than that,
    the removal is refused as a whole (no change, no event, no email), never done silently."""
    email_limits(email_rate_limit_actor="3 per hour")
    _, project = owned_project(app, db)
    for name in ("co1", "co2", "co3"):
        RoleFactory(project=project, user=UserFactory(username=name), role_name=RoleName.OWNER)
    RoleFactory(project=project, user=UserFactory(username="member"), role_name="Maintainer")
    page = app.get(COLLAB)
    fields = {"csrf_token": csrf_of(page), "username": "member", "confirm_username": "member"}
    refused = app.post(COLLAB + "remove", fields, status=429)
    assert ACTOR_LIMITED.search(refused.text)
    assert int(refused.headers["Retry-After"]) > 0
    assert "member" in _roles(db, project)
    assert event_tags(db, project) == []
    assert outbox() == []
    # The budget is spent now (3 counted): the next action is refused before it starts.
    fields = {"csrf_token": csrf_of(page), "username": "co1", "role_name": "Maintainer"}
    fields["confirm_username"] = "co1"
    again = app.post(COLLAB + "change", fields, status=429)
    assert ACTOR_LIMITED.search(again.text)
    assert _roles(db, project)["co1"] == RoleName.OWNER


def test_notices_to_oneself_are_not_counted(app, db, outbox, email_limits):
    email_limits(email_rate_limit_actor="1 per hour", email_rate_limit_address="1 per hour")
    UserFactory(username="solo")
    login(app, "solo")
    for n in range(3):
        page = app.get("/manage/account/")
        form = form_for(page, "/manage/account/password/")
        form["password"] = "correct horse battery staple" if n == 0 else f"new password {n - 1}"
        form["new_password"] = form["password_confirm"] = f"new password {n}"
        assert form.submit().status_code == 303
    assert len(_to(outbox, "solo@example.com")) == 3
