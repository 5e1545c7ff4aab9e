"""Password reset and change, extra email addresses, the security history."""

from __future__ import annotations

import html

import webtest
from sqlalchemy import select

from tests.common.factories import DEFAULT_PASSWORD, EmailFactory, UserFactory
from tests.functional.conftest import csrf_of, form_for, login
from warehouse_lite.accounts.models import Email, User


def _request_reset(app, value):
    page = app.get("/account/request-password-reset/")
    form = form_for(page, "/account/request-password-reset/")
    form["username_or_email"] = value
    return form.submit(expect_errors=True)


def _set_password(app, link, password, confirm=None):
    page = app.get(link)
    form = form_for(page, "/account/reset-password/")
    form["new_password"] = password
    form["password_confirm"] = confirm or password
    return form.submit(expect_errors=True)


def test_password_reset_flow(app, db, outbox):
    user = UserFactory(username="gina")
    response = _request_reset(app, "gina")
    assert "If an account matches" in response.text
    [mail] = outbox()
    assert mail.to == "gina@example.com" and "Password reset" in mail.subject
    link = mail.link()
    weak = _set_password(app, link, "short")
    assert weak.status_code == 400 and "at least 8" in weak.text
    mismatch = _set_password(app, link, "a brand new password", "something else")
    assert "match" in html.unescape(mismatch.text)
    done = _set_password(app, link, "a brand new password")
    assert done.status_code == 303 and done.location.endswith("/account/login/")
    assert "password has changed" in outbox()[-1].subject
    # The link dies once used; the new password works, the old one does not.
    assert "already used" in app.get(link, status=400).text
    assert login(app, "gina", DEFAULT_PASSWORD).status_code == 400
    assert login(app, "gina", "a brand new password").status_code == 303
    db.expire_all()
    tags = {e.tag for e in db.get(User, user.id).events}
    assert {"account:password:reset:request", "account:password:reset"} <= tags


def test_password_reset_does_not_reveal_accounts(app, db, outbox):
    response = _request_reset(app, "nobody-here")
    assert "If an account matches" in response.text
    assert outbox() == []


def test_tampered_and_missing_reset_tokens(app):
    assert "Invalid token" in app.get("/account/reset-password/?token=garbage", status=400).text
    assert "Invalid token" in app.get("/account/reset-password/", status=400).text


def test_password_reset_is_rate_limited(app, db, outbox):
    UserFactory(username="hank")
    statuses = [_request_reset(app, "hank").status_code for _ in range(7)]
    assert statuses[-1] == 429
    assert len(outbox()) == 5


def test_change_password_ends_other_sessions(app, db, outbox, wsgi_app):
    UserFactory(username="ivy")
    other = webtest.TestApp(
        wsgi_app, extra_environ={"REMOTE_ADDR": "192.0.2.11", "HTTP_HOST": "localhost"}
    )
    login(other, "ivy")
    other.get("/manage/account/", status=200)

    login(app, "ivy")
    page = app.get("/manage/account/")
    form = form_for(page, "/manage/account/password/")
    form["password"] = "wrong current password"
    form["new_password"] = form["password_confirm"] = "a fresh password 1"
    refused = form.submit(expect_errors=True)
    assert refused.status_code == 400 and "password is invalid" in refused.text

    form = form_for(app.get("/manage/account/"), "/manage/account/password/")
    form["password"] = DEFAULT_PASSWORD
    form["new_password"] = form["password_confirm"] = "a fresh password 1"
    assert form.submit().status_code == 303
    app.get("/manage/account/", status=200)  # this session survives
    other.get("/manage/account/", status=303)  # the other one is logged out
    assert "password has changed" in outbox()[-1].subject


def _change_password(app, current, new="a fresh password 1"):
    form = form_for(app.get("/manage/account/"), "/manage/account/password/")
    form["password"] = current
    form["new_password"] = form["password_confirm"] = new
    return form.submit(expect_errors=True)


