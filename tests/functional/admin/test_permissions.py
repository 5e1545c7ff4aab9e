"""Who may reach the admin area: only an admin's browser session, and only one that logged in
with a second factor. Everyone else is refused and nothing changes; unknown names are a 404."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import select

from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.functional.admin.conftest import admin_actions, login_with_totp
from tests.functional.conftest import csrf_of, form_for, login
from tests.functional.two_factor.helpers import (
    SoftKey,
    code_at,
    key_login,
    logout,
    register_key,
    start_login,
    submit_recovery_code,
)
from warehouse_lite.accounts.models import User
from warehouse_lite.accounts.two_factor.models import UserTOTP
from warehouse_lite.events.models import UserEvent
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.packaging.models import Project

ACTIONS = [
    ("/admin/user/target/disable", {}),
    ("/admin/user/target/enable", {}),
    ("/admin/user/target/reset-2fa", {}),
    ("/admin/user/target/revoke-tokens", {}),
    ("/admin/project/victim/remove", {"confirm_project_name": "victim"}),
]
PAGES = ["/admin/", "/admin/actions/", "/admin/user/target/", "/admin/project/victim/"]
ALL = [(url, None) for url in PAGES] + ACTIONS


@pytest.fixture
def world(db: Any) -> Any:
    """A user with 2FA and a token, a project; what each refused request must leave alone."""
    target = UserFactory(username="target")
    UserTOTPFactory(user=target)
    mint_token(db, target)
    project = ProjectFactory(name="victim")
    RoleFactory(project=project, user=target)
    return target


def snapshot(db: Any) -> dict[str, Any]:
    db.expire_all()
    return {
        "active": sorted((u.username, u.is_active) for u in db.scalars(select(User))),
        "totp": sorted(str(t.user_id) for t in db.scalars(select(UserTOTP))),
        "tokens": sorted(str(m.id) for m in db.scalars(select(Macaroon))),
        "projects": sorted(p.name for p in db.scalars(select(Project))),
        "events": sorted(e.tag for e in db.scalars(select(UserEvent))),
        "actions": len(admin_actions(db)),
    }


def _request(app: Any, url: str, data: dict[str, str] | None, csrf: str | None, **kw: Any) -> Any:
    if data is None:
        return app.get(url, expect_errors=True, **kw)
    params = {"reason": "testing", **data}
    if csrf is not None:
        params["csrf_token"] = csrf
    return app.post(url, params, expect_errors=True, **kw)


@pytest.mark.parametrize(("url", "data"), ALL)
def test_anonymous_is_sent_to_login(app, db, world, url, data) -> None:
    before = snapshot(db)
    response = _request(app, url, data, csrf=None)
    assert response.status_code == 303
    assert "/account/login/" in response.location
    assert snapshot(db) == before


@pytest.mark.parametrize(("url", "data"), ALL)
def test_a_user_without_the_admin_flag_is_refused(app, db, world, url, data) -> None:
    UserFactory(username="plain")
    assert login(app, "plain").status_code == 303
    csrf = csrf_of(app.get("/manage/account/"))
    before = snapshot(db)
    response = _request(app, url, data, csrf)
    assert response.status_code == 403
    assert "Administration" not in response.text
    assert snapshot(db) == before


@pytest.mark.parametrize(("url", "data"), ALL)
def test_an_admin_without_a_second_factor_is_told_to_enroll(app, db, world, url, data) -> None:
    UserFactory(username="new-admin", is_admin=True)
    assert login(app, "new-admin").status_code == 303
    csrf = csrf_of(app.get("/manage/account/"))
    before = snapshot(db)
    response = _request(app, url, data, csrf)
    assert response.status_code == 403
    assert "Administration needs two-factor authentication" in response.text
    assert 'href="/manage/account/#two-factor"' in response.text
    assert snapshot(db) == before


@pytest.mark.parametrize("scheme", ["bearer", "basic-token", "basic-password"])
@pytest.mark.parametrize(("url", "data"), ALL)
def test_an_admins_token_or_password_over_http_is_refused(
    app, db, world, clock, url, data, scheme
) -> None:
    """Even the token of an admin with 2FA, sent with a valid session's CSRF token."""
    root = UserFactory(username="tokenadmin", is_admin=True)
    UserTOTPFactory(user=root)
    raw, _row = mint_token(db, root)
    credentials = {
        "bearer": f"Bearer {raw}",
        "basic-token": "Basic " + base64.b64encode(f"__token__:{raw}".encode()).decode(),
        "basic-password": "Basic "
        + base64.b64encode(f"tokenadmin:{DEFAULT_PASSWORD}".encode()).decode(),
    }[scheme]
    before = snapshot(db)
    response = _request(app, url, data, "x", headers={"Authorization": credentials})
    assert response.status_code in (401, 403)
    if scheme != "basic-password":
        assert "API tokens can only be used to upload packages" in response.text
    assert snapshot(db) == before


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_an_action_without_csrf_token_is_refused(app, db, world, admin, url, data) -> None:
    before = snapshot(db)
    response = _request(app, url, data, csrf=None)
    assert response.status_code == 400
    assert "CSRF" in response.text
    assert snapshot(db) == before


