"""Who may reach the admin area: only an admin's browser session, and only with a second
factor enrolled. Everyone else is refused and nothing changes; unknown names are a 404."""

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
from tests.functional.conftest import csrf_of, login
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
