"""Each admin action on a user through the web admin: what changes at once, what is recorded
(user event + admin log, with the admin's name and reason) and who is emailed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.common.dists import make_sdist
from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.common.uploads import basic_auth, upload
from tests.functional.admin.conftest import admin_actions, events
from tests.functional.conftest import form_for, login
from warehouse_lite.accounts.two_factor.models import RecoveryCode, UserTOTP, WebAuthnCredential
from warehouse_lite.accounts.two_factor.services import TwoFactorService
from warehouse_lite.events.models import ProjectEvent
from warehouse_lite.macaroons.models import Macaroon


def act(app: Any, username: str, action: str, reason: str) -> Any:
    """Submit the admin form for ``action`` on the user's admin page, as a browser would."""
    page = app.get(f"/admin/user/{username}/")
    form = form_for(page, f"/admin/user/{username}/{action}")
    form["reason"] = reason
    return form.submit(expect_errors=True)


def test_search_finds_users_by_username_and_email_and_projects(app, db, admin) -> None:
    UserFactory(username="findme")
    other = UserFactory(username="someone")
    other.emails[0].email = "hidden-findme@example.org"
    ProjectFactory(name="findme-tools")
    ProjectFactory(name="unrelated")
    db.flush()
    page = app.get("/admin/", params={"q": "FINDME"})
    users = page.html.select("#user-results tbody a")
    assert [a.text for a in users] == ["findme", "someone"]  # exact username first
    projects = [a.text for a in page.html.select("#project-results a")]
    assert projects == ["findme-tools"]
    # LIKE wildcards typed by the admin match themselves.
    assert "No user matches." in app.get("/admin/", params={"q": "%"}).text


def test_user_page_shows_emails_two_factor_tokens_and_events(app, db, admin) -> None:
    user = UserFactory(username="shown")
    UserTOTPFactory(user=user)
    TwoFactorService(db).generate_recovery_codes(user)
    mint_token(db, user, description="ci token")
    page = app.get("/admin/user/shown/")
    text = page.html.get_text(" ", strip=True)
    assert "shown@example.com" in text
    assert "Authentication application (TOTP): yes" in text
    assert "Recovery codes: 8 unused" in text
    assert "API tokens (1)" in text and "ci token" in text


def test_disable_ends_sessions_tokens_passwords_and_login(
    app, db, admin, browser, storage_dir, outbox
) -> None:
    target = UserFactory(username="target")
    raw, _ = mint_token(db, target)
    token_auth = basic_auth("__token__", raw)
    assert login(browser, "target").status_code == 303
    assert browser.get("/manage/account/").status_code == 200

    response = act(app, "target", "disable", "Compromised account, ticket 42")
    assert response.status_code == 303
    assert "target disabled." in response.follow().text

    # The open session is gone at its next request.
    assert browser.get("/manage/account/", expect_errors=True).status_code == 303
    # Tokens and the password stop working for uploads at once.
    refused = upload(app, make_sdist("target-pkg", "1.0"), auth=token_auth, status=403)
    assert "The account this API token belongs to is disabled" in refused.status
    refused = upload(app, make_sdist("target-pkg", "1.0"), auth=basic_auth("target"), status=403)
    assert "This account is disabled" in refused.status
    # And the account cannot log in.
    assert login(browser, "target").status_code == 403

    db.refresh(target)
    assert target.is_active is False and target.disabled_reason == "Compromised account, ticket 42"
    [event] = events(db, target, "account:disabled")
    assert event.additional == {"admin": "root-admin", "reason": "Compromised account, ticket 42"}
    [logged] = admin_actions(db)
    assert (logged.admin_username, logged.admin_id, logged.via) == ("root-admin", admin.id, "web")
    assert (logged.action, logged.target_kind, logged.target_name) == (
        "disable-user",
        "user",
        "target",
    )
    assert "Compromised account, ticket 42" in app.get("/admin/actions/").text

    # Re-enabling restores the account, tokens included.
    assert act(app, "target", "enable", "Owner proved identity").status_code == 303
    db.refresh(target)
    assert target.is_active and target.disabled_reason is None
    upload(app, make_sdist("target-pkg", "1.0"), auth=token_auth, status=200)
    assert events(db, target, "account:enabled")[0].additional["reason"] == "Owner proved identity"
    assert [a.action for a in admin_actions(db)] == ["disable-user", "enable-user"]


def test_disable_twice_or_self_is_refused(app, db, admin) -> None:
    UserFactory(username="gone", is_active=False, disabled_reason="spam")
    response = app.post(
        "/admin/user/gone/disable",
        {
            "csrf_token": app.get("/admin/").html.find("input", {"name": "csrf_token"})["value"],
            "reason": "again",
        },
        expect_errors=True,
    )
    assert response.status_code == 400
    assert "already disabled" in response.text
    response = act(app, "root-admin", "disable", "oops")
    assert response.status_code == 400 and "cannot disable your own account" in response.text
    assert admin_actions(db) == []