@pytest.mark.parametrize("reason", ["", "   \n  ", "x" * 501])
@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_an_action_without_a_reason_is_refused(app, db, world, admin, url, data, reason) -> None:
    csrf = csrf_of(app.get("/admin/"))
    before = snapshot(db)
    response = app.post(url, {"csrf_token": csrf, "reason": reason, **data}, expect_errors=True)
    assert response.status_code == 400
    expected = "Keep the reason under 500" if len(reason) > 500 else "Give a reason"
    assert expected in response.text
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/admin/user/nobody/", "There is no user named &#39;nobody&#39;."),
        ("/admin/user/nobody/disable", "There is no user named &#39;nobody&#39;."),
        ("/admin/user/nobody/reset-2fa", "There is no user named &#39;nobody&#39;."),
        ("/admin/user/nobody/revoke-tokens", "There is no user named &#39;nobody&#39;."),
        ("/admin/user/nobody/enable", "There is no user named &#39;nobody&#39;."),
        ("/admin/project/nothing-here/", "There is no project named &#39;nothing-here&#39;."),
        ("/admin/project/nothing-here/remove", "There is no project named &#39;nothing-here&#39;."),
    ],
)
def test_unknown_user_or_project_is_a_404_with_a_message(
    app, db, world, admin, url, message
) -> None:
    before = snapshot(db)
    if url.endswith("/"):
        response = app.get(url, status=404)
    else:
        csrf = csrf_of(app.get("/admin/"))
        data = {"csrf_token": csrf, "reason": "because", "confirm_project_name": "nothing-here"}
        response = app.post(url, data, status=404)
    assert message in response.text
    assert snapshot(db) == before


def test_an_admin_with_totp_gets_in_and_sees_the_link_in_the_header(app, db, admin) -> None:
    page = app.get("/admin/")
    assert page.status_code == 200
    assert 'href="/admin/"' in app.get("/").text


def test_other_users_do_not_see_the_admin_link(app, db) -> None:
    UserFactory(username="plain")
    login(app, "plain")
    assert 'href="/admin/"' not in app.get("/").text


def test_an_admin_session_still_needs_the_totp_step(app, db, clock) -> None:
    """The password alone leaves an admin with 2FA at the second step, outside the area."""
    root = UserFactory(username="halfway", is_admin=True)
    totp = UserTOTPFactory(user=root)
    login(app, "halfway")
    response = app.get("/admin/", expect_errors=True)
    assert response.status_code == 303 and response.location.endswith("/account/two-factor/")
    login_with_totp(app, clock, "halfway", totp.secret)  # now fully logged in
    assert app.get("/admin/").status_code == 200


def _enroll_totp_in_this_session(app: Any, clock: Any) -> str:
    page = app.get("/manage/account/totp-provision")
    secret = page.html.find(id="totp-secret").text.replace(" ", "")
    form = form_for(page, "/manage/account/totp-provision")
    form["totp_value"] = code_at(secret, clock)
    assert form.submit().status_code == 303
    clock.advance(30)
    return secret


@pytest.mark.parametrize(("url", "data"), ALL)
def test_enrolling_2fa_after_a_password_login_does_not_open_the_area(
    app, db, world, clock, url, data
) -> None:
    """The session logged in with the password alone; 2FA added afterwards does not vouch for
    it. The admin is told to log in again with the second factor, and nothing changes."""
    UserFactory(username="late-admin", is_admin=True)
    assert login(app, "late-admin").status_code == 303
    _enroll_totp_in_this_session(app, clock)
    csrf = csrf_of(app.get("/manage/account/"))
    before = snapshot(db)
    response = _request(app, url, data, csrf)
    assert response.status_code == 403
    assert "Administration needs a login with your second factor" in response.text
    assert "log in again" in response.text
    assert snapshot(db) == before


def test_after_enrolling_a_fresh_login_with_the_code_opens_the_area(app, db, clock) -> None:
    UserFactory(username="late-admin", is_admin=True)
    assert login(app, "late-admin").status_code == 303
    secret = _enroll_totp_in_this_session(app, clock)
    assert app.get("/admin/", expect_errors=True).status_code == 403
    logout(app)
    login_with_totp(app, clock, "late-admin", secret)
    assert app.get("/admin/").status_code == 200


def test_an_admin_logged_in_with_a_security_key_gets_in(app, db) -> None:
    UserFactory(username="key-admin", is_admin=True)
    assert login(app, "key-admin").status_code == 303
    key = SoftKey()
    assert register_key(app, key).status_code == 200
    assert app.get("/admin/", expect_errors=True).status_code == 403
    logout(app)
    start_login(app, "key-admin")
    assert key_login(app, key).status_code == 200
    assert app.get("/admin/").status_code == 200


def test_an_admin_logged_in_with_a_recovery_code_gets_in(app, db, clock) -> None:
    root = UserFactory(username="code-admin", is_admin=True)
    totp = UserTOTPFactory(user=root)
    login_with_totp(app, clock, "code-admin", totp.secret)
    page = app.get("/manage/account/recovery-codes/generate")
    form = form_for(page, "/manage/account/recovery-codes/generate")
    form["password"] = DEFAULT_PASSWORD
    shown = form.submit()
    codes = [li.text.strip() for li in shown.html.find(id="recovery-codes").find_all("li")]
    assert len(codes) == 8
    logout(app)
    start_login(app, "code-admin")
    assert submit_recovery_code(app, codes[0]).status_code == 303
    assert app.get("/admin/").status_code == 200
