"""Register, verify, log in and out, reset a password: every flow and its bad inputs."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.functional.conftest import csrf_of, form_for, login
from warehouse_lite.accounts.models import Email, User
from warehouse_lite.events.models import UserEvent


def _register(app, **overrides):
    page = app.get("/account/register/")
    form = form_for(page, "/account/register/")
    values = {
        "username": "newbie",
        "full_name": "New Bie",
        "email": "newbie@example.com",
        "new_password": "a long enough password",
        "password_confirm": "a long enough password",
    }
    values.update(overrides)
    for key, value in values.items():
        form[key] = value
    return form.submit(expect_errors=True)


def _tags(db, user):
    return [e.tag for e in db.scalars(select(UserEvent).where(UserEvent.user_id == user.id))]


def test_register_verify_and_login(app, db, outbox):
    response = _register(app)
    assert response.status_code == 303
    assert response.location.endswith("/manage/account/")
    account = response.follow()
    assert "Welcome, newbie!" in account.text
    user = db.scalar(select(User).where(User.username == "newbie"))
    assert user.primary_email.email == "newbie@example.com"
    assert not user.primary_email.verified
    assert user.password.startswith("$argon2id$")

    [mail] = outbox()
    assert mail.to == "newbie@example.com"
    assert "Verify your email" in mail.subject
    assert "<a href=" in mail.html
    verified = app.get(mail.link())
    assert "is verified" in verified.text
    db.expire_all()
    assert db.get(Email, user.primary_email.id).verified
    # The link dies once used.
    again = app.get(mail.link(), status=400)
    assert "already used" in again.text
    assert {"account:create", "account:login:success", "account:email:verified"} <= set(
        _tags(db, user)
    )


def test_register_refuses_bad_input_and_creates_nothing(app, db):
    UserFactory(username="Taken")
    cases = [
        ({"username": "taken"}, "already being used"),
        ({"username": "-bad-"}, "Username is invalid"),
        ({"username": "x" * 51}, "50 characters"),
        ({"email": "not-an-email"}, "isn't valid"),
        ({"email": "taken@example.com"}, "already being used"),
        ({"new_password": "short", "password_confirm": "short"}, "at least 8 characters"),
        ({"password_confirm": "something else"}, "don't match"),
        (
            {"username": "samepass", "new_password": "samepass", "password_confirm": "samepass"},
            "same as your username",
        ),
        ({"username": ""}, "This field is required"),
    ]
    for overrides, message in cases:
        before = db.scalar(select(func.count()).select_from(User))
        response = _register(app, **overrides)
        assert response.status_code == 400, overrides
        assert message in html.unescape(response.text), overrides
        assert db.scalar(select(func.count()).select_from(User)) == before


def test_register_requires_csrf(app, db):
    response = app.post(
        "/account/register/",
        {
            "username": "nocsrf",
            "email": "a@example.com",
            "new_password": "x" * 12,
            "password_confirm": "x" * 12,
        },
        status=400,
    )
    assert "CSRF" in response.text
    assert db.scalar(select(User).where(User.username == "nocsrf")) is None


def test_get_to_post_only_endpoint_is_405(app):
    app.get("/manage/account/password/", status=405)


def test_login_rotates_session_and_records_event(app, db):
    user = UserFactory(username="alice")
    page = app.get("/account/login/")
    before = app.cookies.get("session_id")
    response = login(app, "alice")
    assert response.status_code == 303
    after = app.cookies.get("session_id")
    assert before and after and before != after
    assert "Account settings" in app.get("/manage/account/").text
    assert "account:login:success" in _tags(db, user)
    assert page.status_code == 200


def test_login_is_case_insensitive_and_accepts_email(app, db):
    UserFactory(username="Bob")
    assert login(app, "bob").status_code == 303
    app.reset()
    assert login(app, "Bob@example.com").status_code == 303


def test_login_wrong_password_and_rate_limit(app, db, wsgi_app):
    user = UserFactory(username="carol")
    response = login(app, "carol", "wrong password")
    assert response.status_code == 400
    assert "not correct" in response.text
    assert "account:login:failure" in _tags(db, user)
    for _ in range(12):
        response = login(app, "carol", "wrong password")
    assert response.status_code == 429
    assert "too many" in response.text.lower()
    # Even the right password is refused while limited.
    assert login(app, "carol").status_code == 429


def test_disabled_user_cannot_log_in(app, db):
    UserFactory(username="dave", is_active=False)
    response = login(app, "dave")
    assert response.status_code == 403
    assert "disabled" in response.text


def test_open_redirect_is_refused(app, db):
    UserFactory(username="erin")
    page = app.get("/account/login/?next=https://evil.example/")
    form = form_for(page, "/account/login/")
    form["username"] = "erin"
    form["password"] = DEFAULT_PASSWORD
    response = form.submit()
    assert response.location.endswith("/manage/account/")


def test_logout_is_post_only_and_ends_session(app, db):
    UserFactory(username="frank")
    login(app, "frank")
    page = app.get("/accounts/logout/", status=404)
    page = app.get("/account/logout/")
    response = app.post("/account/logout/", {"csrf_token": csrf_of(page)})
    assert response.status_code == 303
    app.get("/manage/account/", status=303)


def test_manage_requires_login(app):
    response = app.get("/manage/account/", status=303)
    assert "/account/login/?next=%2Fmanage%2Faccount%2F" in response.location


def test_registration_race_is_a_form_error_not_a_500(app, db, monkeypatch):
    # Simulates another request registering the same name between our check and our insert.
    from warehouse_lite.accounts.services import UserService

    UserFactory(username="racer")
    monkeypatch.setattr(UserService, "username_is_taken", lambda self, name: False)
    response = _register(app, username="RACER", email="racer2@example.com")
    assert response.status_code == 400
    assert "just taken" in response.text
    assert (
        db.scalar(
            select(func.count()).select_from(User).where(func.lower(User.username) == "racer")
        )
        == 1
    )


def test_basic_password_on_a_web_page_says_it_is_for_uploads(app, db):
    UserFactory(username="basic-user")
    response = app.get(
        "/manage/account/", headers={"Authorization": "Basic YmFzaWMtdXNlcjp4"}, status=403
    )
    assert "only accepted for uploads" in response.text
    assert "only accepted for uploads" in response.status


# Targets whose characters must never reach the Location header as given: CR/LF (urlsplit
# drops them before its checks), tab, SOH, DEL, C1 and Unicode line separators.
BAD_NEXT = ["/x%0Ay", "/x%0D%0ASet-Cookie:%20a=b", "/x%09y", "/x%01y", "/x%7Fy", "/x%C2%85y",
            "/x%E2%80%A8y", "%0A/x", "/%0A/evil.example/"]  # fmt: skip


def test_next_with_control_characters_while_logged_in_goes_to_the_default(app, db):
    UserFactory(username="erin")
    assert login(app, "erin").status_code == 303
    for target in BAD_NEXT:
        response = app.get(f"/account/login/?next={target}", status=303)
        assert response.location == "http://localhost/manage/account/", target


def test_next_with_control_characters_on_login_goes_to_the_default(app, db):
    UserFactory(username="erin")
    for target in BAD_NEXT:
        page = app.get(f"/account/login/?next={target}")
        form = form_for(page, "/account/login/")
        form["username"] = "erin"
        form["password"] = DEFAULT_PASSWORD
        response = form.submit(status=303)
        assert response.location == "http://localhost/manage/account/", target
        app.reset()


def test_next_with_non_ascii_characters_is_percent_encoded(app, db):
    UserFactory(username="erin")
    page = app.get("/account/login/?next=/project/%E2%82%AC%C3%BC/?q=a%20b")
    form = form_for(page, "/account/login/")
    form["username"] = "erin"
    form["password"] = DEFAULT_PASSWORD
    response = form.submit(status=303)
    assert response.location == "http://localhost/project/%E2%82%AC%C3%BC/?q=a%20b"
