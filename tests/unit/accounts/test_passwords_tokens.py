from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher

from warehouse_lite.accounts import passwords
from warehouse_lite.accounts.services import username_problem
from warehouse_lite.accounts.tokens import TokenError, TokenSigner


def test_hash_and_verify() -> None:
    hashed = passwords.hash_password("s3cret value")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "s3cret value")
    assert not passwords.verify_password(hashed, "other")
    assert not passwords.verify_password("not a hash", "other")


def test_weaker_parameters_need_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("pw"))


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
