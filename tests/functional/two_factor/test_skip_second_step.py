"""A password without the second factor is not a login: account pages stay closed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.functional.two_factor.helpers import JSON_HEADERS, code_at, start_login, submit_totp
from warehouse_lite.accounts.two_factor.models import RecoveryCode, UserTOTP

PROTECTED = [
    "/manage/account/",
    "/manage/account/totp-provision",
    "/manage/account/webauthn-provision",
    "/manage/account/recovery-codes/generate",
    "/manage/account/totp-delete",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_account_pages_send_back_to_the_second_step(app, db, clock, path):
    totp = UserTOTPFactory(user=UserFactory(username="skipper"))
    start_login(app, "skipper")
    response = app.get(path)
    assert response.status_code == 303
    assert response.location.endswith("/account/two-factor/")
    assert "Finish logging in first" in response.follow().text
    db.expire_all()
    assert db.get(UserTOTP, totp.user_id).last_used_step is None


def test_state_changes_are_refused_too(app, db, clock):
    totp = UserTOTPFactory(user=UserFactory(username="poster"))
    page = start_login(app, "poster")
    csrf = page.html.find("input", {"name": "csrf_token"})["value"]
    for path, data in [
        ("/manage/account/totp-delete", {"password": "correct horse battery staple"}),
        ("/manage/account/recovery-codes/generate", {"password": "x"}),
    ]:
        response = app.post(path, {"csrf_token": csrf, **data})
        assert response.location.endswith("/account/two-factor/")
    options = app.get("/manage/account/webauthn-provision/options", headers=JSON_HEADERS)
    assert options.status_code == 303
    assert db.get(UserTOTP, totp.user_id) is not None
    assert db.scalars(select(RecoveryCode)).all() == []


def test_opening_pages_does_not_count_toward_the_rate_limit(app, db, clock):
    """Only refused second factors count: a browser half logged in that opens pages (the
    second step's own, or ones that need a login) guesses nothing."""
    totp = UserTOTPFactory(user=UserFactory(username="prober"))
    start_login(app, "prober")
    for _ in range(3):
        for path in [*PROTECTED, "/account/two-factor/", "/account/recovery-code/"]:
            app.get(path)
        app.get("/account/webauthn-authenticate/options", headers=JSON_HEADERS, status=400)
        app.get("/manage/account/webauthn-provision/options", headers=JSON_HEADERS)
    done = submit_totp(app, code_at(totp.secret, clock))
    assert done.status_code == 303 and done.location.endswith("/manage/account/")


def test_a_logged_out_visitor_still_goes_to_the_login_form(app, db):
    response = app.get("/manage/account/")
    assert response.status_code == 303 and "/account/login/" in response.location
