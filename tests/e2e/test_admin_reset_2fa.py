"""A user loses their TOTP device; an administrator (logged in with password + TOTP) resets
their 2FA with a reason through the web admin on gunicorn + PostgreSQL; the email reaches the
user through the Celery worker and SMTP; the user logs in with the password alone and enrolls a
new device."""

from __future__ import annotations

import re
import time
import uuid

import pyotp
import pytest
import requests

from tests.e2e.servers import LiveServer, text_of

PASSWORD = "an e2e admin-test password"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _password_step(base: str, username: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    page = browser.get(f"{base}/account/login/")
    response = browser.post(
        f"{base}/account/login/",
        data={"csrf_token": _csrf(page.text), "username": username, "password": PASSWORD},
    )
    assert response.status_code == 200, response.text[:2000]
    return browser, response


def _enroll_totp(base: str, browser: requests.Session) -> str:
    """Add an authentication application; returns its secret (what the phone would keep)."""
    page = browser.get(f"{base}/manage/account/totp-provision")
    match = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page.text)
    assert match, page.text[:2000]
    secret = match.group(1).replace(" ", "")
    done = browser.post(
        f"{base}/manage/account/totp-provision",
        data={"csrf_token": _csrf(page.text), "totp_value": pyotp.TOTP(secret).now()},
    )
    assert "Authentication application added." in done.text, done.text[:2000]
    return secret


def _next_code(secret: str) -> str:
    # The enrollment code's time step is used up; the next step's code is inside the accepted
    # drift window, so the following login does not have to wait for the clock.
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.mark.e2e
def test_admin_resets_a_lost_totp_device(live_server: LiveServer) -> None:
    base = live_server.url
    suffix = uuid.uuid4().hex[:8]
    user, admin = f"lost-{suffix}", f"admin-{suffix}"
    live_server.create_user(user, PASSWORD, f"{user}@example.org")
    live_server.create_user(admin, PASSWORD, f"{admin}@example.org", admin=True)

    # The user enrolls a TOTP device; from now on the password alone is not enough.
    browser, _ = _password_step(base, user)
    lost_secret = _enroll_totp(base, browser)
    live_server.mailbox.to(f"{user}@example.org", "Two-factor method added")
    del lost_secret  # the phone is gone
    _, stuck = _password_step(base, user)
    assert stuck.url.endswith("/account/two-factor/")

    # The admin has no 2FA yet: the admin area says to enroll first.
    admin_browser, _ = _password_step(base, admin)
    refused = admin_browser.get(f"{base}/admin/")
    assert refused.status_code == 403
    assert "Administration needs two-factor authentication" in refused.text
    admin_secret = _enroll_totp(base, admin_browser)

    # A fresh admin login: password, then the TOTP code.
    admin_browser, step = _password_step(base, admin)
    assert step.url.endswith("/account/two-factor/")
    logged_in = admin_browser.post(
        f"{base}/account/two-factor/",
        data={"csrf_token": _csrf(step.text), "totp_value": _next_code(admin_secret)},
    )
    assert logged_in.status_code == 200 and "/account/two-factor/" not in logged_in.url

    found = admin_browser.get(f"{base}/admin/", params={"q": user})
    assert f'href="/admin/user/{user}/"' in found.text
    detail = admin_browser.get(f"{base}/admin/user/{user}/")
    assert "Authentication application (TOTP): yes" in detail.text
    reason = f"Lost phone; identity confirmed by video call ({suffix})"
    reset = admin_browser.post(
        f"{base}/admin/user/{user}/reset-2fa",
        data={"csrf_token": _csrf(detail.text), "reason": reason},
    )
    assert reset.status_code == 200, reset.text[:2000]
    assert f"{user} had their two-factor authentication reset." in reset.text
    assert "Authentication application (TOTP): none" in reset.text
    log = admin_browser.get(f"{base}/admin/actions/")
    assert reason in log.text and admin in log.text

    # The email goes out through Celery and SMTP.
    mail = live_server.mailbox.to(f"{user}@example.org", "reset by an administrator")
    body = text_of(mail)
    assert reason in body and "authentication application (TOTP)" in body
    assert f"{base}/account/login/" in body

    # Password alone now logs the user in; they enroll a new device.
    browser, response = _password_step(base, user)
    assert response.url.endswith("/manage/account/"), response.url
    history = response.text
    assert "account:two-factor:reset" in history and reason in history
    new_secret = _enroll_totp(base, browser)
    _, again = _password_step(base, user)
    assert again.url.endswith("/account/two-factor/")
    assert new_secret


@pytest.mark.e2e
def test_cli_disable_and_revoke_tokens_on_the_full_stack(live_server: LiveServer) -> None:
    """`warehouse-lite admin` with the server's environment: the action is visible to the
    running web workers at once, and its email goes through Redis, Celery and SMTP."""
    base = live_server.url
    suffix = uuid.uuid4().hex[:8]
    user = f"cli-{suffix}"
    live_server.create_user(user, PASSWORD, f"{user}@example.org")
    browser, _ = _password_step(base, user)
    page = browser.get(f"{base}/manage/account/token/")
    created = browser.post(
        f"{base}/manage/account/token/",
        data={
            "csrf_token": _csrf(page.text),
            "description": "ci",
            "token_scope": "scope:user",
        },
    )
    token = re.search(r'<code id="new-token">([^<]+)</code>', created.text)
    assert token, created.text[:2000]
    auth = ("__token__", token.group(1))
    # A token on a non-upload route is identified and refused with the "upload only" message.
    assert (
        "only be used to upload"
        in requests.get(f"{base}/manage/account/", auth=auth, timeout=30).reason
    )

    out = live_server.run_cli("admin", "disable-user", user, "--reason", "e2e", "--admin", "ops")
    assert f"{user} disabled" in out
    assert browser.get(f"{base}/manage/account/", allow_redirects=False).status_code == 303
    disabled = requests.get(f"{base}/manage/account/", auth=auth, timeout=30)
    assert disabled.status_code == 403 and "disabled" in disabled.reason
    live_server.run_cli("admin", "enable-user", user, "--reason", "e2e done")

    out = live_server.run_cli("admin", "revoke-tokens", user, "--reason", f"leaked {suffix}")
    assert "had API tokens revoked: ci" in out
    revoked = requests.get(f"{base}/manage/account/", auth=auth, timeout=30)
    assert revoked.status_code == 403 and "revoked" in revoked.reason
    mail = live_server.mailbox.to(f"{user}@example.org", "API tokens were revoked")
    assert f"leaked {suffix}" in text_of(mail) and f"{base}/manage/account/token/" in text_of(mail)
    log = live_server.run_cli("admin", "log", "--limit", "3")
    assert f"revoke-tokens\tuser {user}\tleaked {suffix}" in log
