from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from tests.common.factories import TEST_PASSWORD_COST
from warehouse_lite.accounts import passwords
from warehouse_lite.accounts.models import User
from warehouse_lite.accounts.passwords import PasswordCost
from warehouse_lite.accounts.services import UserService, username_problem
from warehouse_lite.accounts.tokens import TokenError, TokenSigner
from warehouse_lite.settings import Settings

USERS = UserService(None, TEST_PASSWORD_COST)  # type: ignore[arg-type]  (no database used)


def test_hash_and_verify() -> None:
    hashed = USERS.hash_password("s3cret value")
    assert hashed.startswith("$argon2id$")
    assert extract_parameters(hashed).memory_cost == TEST_PASSWORD_COST.memory_cost
    assert USERS.verify_password(hashed, "s3cret value")
    assert not USERS.verify_password(hashed, "other")
    assert not USERS.verify_password("not a hash", "other")


def test_other_parameters_need_rehash() -> None:
    other = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash("pw")
    assert USERS.needs_rehash(other)
    assert not USERS.needs_rehash(USERS.hash_password("pw"))


def test_a_hash_of_other_parameters_still_verifies_and_is_remade_at_login() -> None:
    # E.g. every hash stored before the cost became a setting: argon2-cffi's defaults.
    stored = PasswordHasher(time_cost=2, memory_cost=16, parallelism=2).hash("pw")
    user = User(username="old", password=stored)
    assert USERS.check_password(user, "pw")
    assert user.password != stored
    assert extract_parameters(user.password) == extract_parameters(USERS.hash_password("x"))
    assert not USERS.check_password(User(username="old", password=stored), "wrong")


def test_unknown_users_cost_a_verification_at_the_same_cost(monkeypatch) -> None:
    checked: list[str] = []
    monkeypatch.setattr(USERS, "verify_password", lambda h, p: checked.append(h) or False)
    assert USERS.check_password(None, "guess") is False
    [dummy] = checked
    assert extract_parameters(dummy) == extract_parameters(USERS.hash_password("x"))


def test_the_default_cost_is_the_strong_production_one() -> None:
    # RFC 9106's low-memory option is argon2-cffi's default; production never goes below.
    floor = RFC_9106_LOW_MEMORY
    cost = PasswordCost.from_settings(Settings())
    assert cost.time_cost >= max(floor.time_cost, PasswordHasher().time_cost)
    assert cost.memory_cost >= max(floor.memory_cost, PasswordHasher().memory_cost)
    assert cost.parallelism >= 1
    assert UserService(None).password_cost == cost  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 8"),
        ("alice", "at least 8"),
        ("Alice-the-user", "same as your username"),
        ("aaaaaaaaaa", "too simple"),
        ("x" * 2000, "at most 1024"),
    ],
)
def test_password_policy(password: str, problem: str) -> None:
    problems = passwords.password_problems(password, username="alice-the-user", min_length=8)
    assert any(problem in p for p in problems)


def test_good_password_has_no_problem() -> None:
    assert (
        passwords.password_problems("correct horse battery", username="alice", min_length=8) == []
    )
    assert not passwords.NullBreachedPasswordChecker().is_breached("password")


@pytest.mark.parametrize("name", ["a", "A1", "foo.bar", "foo_bar-baz", "x" * 50])
def test_valid_usernames(name: str) -> None:
    assert username_problem(name) is None


@pytest.mark.parametrize("name", ["", "-a", "a-", ".a", "a b", "a/b", "é", "x" * 51, "a\nb"])
def test_invalid_usernames(name: str) -> None:
    assert username_problem(name)


def test_token_roundtrip_and_purpose_separation() -> None:
    verify = TokenSigner("k" * 40, "email-verify", 60)
    reset = TokenSigner("k" * 40, "password-reset", 60)
    token = verify.dumps({"email": "a@example.com"})
    assert verify.loads(token)["email"] == "a@example.com"
    with pytest.raises(TokenError, match="Invalid token"):
        reset.loads(token)
    with pytest.raises(TokenError, match="Invalid token"):
        verify.loads(token[:-3] + "abc")
    with pytest.raises(TokenError, match="Invalid token"):
        TokenSigner("other-secret" * 4, "email-verify", 60).loads(token)


def test_token_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = TokenSigner("k" * 40, "email-verify", 10)
    token = signer.dumps({"x": 1})
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    with pytest.raises(TokenError, match="Expired"):
        signer.loads(token)
