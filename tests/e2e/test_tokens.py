"""API tokens against gunicorn on PostgreSQL with real clients: twine and uv upload with tokens
made on the token page, scopes and pypitoken restrictions are enforced, a revoked token stops
at once, a token cannot open account settings, a 2FA user's password upload is refused, and
the token emails reach the SMTP server through the Celery worker."""

from __future__ import annotations

import datetime
import html
import os
import re
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyotp
import pytest
import requests
from pypitoken import Token
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.e2e.servers import LiveServer, text_of, warehouse_cli
from tests.functional.macaroons.uploads import sdist
from warehouse_lite.accounts.models import User
from warehouse_lite.accounts.two_factor.models import UserTOTP
from warehouse_lite.macaroons.models import Macaroon

BIN = Path(sys.executable).parent
PASSWORD = "an e2e token password"
TOKEN_RE = re.compile(r"pypi-[A-Za-z0-9_-]{40,}")


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _login(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/account/login/")
    response = browser.post(
        f"{base}/account/login/",
        data={"csrf_token": _csrf(page.text), "username": username, "password": PASSWORD},
    )
    assert "/account/login/" not in response.url, response.url
    return browser


def _create_token(base: str, browser: requests.Session, description: str, *scopes: str) -> str:
    page = browser.get(f"{base}/manage/account/token/")
    data = [("csrf_token", _csrf(page.text)), ("description", description), ("expires", "")]
    data += [("token_scope", s) for s in scopes]
    response = browser.post(f"{base}/manage/account/token/", data=data)
    assert response.status_code == 200, response.text[:3000]
    [token] = set(TOKEN_RE.findall(response.text))
    return token


def _dist(tmp_path: Path, name: str, version: str) -> Path:
    filename, content, _ = sdist(name, version)
    path = tmp_path / filename
    path.write_bytes(content)
    return path


def twine(base: str, file: Path, username: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TWINE_NON_INTERACTIVE": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    return subprocess.run(
        [
            str(BIN / "twine"),
            "upload",
            "--repository-url",
            f"{base}/legacy/",
            "-u",
            username,
            "-p",
            password,
            "--disable-progress-bar",
            str(file),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def uv_publish(
    base: str, file: Path, token: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_NO_PROGRESS": "1"}
    return subprocess.run(
        [
            str(BIN / "uv"),
            "publish",
            "--publish-url",
            f"{base}/legacy/",
            "--token",
            token,
            "--trusted-publishing",
            "never",
            str(file),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _out(result: subprocess.CompletedProcess[str]) -> str:
    return html.unescape(result.stdout + result.stderr)


def _macaroon_id(live_server: LiveServer, username: str, description: str) -> str:
    engine = create_engine(live_server.db_url)
    with Session(engine) as db:
        user = db.scalar(select(User).where(User.username == username))
        macaroon = db.scalar(
            select(Macaroon).where(Macaroon.user_id == user.id, Macaroon.description == description)
        )
        assert macaroon is not None and macaroon.last_used is not None
        macaroon_id = str(macaroon.id)
    engine.dispose()
    return macaroon_id


@pytest.fixture
def owner(live_server: LiveServer) -> str:
    name = f"tok-{uuid.uuid4().hex[:8]}"
    live_server.create_user(name, PASSWORD, f"{name}@example.org")
    return name


def test_tokens_with_twine_uv_and_pypitoken(
    live_server: LiveServer, owner: str, tmp_path: Path
) -> None:
    base = live_server.url
    alpha, beta = f"{owner}-alpha", f"{owner}-beta"
    browser = _login(base, owner)
    user_token = _create_token(base, browser, "whole account", "scope:user")
    created = live_server.mailbox.to(f"{owner}@example.org", '"whole account" added')
    assert user_token not in text_of(created)

    # A user-wide token creates projects with twine.
    for name in (alpha, beta):
        result = twine(base, _dist(tmp_path, name, "1.0"), "__token__", user_token)
        assert result.returncode == 0, _out(result)

    # uv publish with the same token.
    result = uv_publish(base, _dist(tmp_path, alpha, "1.1"), user_token, tmp_path)
    assert result.returncode == 0, _out(result)
    assert requests.get(f"{base}/simple/{alpha}/", timeout=30).text.count(".tar.gz") >= 2

    # A project token: its project only.
    project_token = _create_token(base, browser, "alpha only", f"scope:project:{alpha}")
    live_server.mailbox.to(f"{owner}@example.org", '"alpha only" added')
    result = twine(base, _dist(tmp_path, alpha, "1.2"), "__token__", project_token)
    assert result.returncode == 0, _out(result)
    result = twine(base, _dist(tmp_path, beta, "1.2"), "__token__", project_token)
    assert result.returncode != 0
    assert "403" in _out(result) and f"not valid for project '{beta}'" in _out(result)
    result = uv_publish(base, _dist(tmp_path, beta, "1.3"), project_token, tmp_path)
    assert result.returncode != 0 and f"not valid for project '{beta}'" in _out(result)

    # Restricted further by the holder with pypitoken.
    to_alpha = Token.load(user_token).restrict(project_names=[alpha]).dump()
    result = twine(base, _dist(tmp_path, beta, "1.4"), "__token__", to_alpha)
    assert result.returncode != 0 and f"not valid for project '{beta}'" in _out(result)
    result = twine(base, _dist(tmp_path, alpha, "1.4"), "__token__", to_alpha)
    assert result.returncode == 0, _out(result)
    past = datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)
    expired = Token.load(user_token).restrict(not_before=past, not_after=past.replace(month=3))
    result = twine(base, _dist(tmp_path, alpha, "1.5"), "__token__", expired.dump())
    assert result.returncode != 0 and "token has expired" in _out(result)

    # A token is not a web login.
    for header in (f"Bearer {user_token}", f"token {user_token}"):
        response = requests.get(
            f"{base}/manage/account/",
            headers={"Authorization": header},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 403
        assert "API tokens can only be used to upload packages" in response.reason
    response = requests.get(
        f"{base}/manage/account/", auth=("__token__", user_token), allow_redirects=False, timeout=30
    )
    assert response.status_code == 403

    # The token list shows when each was last used; then revoke the project token.
    page = browser.get(f"{base}/manage/account/token/").text
    assert "alpha only" in page and "whole account" in page
    assert not TOKEN_RE.search(page)
    alpha_id = _macaroon_id(live_server, owner, "alpha only")
    assert f'value="{alpha_id}"' in page
    response = browser.post(
        f"{base}/manage/account/token/delete",
        data={"csrf_token": _csrf(page), "macaroon_id": alpha_id, "password": PASSWORD},
    )
    assert response.status_code == 200 and "removed" in response.text
    live_server.mailbox.to(f"{owner}@example.org", '"alpha only" removed')
    result = twine(base, _dist(tmp_path, alpha, "1.6"), "__token__", project_token)
    assert result.returncode != 0 and "revoked" in _out(result)
    # The account token still works.
    result = twine(base, _dist(tmp_path, alpha, "1.6"), "__token__", user_token)
    assert result.returncode == 0, _out(result)


def test_two_factor_user_must_upload_with_a_token(
    live_server: LiveServer, owner: str, tmp_path: Path
) -> None:
    base = live_server.url
    # Without 2FA, the password works for uploads (the default setting).
    result = twine(base, _dist(tmp_path, f"{owner}-pw", "1.0"), owner, PASSWORD)
    assert result.returncode == 0, _out(result)

    # Give the user a TOTP application (the row the provisioning page would write).
    engine = create_engine(live_server.db_url)
    with Session(engine) as db, db.begin():
        user = db.scalar(select(User).where(User.username == owner))
        db.add(UserTOTP(user_id=user.id, secret=pyotp.random_base32(length=32)))
    engine.dispose()

    result = twine(base, _dist(tmp_path, f"{owner}-pw", "1.1"), owner, PASSWORD)
    assert result.returncode != 0
    output = _out(result)
    assert "403" in output and "two-factor authentication enabled" in output
    assert f"{base}/manage/account/token/" in output


def test_concurrent_uploads_with_one_token(live_server: LiveServer, owner: str) -> None:
    """Uploads with the same token in parallel all succeed (the token row is never locked by
    an upload's transaction) and its last use is recorded."""
    base = live_server.url
    browser = _login(base, owner)
    raw = _create_token(base, browser, "parallel", "scope:user")

    def send(index: int) -> int:
        filename, content, fields = sdist(f"{owner}-par-{index}", "1.0")
        response = requests.post(
            f"{base}/legacy/",
            data=fields,
            files={"content": (filename, content, "application/octet-stream")},
            auth=("__token__", raw),
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(send, range(16)))
    assert statuses == [200] * 16
    _macaroon_id(live_server, owner, "parallel")  # asserts last_used is set


def test_token_made_on_the_command_line_uploads(
    live_server: LiveServer, owner: str, tmp_path: Path
) -> None:
    """`warehouse-lite token create` with the server's environment: stdout is the token alone,
    twine uploads with it at once, and the owner's email goes out through Celery and SMTP."""
    base = live_server.url
    project = f"{owner}-cli"
    # An account-wide token creates the project; a project token then uploads to it.
    created = warehouse_cli(
        ["token", "create", owner, "--description", "ci provisioning"], live_server.env
    )
    assert created.returncode == 0, created.stderr
    user_token = created.stdout.strip()
    assert created.stdout == user_token + "\n" and TOKEN_RE.fullmatch(user_token)
    mail = live_server.mailbox.to(f"{owner}@example.org", '"ci provisioning" added')
    assert user_token not in text_of(mail) and f"{base}/manage/account/token/" in text_of(mail)
    result = twine(base, _dist(tmp_path, project, "1.0"), "__token__", user_token)
    assert result.returncode == 0, _out(result)

    last_day = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)).date()
    scoped = live_server.run_cli(
        "token", "create", owner, "--project", project, "--expires", last_day.isoformat()
    ).strip()
    result = twine(base, _dist(tmp_path, project, "1.1"), "__token__", scoped)
    assert result.returncode == 0, _out(result)
    result = twine(base, _dist(tmp_path, f"{owner}-elsewhere", "1.0"), "__token__", scoped)
    assert result.returncode != 0 and "not valid for project" in _out(result)
    assert "1.1" in requests.get(f"{base}/pypi/{project}/json", timeout=30).text

    # A refusal is an exit status and a message, with nothing on stdout and no token made.
    refused = warehouse_cli(
        ["token", "create", owner, "--project", "no-such-project-here"], live_server.env
    )
    assert refused.returncode == 1 and refused.stdout == ""
    assert "no project named 'no-such-project-here'" in refused.stderr
    listed = live_server.run_cli("token", "list", owner)
    assert len(listed.splitlines()) == 2 and "ci provisioning" in listed

    # Revoked from the command line: it stops working at once.
    live_server.run_cli("token", "revoke", owner, "ci provisioning")
    result = twine(base, _dist(tmp_path, project, "1.2"), "__token__", user_token)
    assert result.returncode != 0 and "revoked" in _out(result)
    live_server.mailbox.to(f"{owner}@example.org", '"ci provisioning" removed')
