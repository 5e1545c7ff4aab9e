"""Rate limits on guessing: passwords (web login per user and per address, Basic-auth uploads),
second factors (TOTP and recovery codes) and password-reset requests. Once a limit is hit, even
the right answer is refused, so a guesser cannot tell when they found it.

The limits are lowered for the test (settings changed, counters reset); the code
paths and the `limits` strategy are the production ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from limits.storage import Storage

from tests.common.dists import make_sdist
from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.common.services import singleton
from tests.security.world import World, basic
from warehouse_lite.accounts.two_factor.models import UserTOTP

LIMITS = {
    "login_rate_limit_user": "3 per 5 minutes",
    "login_rate_limit_ip": "5 per 5 minutes",
    "two_factor_rate_limit_user": "3 per 5 minutes",
    "two_factor_rate_limit_ip": "100 per 5 minutes",
    "password_reset_rate_limit": "2 per hour",
}


@pytest.fixture
def tight(world: World, override_settings: Any) -> None:
    override_settings(**LIMITS)
    _reset_counters(world)


def _reset_counters(world: World) -> None:
    singleton(world.app.app, Storage).reset()


def _login(world: World, username: str, password: str) -> Any:
    return world.request(
        "POST",
        "/account/login/",
        "anonymous",
        params=[("username", username), ("password", password)],
    )


def _basic_upload(world: World, username: str, password: str) -> Any:
    """An upload with a password over HTTP Basic (it counts as a login attempt)."""
    dist = make_sdist("guessed", "1.0")
    return world.request(
        "POST",
        "/legacy/",
        "anonymous",
        params=dist.fields,
        upload_files=[("content", dist.filename, dist.content)],
        headers=basic(username, password),
        csrf=False,
    )


def _logged_in(response: Any) -> bool:
    return response.status_code == 303 and "/account/login/" not in response.headers["Location"]


def test_rate_limits(world: World, tight: None, figure: Callable[[str], None]):
    enforced = []
    # Web login, per user: three wrong passwords, then the right one is refused too.
    victim = UserFactory(username="victim")
    for _ in range(3):
        assert _login(world, victim.username, "wrong password").status_code == 400
    limited = _login(world, victim.username, DEFAULT_PASSWORD)
    assert limited.status_code == 429 and not _logged_in(limited)
    assert "too many" in limited.text.lower()
    enforced.append("login per user")

    # Web login, per address: wrong guesses spread over many usernames.
    for n in range(2):  # 3 (victim) + 2 = 5 failures from this address
        assert _login(world, f"nobody{n}", "wrong password").status_code == 400
    other = UserFactory(username="innocent")
    assert _login(world, other.username, DEFAULT_PASSWORD).status_code == 429
    enforced.append("login per address")
    _reset_counters(world)

    # HTTP Basic uploads count as login attempts for that user.
    uploader = UserFactory(username="uploader")
    for _ in range(3):
        response = _basic_upload(world, uploader.username, "wrong")
        assert response.status_code == 403
    response = _basic_upload(world, uploader.username, DEFAULT_PASSWORD)
    assert response.status_code == 403 and "Too many failed login attempts" in response.text
    enforced.append("Basic-auth uploads")
    _reset_counters(world)

    # Second factor: wrong codes, then the right code is refused.
    secret = world.db.get(UserTOTP, world.two_factor_user.id).secret
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        response = world.request(
            "POST", "/account/two-factor/", "pending-2fa", params=[("totp_value", wrong)]
        )
        assert response.status_code in (400, 429)
    response = world.request(
        "POST", "/account/two-factor/", "pending-2fa", params=[("totp_value", right)]
    )
    assert response.status_code == 429 and not _logged_in(response)
    enforced.append("TOTP codes")
    response = world.request(
        "POST", "/account/recovery-code/", "pending-2fa", params=[("recovery_code_value", "0" * 20)]
    )
    assert response.status_code == 429
    enforced.append("recovery codes")

    # Password reset requests: per address and per account.
    for _ in range(2):
        response = world.request(
            "POST",
            "/account/request-password-reset/",
            "anonymous",
            params=[("username_or_email", "owner")],
        )
        assert response.status_code == 200
    response = world.request(
        "POST",
        "/account/request-password-reset/",
        "anonymous",
        params=[("username_or_email", "owner")],
    )
    assert response.status_code == 429
    enforced.append("password reset")
    figure(
        f"rate limits enforced: {len(enforced)}/6 ({', '.join(enforced)}); right answer "
        f"accepted while limited: never"
    )


def test_login_limit_counts_per_account(world: World, tight: None, figure: Callable[[str], None]):
    """Every name of an account (username, email address, any case; web login or Basic
    auth) draws on one budget of wrong passwords; unknown names share one per spelling."""
    UserFactory(username="Victim")
    names = ["Victim", "victim@example.com", "VICTIM"]
    for name in names[:2]:
        assert _login(world, name, "wrong password").status_code == 400
    response = _basic_upload(world, names[2], "wrong")
    assert response.status_code == 403
    for name in names:
        limited = _login(world, name, DEFAULT_PASSWORD)
        assert limited.status_code == 429 and not _logged_in(limited), name
    _reset_counters(world)  # the address limit is 5
    # An unknown name: its spellings share one budget too.
    for name in ["Nobody", " nobody", "NOBODY "]:
        assert _login(world, name, "wrong password").status_code == 400
    assert _login(world, "nobody", "wrong password").status_code == 429
    # Another account is not affected.
    assert _logged_in(_login(world, world.owner.username, DEFAULT_PASSWORD))
    figure(
        f"login limit per account: wrong passwords by {len(names)} names of one account "
        f"(username, email, other case; web and Basic auth) counted as one budget of 3; right "
        f"password refused afterwards by every name: yes"
    )


def test_two_factor_limit_counts_failed_submissions_only(
    world: World, tight: None, figure: Callable[[str], None]
):
    """Opening the second step's pages, or pages that need a login, while half logged in is
    not an attempt; only refused second factors count."""
    secret = world.db.get(UserTOTP, world.two_factor_user.id).secret
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    opened = [
        "/account/two-factor/",
        "/account/recovery-code/",
        "/account/webauthn-authenticate/options",
        "/manage/account/",
        "/manage/account/webauthn-provision/options",
        "/manage/account/recovery-codes/generate",
        "/manage/account/totp-provision",
    ]
    for path in opened:  # the seven clicks of the report; the limit here is 3
        response = world.request("GET", path, "pending-2fa", headers={"Accept": "application/json"})
        assert response.status_code in (200, 303, 400), path
    for _ in range(2):  # two failed submissions: counted
        response = world.request(
            "POST", "/account/two-factor/", "pending-2fa", params=[("totp_value", wrong)]
        )
        assert response.status_code == 400
    response = world.request(
        "POST", "/account/two-factor/", "pending-2fa", params=[("totp_value", right)]
    )
    assert _logged_in(response)
    figure(
        f"2FA limit: {len(opened)} pages opened while half logged in counted 0 attempts; "
        f"2 failed submissions counted 2; the right code then accepted (limit 3)"
    )
