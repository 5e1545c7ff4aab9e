"""Sessions and WebAuthn challenges under simultaneous requests, against real servers with
each session store (SQL in the embedded mode, Redis in production; see live_stores.py).

- A session that ends (logout; the id rotated at login or at a password change) stays ended
  even when requests with the same cookie were in flight and save the session after it ended:
  none of them writes it back.
- A WebAuthn challenge is answered once: of N identical answers sent at the same moment by an
  authenticator that always reports signature counter 0 (as synced passkeys do), exactly one
  logs in; of N security keys answering one registration challenge at once, exactly one is
  added.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.functional.conftest import csrf_of
from tests.functional.two_factor.helpers import ORIGIN, SoftKey
from tests.security.live_stores import (  # noqa: F401  (the fixture)
    PASSWORD,
    Deployment,
    deployment_fixture,
    together,
)
from warehouse_lite.accounts.two_factor.models import WebAuthnCredential

PARALLEL = 8  # requests released together in each trial
TRIALS = 10
CHALLENGE_TRIALS = 5
# A message waiting in the session: every page shows it and takes it out of the session, so
# every request in the race changes the session and saves it.
FLASH = {"_flash_success": ["a message from an earlier request"]}
JSON = {"Accept": "application/json"}


def _get(deployment: Deployment, path: str, cookies: dict[str, str]) -> requests.Response:
    return requests.get(deployment.url + path, cookies=cookies, allow_redirects=False, timeout=120)


def _post(
    deployment: Deployment, path: str, cookies: dict[str, str], **kw: Any
) -> requests.Response:
    return requests.post(
        deployment.url + path, cookies=cookies, allow_redirects=False, timeout=120, **kw
    )


def _race(
    deployment: Deployment,
    session_id: str,
    ending: Callable[[], requests.Response],
    page: str,
) -> tuple[requests.Response, list[requests.Response]]:
    """The request that ends the session, released together with PARALLEL - 1 requests of
    ``page`` that present the same cookie; (its response, theirs)."""
    cookies = deployment.cookies(session_id)
    others = [lambda: _get(deployment, page, cookies)] * (PARALLEL - 1)
    first, *rest = together([ending, *others])
    return first, rest


def _logout_trial(deployment: Deployment, user_id: uuid.UUID) -> tuple[str, int]:
    session_id, csrf = deployment.new_session({**deployment.logged_in(user_id), **FLASH})
    cookies = deployment.cookies(session_id)

    def logout() -> requests.Response:
        return _post(deployment, "/account/logout/", cookies, data={"csrf_token": csrf})

    ended, others = _race(deployment, session_id, logout, "/manage/account/")
    assert ended.status_code == 303, ended.text
    # A page served logged in had loaded the session before the logout deleted it.
    return session_id, sum(r.status_code == 200 for r in others)


def _login_trial(deployment: Deployment, user_id: uuid.UUID) -> tuple[str, int]:
    session_id, csrf = deployment.new_session(dict(FLASH))
    cookies = deployment.cookies(session_id)
    fields = {
        "csrf_token": csrf,
        "username": deployment.username(user_id),
        "password": PASSWORD,
    }

    def login() -> requests.Response:
        return _post(deployment, "/account/login/", cookies, data=fields)

    ended, others = _race(deployment, session_id, login, "/account/login/")
    assert ended.status_code == 303 and "/manage/account/" in ended.headers["Location"]
    assert deployment.session_id_of(ended) not in (None, session_id)
    return session_id, sum(r.status_code == 200 for r in others)


def _password_change_trial(
    deployment: Deployment, user_id: uuid.UUID, current: str, new: str
) -> tuple[str, int]:
    session_id, csrf = deployment.new_session({**deployment.logged_in(user_id), **FLASH})
    cookies = deployment.cookies(session_id)
    fields = {
        "csrf_token": csrf,
        "password": current,
        "new_password": new,
        "password_confirm": new,
    }

    def change() -> requests.Response:
        return _post(deployment, "/manage/account/password/", cookies, data=fields)

    ended, others = _race(deployment, session_id, change, "/manage/account/")
    assert ended.status_code == 303, ended.text
    assert deployment.session_id_of(ended) not in (None, session_id)
    return session_id, sum(r.status_code == 200 for r in others)


def _came_back(deployment: Deployment, session_id: str) -> bool:
    return deployment.store.load(session_id) is not None


def _still_logged_in(deployment: Deployment, session_id: str) -> bool:
    return _get(deployment, "/manage/account/", deployment.cookies(session_id)).status_code == 200


def test_ended_sessions_are_not_written_back(deployment: Deployment, figure: Callable[[str], None]):
    user_id = deployment.create_user("leaver")
    written_back = {"logout": 0, "login": 0, "password change": 0}
    stolen_cookie_worked = 0
    overlapping = 0
    for _ in range(TRIALS):
        session_id, served = _logout_trial(deployment, user_id)
        overlapping += served
        written_back["logout"] += _came_back(deployment, session_id)
        stolen_cookie_worked += _still_logged_in(deployment, session_id)

        session_id, _served = _login_trial(deployment, user_id)
        written_back["login"] += _came_back(deployment, session_id)

    passwords = [PASSWORD, PASSWORD + " (new)"]
    for trial in range(TRIALS):
        current, new = passwords[trial % 2], passwords[(trial + 1) % 2]
        session_id, served = _password_change_trial(deployment, user_id, current, new)
        overlapping += served
        written_back["password change"] += _came_back(deployment, session_id)
        stolen_cookie_worked += _still_logged_in(deployment, session_id)

    # The races were real: pages were served from the session while it was being ended.
    assert overlapping > 0
    assert (written_back, stolen_cookie_worked) == (dict.fromkeys(written_back, 0), 0)
    figure(
        f"session write-back after logout under {PARALLEL} parallel requests "
        f"({deployment.name} store): {written_back['logout']} of {TRIALS} trials; after the "
        f"id rotated at login: {written_back['login']} of {TRIALS}, at a password change: "
        f"{written_back['password change']} of {TRIALS}; old cookie still logged in: "
        f"{stolen_cookie_worked}; pages served from the session while it ended: {overlapping}"
    )


class SyncedPasskey(SoftKey):
    """A passkey synced between devices: its signature counter always reads 0, so the
    counter cannot tell a replayed answer from a fresh one."""

    def get(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        self.device.sign_count = -1  # soft-webauthn adds one before it signs
        return super().get(options, origin)


def _data_csrf(page: requests.Response) -> str:
    match = re.search(r'data-csrf-token="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def _password_login(deployment: Deployment, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(deployment.url + "/account/login/", timeout=60)
    response = browser.post(
        deployment.url + "/account/login/",
        data={"csrf_token": csrf_of(page), "username": username, "password": PASSWORD},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 303, response.text
    return browser


def _answers_at_once(
    deployment: Deployment, browser: requests.Session, path: str, csrf: str, bodies: list[Any]
) -> list[requests.Response]:
    cookies = browser.cookies.get_dict()
    headers = {**JSON, "X-CSRF-Token": csrf}

    def answer(body: Any) -> Callable[[], requests.Response]:
        return lambda: _post(deployment, path, cookies, json=body, headers=headers)

    return together([answer(body) for body in bodies])


def _register_races(deployment: Deployment, user_id: uuid.UUID) -> list[int]:
    """Per trial, how many of PARALLEL keys answering one registration challenge were added."""
    browser = _password_login(deployment, deployment.username(user_id))
    csrf = _data_csrf(browser.get(deployment.url + "/manage/account/webauthn-provision"))
    added = []
    for trial in range(CHALLENGE_TRIALS):
        options = browser.get(
            deployment.url + "/manage/account/webauthn-provision/options", headers=JSON
        ).json()
        bodies = [
            {
                "label": f"key {trial}.{n}",
                "credential": SyncedPasskey().create(options, deployment.url),
            }
            for n in range(PARALLEL)
        ]
        path = "/manage/account/webauthn-provision/validate"
        responses = _answers_at_once(deployment, browser, path, csrf, bodies)
        assert all(r.status_code in (200, 400) for r in responses), [r.text for r in responses]
        added.append(sum(r.status_code == 200 for r in responses))
    with Session(deployment.engine) as db:
        stored = db.scalar(
            select(func.count())
            .select_from(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user_id)
        )
    assert stored == sum(added)
    return added


def _login_races(deployment: Deployment, user_id: uuid.UUID) -> list[int]:
    """Per trial, how many of PARALLEL copies of one assertion logged in."""
    username = deployment.username(user_id)
    key = SyncedPasskey()
    browser = _password_login(deployment, username)
    csrf = _data_csrf(browser.get(deployment.url + "/manage/account/webauthn-provision"))
    options = browser.get(
        deployment.url + "/manage/account/webauthn-provision/options", headers=JSON
    ).json()
    registered = _answers_at_once(
        deployment,
        browser,
        "/manage/account/webauthn-provision/validate",
        csrf,
        [{"label": "synced passkey", "credential": key.create(options, deployment.url)}],
    )
    assert registered[0].status_code == 200, registered[0].text
    logged_in = []
    for _ in range(CHALLENGE_TRIALS):
        browser = _password_login(deployment, username)
        page = browser.get(deployment.url + "/account/two-factor/")
        options = browser.get(
            deployment.url + "/account/webauthn-authenticate/options", headers=JSON
        ).json()
        assertion = key.get(options, deployment.url)
        path = "/account/webauthn-authenticate/validate"
        responses = _answers_at_once(
            deployment, browser, path, _data_csrf(page), [{"credential": assertion}] * PARALLEL
        )
        assert all(r.status_code in (200, 400) for r in responses), [r.text for r in responses]
        logged_in.append(sum(r.status_code == 200 for r in responses))
    return logged_in


def test_webauthn_challenges_are_single_use(deployment: Deployment, figure: Callable[[str], None]):
    logged_in = _login_races(deployment, deployment.create_user("passkey"))
    added = _register_races(deployment, deployment.create_user("enrol"))
    assert (logged_in, added) == ([1] * CHALLENGE_TRIALS, [1] * CHALLENGE_TRIALS)
    figure(
        f"challenge reuse under {PARALLEL} parallel requests ({deployment.name} store): "
        f"logins from one assertion (sign count 0) per trial {logged_in}, keys added from one "
        f"registration challenge per trial {added}; reuses: "
        f"{sum(logged_in) + sum(added) - 2 * CHALLENGE_TRIALS}"
    )
