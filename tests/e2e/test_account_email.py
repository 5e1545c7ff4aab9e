"""Register over HTTP against gunicorn; the verification email goes through a real Celery
worker on Redis to a real SMTP server; following its link verifies the address."""

from __future__ import annotations

import re

import requests

from tests.e2e.servers import LiveServer, text_of


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_register_verify_login_change_password(live_server: LiveServer) -> None:
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/account/register/")
    assert page.status_code == 200
    response = browser.post(
        f"{live_server.url}/account/register/",
        data={
            "csrf_token": _csrf(page.text),
            "username": "e2e-user",
            "full_name": "E2E User",
            "email": "e2e-user@example.org",
            "new_password": "a long e2e password",
            "password_confirm": "a long e2e password",
        },
    )
    assert response.status_code == 200, response.text[:2000]
    assert response.url.endswith("/manage/account/")

    mail = live_server.mailbox.to("e2e-user@example.org", "Verify your email")
    link = re.search(r"(http://\S+/account/verify-email/\?token=\S+)", text_of(mail))
    assert link, text_of(mail)
    verified = browser.get(link.group(1))
    assert verified.status_code == 200
    assert "is verified" in verified.text

    # Log out, log back in, change the password: the change email arrives too.
    account = browser.get(f"{live_server.url}/manage/account/")
    browser.post(f"{live_server.url}/account/logout/", data={"csrf_token": _csrf(account.text)})
    assert (
        browser.get(f"{live_server.url}/manage/account/", allow_redirects=False).status_code == 303
    )
    login_page = browser.get(f"{live_server.url}/account/login/")
    logged_in = browser.post(
        f"{live_server.url}/account/login/",
        data={
            "csrf_token": _csrf(login_page.text),
            "username": "e2e-user",
            "password": "a long e2e password",
        },
    )
    assert logged_in.url.endswith("/manage/account/")
    changed = browser.post(
        f"{live_server.url}/manage/account/password/",
        data={
            "csrf_token": _csrf(logged_in.text),
            "password": "a long e2e password",
            "new_password": "another long password",
            "password_confirm": "another long password",
        },
    )
    assert "Password updated" in changed.text
    live_server.mailbox.to("e2e-user@example.org", "password has changed")
    history = browser.get(f"{live_server.url}/manage/account/").text
    for tag in ("account:create", "account:email:verified", "account:password:change"):
        assert tag in history