def test_reset_two_factor_removes_every_method_and_emails_the_user(
    app, db, admin, browser, outbox, clock
) -> None:
    target = UserFactory(username="locked-out")
    UserTOTPFactory(user=target)
    db.add(
        WebAuthnCredential(
            user_id=target.id, label="Lost key", credential_id="abc", public_key="def"
        )
    )
    TwoFactorService(db).generate_recovery_codes(target)
    db.flush()
    # With its second factor lost, the password alone is not enough.
    assert login(browser, "locked-out").location.endswith("/account/two-factor/")

    response = act(app, "locked-out", "reset-2fa", "Identity checked by video call")
    assert response.status_code == 303
    assert "had their two-factor authentication reset" in response.follow().text

    for model in (UserTOTP, WebAuthnCredential, RecoveryCode):
        assert db.scalars(select(model).where(model.user_id == target.id)).all() == []
    [event] = events(db, target, "account:two-factor:reset")
    assert event.additional["admin"] == "root-admin"
    assert event.additional["reason"] == "Identity checked by video call"
    assert event.additional["removed"] == [
        "authentication application (TOTP)",
        "security key 'Lost key'",
        "8 recovery codes",
    ]
    assert [a.action for a in admin_actions(db)] == ["reset-2fa"]
    [mail] = [m for m in outbox() if m.to == "locked-out@example.com"]
    assert "reset by an administrator" in mail.subject
    assert "Identity checked by video call" in mail.text and "Lost key" in mail.text
    assert "http://localhost/help/#two-factor" in mail.text

    # The user logs in with the password alone now.
    browser.reset()
    response = login(browser, "locked-out")
    assert response.status_code == 303 and response.location.endswith("/manage/account/")


def test_reset_two_factor_of_a_user_without_any_is_refused(app, db, admin, outbox) -> None:
    UserFactory(username="no2fa")
    response = act(app, "no2fa", "reset-2fa", "asked by email")
    assert response.status_code == 400
    assert "has no two-factor methods" in response.text
    assert admin_actions(db) == [] and outbox() == []


def test_revoke_tokens_deletes_them_all_and_emails_once(
    app, db, admin, storage_dir, outbox
) -> None:
    target = UserFactory(username="leaky")
    project = ProjectFactory(name="leaky-lib")
    RoleFactory(project=project, user=target)
    user_token, _ = mint_token(db, target, description="laptop")
    project_token, _ = mint_token(db, target, projects=[project], description="ci")

    response = act(app, "leaky", "revoke-tokens", "Tokens posted in a public gist")
    assert response.status_code == 303

    assert db.scalars(select(Macaroon).where(Macaroon.user_id == target.id)).all() == []
    for raw in (user_token, project_token):
        refused = upload(
            app, make_sdist("leaky-lib", "2.0"), auth=basic_auth("__token__", raw), status=403
        )
        assert "unknown or has been revoked" in refused.status
    [event] = events(db, target, "account:api_token:revoked-all")
    assert event.additional["tokens"] == ["laptop", "ci"]
    assert event.additional["reason"] == "Tokens posted in a public gist"
    project_events = db.scalars(
        select(ProjectEvent).where(ProjectEvent.project_id == project.id)
    ).all()
    assert [(e.tag, e.additional["admin"]) for e in project_events] == [
        ("project:api_token:removed", "root-admin")
    ]
    [mail] = outbox()
    assert mail.to == "leaky@example.com" and "revoked" in mail.subject
    assert "laptop" in mail.text and "ci" in mail.text and "public gist" in mail.text
    # Nothing left to revoke: a clear refusal.
    again = act(app, "leaky", "revoke-tokens", "again")
    assert again.status_code == 400 and "has no API tokens" in again.text


@pytest.mark.parametrize("action", ["disable", "reset-2fa", "revoke-tokens"])
def test_the_form_keeps_the_reason_and_shows_the_error(app, db, admin, action) -> None:
    UserFactory(username="keep")
    response = act(app, "keep", action, "")
    assert response.status_code == 400
    assert response.html.select(f"#{action}-errors")[0].get_text(strip=True) == (
        "Give a reason: it is recorded with the action."
    )


def test_an_admin_cannot_reset_their_own_second_factors_here(app, db, admin) -> None:
    response = act(app, "root-admin", "reset-2fa", "locked myself out?")
    assert response.status_code == 400
    assert "cannot reset your own two-factor methods here" in response.text
    assert admin_actions(db) == []


def test_the_admin_area_closes_when_the_admins_last_second_factor_goes(app, db, admin) -> None:
    assert app.get("/admin/").status_code == 200
    # The TOTP application is removed elsewhere (another session, the account page).
    db.delete(db.scalars(select(UserTOTP).where(UserTOTP.user_id == admin.id)).one())
    db.flush()
    response = app.get("/admin/", expect_errors=True)
    assert response.status_code == 403
    assert "two-factor" in response.text.lower()
