"""No secret is ever written to the logs.

A whole account's life against the production stack (gunicorn with the project's gunicorn_conf,
Celery, Redis, PostgreSQL, SMTP): register, verify the address, add TOTP, make recovery codes,
log in with one, make an API token and upload with it, reset the password through the emailed
link (a browser also sends that URL as the Referer of the stylesheet), upload with a password,
fail one. Then gunicorn's, Celery's and Redis's logs are searched for every secret that went by.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests

from tests.common.db import throwaway_database_url
from tests.common.dists import make_sdist
from tests.e2e.conftest import E2E_DATABASE
from tests.e2e.servers import LiveServer, text_of


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work_dir = Path(tmp_path_factory.mktemp("logs"))
    with throwaway_database_url(work_dir, server=E2E_DATABASE) as db_url:
        live = LiveServer(
            db_url, work_dir, gunicorn_args=["-c", "python:warehouse_lite.gunicorn_conf"]
        )
        try:
            live.start()
            yield live
        finally:
            live.stop()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def _post_form(
    browser: requests.Session, base: str, page: str, action: str, **data: str
) -> requests.Response:
    csrf = _csrf(browser.get(base + page, timeout=30).text)
    return browser.post(base + action, data={"csrf_token": csrf, **data}, timeout=60)


def _upload(base: str, name: str, version: str, auth: str) -> requests.Response:
    dist = make_sdist(name, version)
    return requests.post(
        f"{base}/legacy/",
        data=dist.fields,
        files={"content": (dist.filename, dist.content)},
        headers={"Authorization": auth},
        timeout=60,
    )


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _link(message: object, path: str) -> str:
    found = re.search(r"http://\S+" + re.escape(path) + r"\S*", text_of(message))  # type: ignore[arg-type]
    assert found, text_of(message)  # type: ignore[arg-type]
    return found.group(0)


def test_no_secret_in_logs(server: LiveServer, figure: Callable[[str], None]):
    base = server.url
    secrets: dict[str, str] = {}
    username = f"logs-{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.com"
    secrets["password"] = "first secret password " + uuid.uuid4().hex
    browser = requests.Session()

    registered = _post_form(
        browser,
        base,
        "/account/register/",
        "/account/register/",
        username=username,
        full_name="Log Test",
        email=email,
        new_password=secrets["password"],
        password_confirm=secrets["password"],
    )
    assert registered.status_code == 200 and "/manage/account/" in registered.url
    secrets["session cookie"] = browser.cookies["session_id"]
    verify = _link(server.mailbox.to(email, "erif"), "/account/verify-email/")
    secrets["verification token"] = parse_qs(urlsplit(verify).query)["token"][0]
    assert browser.get(verify, timeout=30).status_code == 200

    page = browser.get(f"{base}/manage/account/totp-provision", timeout=30).text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert secret
    secrets["TOTP secret"] = secret.group(1).replace(" ", "")
    enrolled = browser.post(
        f"{base}/manage/account/totp-provision",
        data={"csrf_token": _csrf(page), "totp_value": pyotp.TOTP(secrets["TOTP secret"]).now()},
        timeout=30,
    )
    assert enrolled.status_code == 200, enrolled.text[:1000]
    codes_page = _post_form(
        browser,
        base,
        "/manage/account/recovery-codes/generate",
        "/manage/account/recovery-codes/generate",
        password=secrets["password"],
    )
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", codes_page.text)
    assert len(codes) == 8, codes_page.text[:2000]
    for n, code in enumerate(codes):
        secrets[f"recovery code {n}"] = code

    # Log in again: password, then a recovery code.
    browser = requests.Session()
    step = _post_form(
        browser,
        base,
        "/account/login/",
        "/account/login/",
        username=username,
        password=secrets["password"],
    )
    assert step.url.endswith("/account/two-factor/")
    done = _post_form(
        browser,
        base,
        "/account/recovery-code/",
        "/account/recovery-code/",
        recovery_code_value=codes[0],
    )
    assert "/manage/" in done.url, done.text[:1000]

    made = _post_form(
        browser,
        base,
        "/manage/account/token/",
        "/manage/account/token/",
        description="log test",
        token_scope="scope:user",
        expires="",
    )
    token = re.search(r"pypi-[A-Za-z0-9_-]{40,}", made.text)
    assert token
    secrets["API token"] = token.group(0)
    secrets["API token body"] = token.group(0)[len("pypi-") + 20 :][:40]
    project = f"logs-{uuid.uuid4().hex[:6]}"
    assert (
        _upload(base, project, "1.0", _basic("__token__", secrets["API token"])).status_code == 200
    )

    # Forgotten password: the emailed link, its page's stylesheet (Referer), the new password.
    anonymous = requests.Session()
    _post_form(
        anonymous,
        base,
        "/account/request-password-reset/",
        "/account/request-password-reset/",
        username_or_email=username,
    )
    reset = _link(server.mailbox.to(email, "eset"), "/account/reset-password/")
    secrets["reset token"] = parse_qs(urlsplit(reset).query)["token"][0]
    page = anonymous.get(reset, timeout=30)
    anonymous.get(f"{base}/static/style.css", headers={"Referer": reset}, timeout=30)
    secrets["new password"] = "second secret password " + uuid.uuid4().hex
    changed = anonymous.post(
        reset,
        data={
            "csrf_token": _csrf(page.text),
            "new_password": secrets["new password"],
            "password_confirm": secrets["new password"],
        },
        timeout=30,
    )
    assert changed.status_code == 200 and "/account/login/" in changed.url

    # Uploads with a password (an account without 2FA), one of them wrong.
    uploader = f"logs-up-{uuid.uuid4().hex[:6]}"
    secrets["upload password"] = "upload secret password " + uuid.uuid4().hex
    server.create_user(uploader, secrets["upload password"], f"{uploader}@example.com")
    assert (
        _upload(
            base, f"{uploader}-p", "1.0", _basic(uploader, secrets["upload password"])
        ).status_code
        == 200
    )
    secrets["wrong password"] = "wrong secret password " + uuid.uuid4().hex
    assert (
        _upload(
            base, f"{uploader}-p", "1.1", _basic(uploader, secrets["wrong password"])
        ).status_code
        == 403
    )

    logs = {p.name: p.log() for p in server.processes}
    assert "GET /account/reset-password/?token=[redacted]" in logs["gunicorn"]
    leaks = [
        f"{what} in the {name} log"
        for what, value in secrets.items()
        for name, text in logs.items()
        if value and value in text
    ]
    assert leaks == []
    figure(
        f"secrets in logs: {len(secrets)} secrets used in a full e2e flow (passwords, TOTP "
        f"secret, 8 recovery codes, API token, reset and verification links, session cookie) "
        f"searched in {len(logs)} logs ({sum(len(t) for t in logs.values()) // 1024} KiB): "
        f"found: {len(leaks)}"
    )