def test_change_password_attempts_are_rate_limited(app, db, outbox):
    """Guessing the current password through the change form counts toward the login limit
    (10 per user): then even the right password is refused and nothing changes."""
    user = UserFactory(username="ivy")
    login(app, "ivy")
    before = user.password
    statuses = [_change_password(app, f"guess {n}").status_code for n in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
    limited = _change_password(app, DEFAULT_PASSWORD)
    assert limited.status_code == 429 and "Too many wrong passwords" in limited.text
    db.expire_all()
    assert db.get(User, user.id).password == before
    assert not any("password has changed" in m.subject for m in outbox())
    # The same budget as the login form: this user cannot log in with a password now either.
    app.reset()
    assert login(app, "ivy").status_code == 429


def _email_action(app, action, **fields):
    page = app.get("/manage/account/")
    data = {"csrf_token": csrf_of(page), "action": action, **fields}
    return app.post("/manage/account/emails/", data, expect_errors=True)


def test_add_verify_promote_and_remove_email(app, db, outbox):
    user = UserFactory(username="jill")
    login(app, "jill")
    assert _email_action(app, "add", email="Jill.Other@Example.com").status_code == 303
    mail = outbox()[-1]
    assert mail.to == "Jill.Other@example.com"
    new = db.scalar(select(Email).where(Email.email == "Jill.Other@example.com"))
    assert new is not None and not new.verified

    refused = _email_action(app, "primary", email_id=str(new.id)).follow()
    assert "Only a verified address" in refused.text
    app.get(mail.link())
    assert _email_action(app, "primary", email_id=str(new.id)).status_code == 303
    db.expire_all()
    assert db.get(User, user.id).primary_email.email == "Jill.Other@example.com"
    changed = outbox()[-1]
    assert changed.to == "jill@example.com" and "primary email" in changed.subject.lower()

    old = db.scalar(select(Email).where(Email.email == "jill@example.com"))
    primary_refusal = _email_action(app, "delete", email_id=str(new.id)).follow()
    assert "cannot remove your primary" in primary_refusal.text
    assert _email_action(app, "delete", email_id=str(old.id)).status_code == 303
    db.expire_all()
    assert [e.email for e in db.get(User, user.id).emails] == ["Jill.Other@example.com"]
    history = app.get("/manage/account/").text
    for tag in (
        "account:email:add",
        "account:email:verified",
        "account:email:primary:change",
        "account:email:remove",
    ):
        assert tag in history


def test_email_bad_inputs(app, db):
    UserFactory(username="kim")
    someone = UserFactory(username="lou")
    foreign = EmailFactory(user=someone, email="lou-2@example.com")
    login(app, "kim")
    assert "already being used" in _email_action(app, "add", email="LOU@example.com").text
    assert "isn't valid" in html.unescape(_email_action(app, "add", email="nope").text)
    assert _email_action(app, "explode").status_code == 400
    assert "No such email" in _email_action(app, "delete", email_id=str(foreign.id)).follow().text
    assert "No such email" in _email_action(app, "delete", email_id="not-a-uuid").follow().text
    db.expire_all()
    assert db.get(Email, foreign.id) is not None


def test_resend_verification(app, db, outbox):
    user = UserFactory(username="max")
    extra = EmailFactory(user=user, email="max2@example.com")
    login(app, "max")
    assert _email_action(app, "resend", email_id=str(extra.id)).status_code == 303
    assert outbox()[-1].to == "max2@example.com"
    verified = user.primary_email
    assert (
        "cannot be verified again"
        in _email_action(app, "resend", email_id=str(verified.id)).follow().text
    )


def test_every_account_form_refuses_missing_csrf(app, db):
    UserFactory(username="ned")
    login(app, "ned")
    for path in ("/manage/account/password/", "/manage/account/emails/", "/account/logout/"):
        response = app.post(path, {"action": "add", "email": "x@example.com"}, status=400)
        assert "CSRF" in response.text


def test_security_headers_and_cookie_flags(app, db):
    response = app.get("/account/login/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
