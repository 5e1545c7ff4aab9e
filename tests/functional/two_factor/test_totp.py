"""TOTP: set up an authentication application, log in with it, remove it; every bad input."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pyotp
import pytest
from sqlalchemy import select

from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.functional.conftest import form_for, login
from tests.functional.two_factor.helpers import (
    code_at,
    logout,
    session_id,
    start_login,
    submit_totp,
)
from warehouse_lite.accounts.login import PENDING_LOGIN_MAX_AGE
from warehouse_lite.accounts.models import User
from warehouse_lite.accounts.two_factor.models import UserTOTP
from warehouse_lite.events.models import UserEvent
from warehouse_lite.sessions import get_session_store
from warehouse_lite.settings import get_settings


def _events(db, user, tag=None):
    db.expire_all()
    query = select(UserEvent).where(UserEvent.user_id == user.id).order_by(UserEvent.time)
    events = list(db.scalars(query))
    return [e for e in events if tag is None or e.tag == tag]


def _provision_page(app):
    page = app.get("/manage/account/totp-provision")
    secret = page.html.find(id="totp-secret").text.replace(" ", "")
    return page, secret


def _confirm(app, code):
    page = app.get("/manage/account/totp-provision")
    form = form_for(page, "/manage/account/totp-provision")
    form["totp_value"] = code
    return form.submit(expect_errors=True)


def test_enroll_totp(app, db, clock, outbox, settings):
    user = UserFactory(username="tina")
    assert login(app, "tina").status_code == 303
    page, secret = _provision_page(app)
    assert len(secret) == 32  # base32: 160 bits
    # The otpauth URI names the site as issuer and the user as account.
    uri = html.unescape(page.html.find(id="totp-uri").text)
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parts.path.endswith(":tina")
    query = parse_qs(parts.query)
    assert query["secret"] == [secret] and query["issuer"] == [settings.site_name]
    # The QR code is an SVG image served from the session's pending secret.
    image = app.get("/manage/account/totp-provision/image")
    assert image.content_type == "image/svg+xml"
    svg = ElementTree.fromstring(image.body)  # noqa: S314  (our own server's output)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and int(svg.get("width")) > 100
    assert image.headers["Cache-Control"] == "no-store"
    # Reloading the page keeps the same secret until it is confirmed.
    assert _provision_page(app)[1] == secret
    # Nothing is saved before the code proves the app has the secret.
    assert db.get(UserTOTP, user.id) is None

    done = _confirm(app, code_at(secret, clock))
    assert done.status_code == 303
    saved = db.get(UserTOTP, user.id)
    assert saved.secret == secret and saved.last_used_step == clock.step
    account = done.follow()
    assert "Authentication application added" in account.text
    assert "generate recovery codes" in account.text.lower()
    assert "Authentication application (TOTP)" in account.text
    # Event and email.
    [added] = _events(db, user, "account:two-factor:method-added")
    assert added.additional == {"kind": "totp", "label": "Authentication application"}
    mail = outbox()[-1]
    assert mail.to == "tina@example.com"
    assert "Two-factor method added" in mail.subject and "TOTP" in mail.text
    # The provisioning secret is gone from the session: no image, no second enrollment.
    assert app.get("/manage/account/totp-provision/image", status=404)
    again = app.get("/manage/account/totp-provision")
    assert again.status_code == 303 and "already set up" in again.follow().text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the 6-digit code"),
        ("12345", "exactly 6 digits"),
        ("12a456", "exactly 6 digits"),
        ("1234567", "exactly 6 digits"),
        ("WRONG", "exactly 6 digits"),
    ],
)
def test_enroll_refuses_malformed_codes(app, db, clock, value, message):
    user = UserFactory(username="malformed")
    login(app, "malformed")
    response = _confirm(app, value)
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert db.get(UserTOTP, user.id) is None
    [refused] = _events(db, user, "account:two-factor:refused")
    assert refused.additional["action"] == "totp-provision"


def test_enroll_refuses_wrong_and_stale_codes(app, db, clock, outbox):
    user = UserFactory(username="stale")
    login(app, "stale")
    _page, secret = _provision_page(app)
    wrong = str((int(code_at(secret, clock)) + 1) % 1_000_000).zfill(6)
    for value in (wrong, code_at(secret, clock, -2), code_at(secret, clock, 2)):
        response = _confirm(app, value)
        assert response.status_code == 400
        assert "Invalid code" in response.text
    assert db.get(UserTOTP, user.id) is None
    assert outbox() == []
    # A code of another secret (e.g. an older QR code) is refused too.
    assert _confirm(app, pyotp.TOTP(pyotp.random_base32()).at(clock.at)).status_code == 400
    assert db.get(UserTOTP, user.id) is None


def test_enroll_without_a_started_setup(app, db, clock):
    user = UserFactory(username="nosetup")
    login(app, "nosetup")
    page = app.get("/manage/account/")
    form_page = app.get("/manage/account/totp-provision")
    form = form_for(form_page, "/manage/account/totp-provision")
    # Another tab finished or the session lost the secret: simulate by clearing it.
    app.get("/manage/account/")  # still logged in
    store = get_session_store(app.app.registry)
    sid = session_id(app, get_settings(app.app.registry).session_secret)
    data = store.load(sid)
    data.pop("totp.provision")
    store.save(sid, data, 3600)
    form["totp_value"] = "123456"
    response = form.submit(expect_errors=True)
    assert response.status_code == 400
    assert "setup expired" in response.text
    assert db.get(UserTOTP, user.id) is None
    assert page.status_code == 200


def test_login_with_totp(app, db, clock, settings):
    totp = UserTOTPFactory(user=UserFactory(username="otto"))
    two_factor_page = start_login(app, "otto")
    assert "Authentication application" in two_factor_page.text
    assert "recovery code" in two_factor_page.text
    # Password alone does not log in.
    assert app.get("/manage/account/").status_code == 303
    cookie_before = app.cookies["session_id"]

    response = submit_totp(app, code_at(totp.secret, clock))
    assert response.status_code == 303 and response.location.endswith("/manage/account/")
    assert app.cookies["session_id"] != cookie_before  # session id rotated
    assert app.get("/manage/account/").status_code == 200
    db.expire_all()
    assert db.get(UserTOTP, totp.user_id).last_used_step == clock.step
    [success] = _events(db, user_of(db, totp), "account:login:success")
    assert success.additional == {"method": "totp"}


def user_of(db, totp):
    return db.get(User, totp.user_id)


def test_login_keeps_the_next_url(app, db, clock):
    totp = UserTOTPFactory(user=UserFactory(username="nextuser"))
    page = app.get("/account/login/?next=/manage/projects/")
    form = form_for(page, "/account/login/")
    form["username"] = "nextuser"
    form["password"] = DEFAULT_PASSWORD
    assert form.submit().location.endswith("/account/two-factor/")
    done = submit_totp(app, code_at(totp.secret, clock))
    assert done.location.endswith("/manage/projects/")


def test_totp_accepts_one_step_of_drift_and_never_a_replay(app, db, clock):
    totp = UserTOTPFactory(user=UserFactory(username="drift"))
    user = user_of(db, totp)
    # One step late (a slow phone) is fine.
    start_login(app, "drift")
    assert submit_totp(app, code_at(totp.secret, clock, -1)).status_code == 303
    logout(app)
    # The same code again is a replay; so is any code of that step or before.
    start_login(app, "drift")
    replay = submit_totp(app, code_at(totp.secret, clock, -1))
    assert replay.status_code == 400 and "already used" in replay.text
    # Two steps away is too far either way.
    for steps in (-2, 2):
        far = submit_totp(app, code_at(totp.secret, clock, steps))
        assert far.status_code == 400 and "Invalid code" in far.text
    # The current step, then one step early (a fast phone), are fine once each.
    assert submit_totp(app, code_at(totp.secret, clock)).status_code == 303
    logout(app)
    start_login(app, "drift")
    again = submit_totp(app, code_at(totp.secret, clock))
    assert again.status_code == 400 and "already used" in again.text
    assert submit_totp(app, code_at(totp.secret, clock, 1)).status_code == 303
    logout(app)
    # Time moves on: the code of the next step was used early, so it stays refused...
    clock.advance(30)
    start_login(app, "drift")
    assert submit_totp(app, code_at(totp.secret, clock)).status_code == 400
    # ...and the one after it works.
    assert submit_totp(app, code_at(totp.secret, clock, 1)).status_code == 303
    failures = _events(db, user, "account:login:failure")
    assert [f.additional["method"] for f in failures] == ["totp"] * 5
    assert all(f.additional["reason"] for f in failures)


@pytest.mark.parametrize("value", ["", "abc", "12 34", "9999999"])
def test_login_refuses_malformed_codes(app, db, clock, value):
    UserTOTPFactory(user=UserFactory(username="badcode"))
    start_login(app, "badcode")
    response = submit_totp(app, value)
    assert response.status_code == 400
    assert "6" in response.text
    assert app.get("/account/two-factor/").status_code == 200  # still half logged in


def test_second_factor_failures_are_rate_limited(app, db, clock, settings):
    totp = UserTOTPFactory(user=UserFactory(username="hammer"))
    start_login(app, "hammer")
    for _ in range(10):  # TWO_FACTOR_RATE_LIMIT_USER: 10 per 5 minutes
        assert submit_totp(app, "000000").status_code == 400
    # Now even the right code is refused, and nothing was accepted.
    blocked = submit_totp(app, code_at(totp.secret, clock))
    assert blocked.status_code == 429
    assert "too many unsuccessful two-factor attempts" in blocked.text
    db.expire_all()
    assert db.get(UserTOTP, totp.user_id).last_used_step is None
    assert app.get("/account/two-factor/").status_code == 200


def test_expired_pending_login_needs_the_password_again(app, db, clock, settings):
    totp = UserTOTPFactory(user=UserFactory(username="slow"))
    page = start_login(app, "slow")
    form = form_for(page, "/account/two-factor/")
    store = get_session_store(app.app.registry)
    sid = session_id(app, settings.session_secret)
    data = store.load(sid)
    data["auth.pending"]["started"] -= PENDING_LOGIN_MAX_AGE + 1
    store.save(sid, data, 3600)

    form["totp_value"] = code_at(totp.secret, clock)
    response = form.submit()
    assert response.status_code == 303 and response.location.endswith("/account/login/")
    assert "log in again" in response.follow().text
    db.expire_all()
    assert db.get(UserTOTP, totp.user_id).last_used_step is None
    assert app.get("/manage/account/").status_code == 303


def test_pending_login_is_used_once(app, db, clock, settings):
    totp = UserTOTPFactory(user=UserFactory(username="once"))
    start_login(app, "once")
    page = app.get("/account/two-factor/")
    form = form_for(page, "/account/two-factor/")
    form["totp_value"] = code_at(totp.secret, clock)
    assert form.submit().status_code == 303
    # The same browser posting the second step again: already logged in, nothing to do.
    assert app.get("/account/two-factor/").location.endswith("/manage/account/")
    logout(app)
    # After logout the pending login is gone: the second step needs the password first.
    gone = app.get("/account/two-factor/")
    assert gone.status_code == 303 and gone.location.endswith("/account/login/")
    assert "log in again" in gone.follow().text


def _remove(app, password):
    page = app.get("/manage/account/totp-delete")
    form = form_for(page, "/manage/account/totp-delete")
    form["password"] = password
    return form.submit(expect_errors=True)


def test_remove_totp_needs_the_password(app, db, clock, outbox):
    user = UserFactory(username="remover")
    login(app, "remover")
    _page, secret = _provision_page(app)
    assert _confirm(app, code_at(secret, clock)).status_code == 303
    for password, message in (("", "Enter your password"), ("wrong password", "not correct")):
        refused = _remove(app, password)
        assert refused.status_code == 400 and message in refused.text
        assert db.get(UserTOTP, user.id) is not None
    assert any(
        e.additional.get("action") == "totp-delete"
        for e in _events(db, user, "account:two-factor:refused")
    )

    done = _remove(app, DEFAULT_PASSWORD)
    assert done.status_code == 303
    db.expire_all()
    assert db.get(UserTOTP, user.id) is None
    [removed] = _events(db, user, "account:two-factor:method-removed")
    assert removed.additional == {"kind": "totp", "label": "Authentication application"}
    mail = outbox()[-1]
    assert "Two-factor method removed" in mail.subject and "OFF" in mail.text
    # No second factor any more: the password alone logs in.
    logout(app)
    assert login(app, "remover").location.endswith("/manage/account/")


def test_removal_attempts_count_toward_the_rate_limit(app, db, clock):
    totp = UserTOTPFactory(user=UserFactory(username="guesser"))
    start_login(app, "guesser")
    assert submit_totp(app, code_at(totp.secret, clock)).status_code == 303
    for _ in range(10):
        assert _remove(app, "not my password").status_code == 400
    blocked = _remove(app, DEFAULT_PASSWORD)
    assert blocked.status_code == 429
    assert db.get(UserTOTP, totp.user_id) is not None


@pytest.mark.parametrize("target", ["/x%0Ay", "/x%0D%0ASet-Cookie:%20a=b", "/x%01y"])
def test_next_with_control_characters_after_the_second_step_goes_to_the_default(
    app, db, clock, target
):
    user = UserFactory(username="tina")
    totp = UserTOTPFactory(user=user)
    page = app.get(f"/account/login/?next={target}")
    form = form_for(page, "/account/login/")
    form["username"] = "tina"
    form["password"] = DEFAULT_PASSWORD
    assert form.submit(status=303).location.endswith("/account/two-factor/")
    done = submit_totp(app, code_at(totp.secret, clock))
    assert done.status_code == 303
    assert done.location == "http://localhost/manage/account/"


def test_next_is_kept_through_the_second_step(app, db, clock):
    user = UserFactory(username="tina")
    totp = UserTOTPFactory(user=user)
    page = app.get("/account/login/?next=/project/%C3%BC/")
    form = form_for(page, "/account/login/")
    form["username"] = "tina"
    form["password"] = DEFAULT_PASSWORD
    form.submit(status=303)
    done = submit_totp(app, code_at(totp.secret, clock))
    assert done.location == "http://localhost/project/%C3%BC/"
