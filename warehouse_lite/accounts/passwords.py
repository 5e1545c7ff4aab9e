"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Constant-time check of ``password`` against an argon2 hash."""
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return bool(_hasher.check_needs_rehash(password_hash))


# A fixed hash to verify against when the user does not exist, so that a login for an unknown
# username costs as long as one for a known username (no user enumeration by timing).
DUMMY_HASH = _hasher.hash("not-a-real-password")


class BreachedPasswordChecker(Protocol):
    """Tells whether a password is known from public breaches (e.g. a k-anonymity API)."""

    def is_breached(self, password: str) -> bool: ...


class NullBreachedPasswordChecker:
    """The default: no breach database is consulted."""

    def is_breached(self, password: str) -> bool:
        return False


def password_problems(password: str, *, username: str, min_length: int) -> list[str]:
    """Reasons a new password is not acceptable, in words a person understands."""
    problems = []
    if len(password) < min_length:
        problems.append(f"Password must be at least {min_length} characters long.")
    if len(password) > 1024:
        problems.append("Password must be at most 1024 characters long.")
    if username and password.strip().lower() == username.lower():
        problems.append("Password must not be the same as your username.")
    if password and len(set(password)) < 3:
        problems.append("Password is too simple: use more different characters.")
    return problems
