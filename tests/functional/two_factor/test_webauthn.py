"""Security keys: register with a software authenticator, log in with it, remove it; and every
kind of bad response (other challenge, other origin, other user's key, replay, cloned key)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.functional.conftest import form_for, login
from tests.functional.two_factor.helpers import (
    JSON_HEADERS,
    SoftKey,
    key_login,
    logout,
    post_json,
    register_key,
    start_login,
)
from warehouse_lite.accounts.two_factor.models import WebAuthnCredential
from warehouse_lite.events.models import UserEvent


def _keys(db, user):
    db.expire_all()
    return list(db.scalars(select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)))


def _tags(db, user, tag):
    db.expire_all()
    return [
        e.additional
        for e in db.scalars(
            select(UserEvent).where(UserEvent.user_id == user.id, UserEvent.tag == tag)
        )
    ]


def _csrf(page):
    return re.search(r'data-csrf-token="([^"]+)"', page.text).group(1)


@pytest.fixture
def keyed_user(app, db):
    """A user with one registered software key, logged out again."""
    user = UserFactory(username="kim")
    key = SoftKey()
    login(app, "kim")
    assert register_key(app, key, "Blue key").status_code == 200
    logout(app)
    return user, key


def test_register_a_security_key(app, db, outbox, settings):
    user = UserFactory(username="keya", name="Key A")
    login(app, "keya")
    page = app.get("/manage/account/webauthn-provision")
    assert "Create a key name" in page.text and "webauthn.js" in page.text
    options = app.get("/manage/account/webauthn-provision/options", headers=JSON_HEADERS)
    assert options.headers["Cache-Control"] == "no-store"
    assert options.json["rp"] == {"id": "localhost", "name": settings.site_name}
    assert options.json["user"]["name"] == "keya"
    assert options.json["excludeCredentials"] == []

    key = SoftKey()
    response = register_key(app, key, "  Blue key  ")
    assert response.status_code == 200, response.text
    assert response.json["redirect_to"].startswith("/manage/account/")
    [row] = _keys(db, user)
    assert row.label == "Blue key"  # trimmed
    assert row.credential_id == key.credential_id
    assert row.sign_count == 0 and row.transports == ["usb"]
    assert _tags(db, user, "account:two-factor:method-added") == [
        {"kind": "webauthn", "label": "Blue key"}
    ]
    mail = outbox()[-1]
    assert 'security key "Blue key"' in mail.subject
    account = app.get("/manage/account/")
    assert "Blue key" in account.text and "Generate recovery codes" in account.text
    # The next registration excludes the key already registered.
    again = app.get("/manage/account/webauthn-provision/options", headers=JSON_HEADERS).json
    assert [c["id"] for c in again["excludeCredentials"]] == [key.credential_id]
    # A second key with its own name.
    assert register_key(app, SoftKey(), "Backup key").status_code == 200
    assert sorted(k.label for k in _keys(db, user)) == ["Backup key", "Blue key"]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Give the security key a name"),
        ("   ", "Give the security key a name"),
        ("x" * 65, "at most 64 characters"),
        ("<script>", "not allowed"),
    ],
)
def test_register_refuses_bad_labels(app, db, label, message):
    user = UserFactory(username="labels")
    login(app, "labels")
    response = register_key(app, SoftKey(), label)
    assert response.status_code == 400
    assert message in response.json["message"]
    assert _keys(db, user) == []


def test_register_refuses_bad_responses(app, db, outbox):
    user = UserFactory(username="badreg")
    login(app, "badreg")
    page = app.get("/manage/account/webauthn-provision")
    csrf = _csrf(page)
    url = "/manage/account/webauthn-provision/validate"

    def options():
        return app.get("/manage/account/webauthn-provision/options", headers=JSON_HEADERS).json

    # Another origin (a phishing site relaying the ceremony).
    evil = SoftKey().create(options(), origin="http://evil.example")
    refused = post_json(app, url, {"label": "k", "credential": evil}, csrf)
    assert refused.status_code == 400 and "origin" in refused.json["message"]
    # A response to an older challenge: the newest options replaced it.
    first = options()
    options()
    stale = SoftKey().create(first)
    refused = post_json(app, url, {"label": "k", "credential": stale}, csrf)
    assert refused.status_code == 400 and "challenge" in refused.json["message"]
    # A response replayed: its challenge was used up by the first answer.
    fresh = SoftKey().create(options())
    assert post_json(app, url, {"label": "k1", "credential": fresh}, csrf).status_code == 200
    replay = post_json(app, url, {"label": "k2", "credential": fresh}, csrf)
    assert replay.status_code == 400 and "No security key registration" in replay.json["message"]
    # The same authenticator credential registered again, under another name.
    options()
    again = post_json(app, url, {"label": "k3", "credential": fresh}, csrf)
    assert again.status_code == 400 and "challenge" in again.json["message"]
    same_key = SoftKey()
    same_key_first = same_key.create(options())
    assert (
        post_json(app, url, {"label": "k2", "credential": same_key_first}, csrf).status_code == 200
    )
    # The authenticator's credential registered again under another name (the browser would
    # have refused because of excludeCredentials; a hand-made request must be refused too).
    second = options()
    same_key.device.cred_init = lambda rp_id, user_handle: None  # keep the same credential
    repeat = same_key.create(second)
    dup = post_json(app, url, {"label": "k3", "credential": repeat}, csrf)
    assert dup.status_code == 400 and "already registered" in dup.json["message"]
    # Garbage.
    options()
    for body in ({"label": "k4"}, {"label": "k4", "credential": "not json"}, ["x"]):
        bad = post_json(app, url, body, csrf)
        assert bad.status_code == 400 and bad.json["message"]
    options()
    malformed = app.post(
        url,
        "{not json",
        headers={**JSON_HEADERS, "Content-Type": "application/json", "X-CSRF-Token": csrf},
        expect_errors=True,
    )
    assert malformed.status_code == 400
    # Without the CSRF header nothing happens either.
    options()
    no_csrf = app.post_json(url, {"label": "k5", "credential": fresh}, expect_errors=True)
    assert no_csrf.status_code == 400
    assert sorted(k.label for k in _keys(db, user)) == ["k1", "k2"]
    assert len([m for m in outbox() if "added" in m.subject]) == 2
    assert len(_tags(db, user, "account:two-factor:refused")) >= 6


def test_duplicate_label_refused(app, db):
    user = UserFactory(username="duplabel")
    login(app, "duplabel")
    assert register_key(app, SoftKey(), "Key").status_code == 200
    dup = register_key(app, SoftKey(), "key")
    assert dup.status_code == 400 and "already have a security key named" in dup.json["message"]
    assert len(_keys(db, user)) == 1


def test_login_with_a_security_key(app, db, keyed_user):
    user, key = keyed_user
    page = start_login(app, "kim")
    assert "Use your security key" in page.text
    cookie = app.cookies["session_id"]
    options = app.get("/account/webauthn-authenticate/options", headers=JSON_HEADERS).json
    assert options["rpId"] == "localhost"
    assert [c["id"] for c in options["allowCredentials"]] == [key.credential_id]
    assertion = key.get(options)
    done = post_json(
        app, "/account/webauthn-authenticate/validate", {"credential": assertion}, _csrf(page)
    )
    assert done.status_code == 200, done.text
    assert done.json["redirect_to"] == "/manage/account/"
    assert app.cookies["session_id"] != cookie
    assert app.get("/manage/account/").status_code == 200
    [row] = _keys(db, user)
    assert row.sign_count == 1 and row.last_used is not None
    assert _tags(db, user, "account:login:success")[-1] == {"method": "webauthn"}


def test_login_refuses_other_origin_challenge_and_replay(app, db, keyed_user):
    user, key = keyed_user
    page = start_login(app, "kim")
    csrf = _csrf(page)
    url = "/account/webauthn-authenticate/validate"

    def options():
        return app.get("/account/webauthn-authenticate/options", headers=JSON_HEADERS).json

    evil = key.get(options(), origin="http://evil.example")
    refused = post_json(app, url, {"credential": evil}, csrf)
    assert refused.status_code == 400 and "origin" in refused.json["message"]

    first = options()
    options()
    stale = key.get(first)
    refused = post_json(app, url, {"credential": stale}, csrf)
    assert refused.status_code == 400 and "challenge" in refused.json["message"]

    # A response with no outstanding challenge (replayed, or options never asked).
    replayed = post_json(app, url, {"credential": stale}, csrf)
    assert replayed.status_code == 400 and "No security key login" in replayed.json["message"]
    for body in ({}, {"credential": "garbage"}, {"credential": {"id": 5}}):
        options()
        bad = post_json(app, url, body, csrf)
        assert bad.status_code == 400 and bad.json["message"]

    assert app.get("/account/two-factor/").status_code == 200  # still not logged in
    failures = _tags(db, user, "account:login:failure")
    assert len(failures) == 6 and {f["method"] for f in failures} == {"webauthn"}
    assert {"method": "webauthn"} not in _tags(db, user, "account:login:success")
    # The counter of the key did not move for refused responses.
    assert _keys(db, user)[0].sign_count == 0


def test_login_refuses_another_users_key(app, db, keyed_user):
    _kim, _kim_key = keyed_user
    other = UserFactory(username="mallory")
    mallory_key = SoftKey()
    login(app, "mallory")
    assert register_key(app, mallory_key, "Mallory key").status_code == 200
    logout(app)
    # Kim's password is known to Mallory, who answers Kim's challenge with her own key.
    page = start_login(app, "kim")
    options = app.get("/account/webauthn-authenticate/options", headers=JSON_HEADERS).json
    assertion = mallory_key.get(options)
    refused = post_json(
        app, "/account/webauthn-authenticate/validate", {"credential": assertion}, _csrf(page)
    )
    assert refused.status_code == 400
    assert "not registered to this account" in refused.json["message"]
    assert _keys(db, other)[0].sign_count == 0


def test_sign_count_going_backwards_is_refused_and_recorded(app, db, keyed_user):
    user, key = keyed_user
    start_login(app, "kim")
    assert key_login(app, key).status_code == 200
    assert key_login_after_logout(app, key).status_code == 200  # counter now 2
    logout(app)
    # A clone of the key, made before those two logins, still counts from 0.
    key.device.sign_count = 0
    start_login(app, "kim")
    refused = key_login(app, key)
    assert refused.status_code == 400
    assert "signature counter" in refused.json["message"]
    assert "cloned" in refused.json["message"]
    [recorded] = _tags(db, user, "account:two-factor:webauthn-sign-count")
    assert recorded == {"label": "Blue key", "stored": 2, "reported": 1}
    assert _keys(db, user)[0].sign_count == 2


def key_login_after_logout(app, key):
    logout(app)
    start_login(app, "kim")
    return key_login(app, key)


def test_webauthn_endpoints_need_a_pending_login(app, db, keyed_user):
    page = app.get("/account/login/")
    no_login = app.get(
        "/account/webauthn-authenticate/options", headers=JSON_HEADERS, expect_errors=True
    )
    assert no_login.status_code == 400 and "log in again" in no_login.json["message"]
    response = post_json(
        app,
        "/account/webauthn-authenticate/validate",
        {"credential": {}},
        re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
    )
    assert response.status_code == 400


def _delete_form(app, key_row):
    page = app.get(f"/manage/account/webauthn-provision/delete?id={key_row.id}")
    return form_for(page, "/manage/account/webauthn-provision/delete")


def test_remove_a_key_needs_its_name_and_the_password(app, db, outbox):
    user = UserFactory(username="deleter")
    login(app, "deleter")
    assert register_key(app, SoftKey(), "Old key").status_code == 200
    assert register_key(app, SoftKey(), "New key").status_code == 200
    old = next(k for k in _keys(db, user) if k.label == "Old key")
    cases = [
        ("new key", DEFAULT_PASSWORD, "does not match"),
        ("", DEFAULT_PASSWORD, "Type the name"),
        ("Old key", "wrong password", "not correct"),
        ("Old key", "", "Enter your password"),
    ]
    for label, password, message in cases:
        form = _delete_form(app, old)
        form["label"] = label
        form["password"] = password
        refused = form.submit(expect_errors=True)
        assert refused.status_code == 400, (label, password)
        assert message in html.unescape(refused.text)
        assert len(_keys(db, user)) == 2
    # Someone else's key id, or a made-up one: nothing to delete.
    assert (
        "no such security key"
        in app.get("/manage/account/webauthn-provision/delete?id=nope").follow().text
    )

    form = _delete_form(app, old)
    form["label"] = "Old key"
    form["password"] = DEFAULT_PASSWORD
    assert form.submit().status_code == 303
    assert [k.label for k in _keys(db, user)] == ["New key"]
    assert _tags(db, user, "account:two-factor:method-removed") == [
        {"kind": "webauthn", "label": "Old key"}
    ]
    mail = outbox()[-1]
    assert 'removed: security key "Old key"' in mail.subject
    assert "still protect" in mail.text


def test_cannot_delete_another_users_key(app, db, keyed_user):
    kim, _key = keyed_user
    UserFactory(username="eve")
    login(app, "eve")
    [kims_key] = _keys(db, kim)
    page = app.get("/manage/account/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = app.post(
        "/manage/account/webauthn-provision/delete",
        {
            "csrf_token": csrf,
            "webauthn_id": str(kims_key.id),
            "label": "Blue key",
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 303
    assert "no such security key" in response.follow().text
    assert db.scalar(select(func.count()).select_from(WebAuthnCredential)) == 1
