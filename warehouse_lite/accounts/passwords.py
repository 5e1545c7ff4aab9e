"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:
    from warehouse_lite.settings import Settings


@dataclass(frozen=True)
class PasswordCost:
    """The argon2id parameters new password hashes are made with (settings PASSWORD_HASH_*).

    A stored hash carries its own parameters: verifying it costs what it cost when it was
    made, and a hash with other parameters than these is remade at the next login.
    """

    time_cost: int
    memory_cost: int  # KiB
    parallelism: int

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordCost:
        return cls(
            settings.password_hash_time_cost,
            settings.password_hash_memory_cost,
            settings.password_hash_parallelism,
        )


@functools.cache
def password_hasher(cost: PasswordCost) -> PasswordHasher:
    """The one hasher of a cost, shared by every request of the process."""
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_cost, parallelism=cost.parallelism
    )


@functools.cache
def dummy_hash(cost: PasswordCost) -> str:
    """A hash to verify against when the user does not exist, made with the same cost as real
    ones, so that a login for an unknown username takes as long as one for a known username
    (no user enumeration by timing)."""
    return password_hasher(cost).hash("not-a-real-password")


def verify_hash(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """Constant-time check of ``password`` against an argon2 hash; False for a bad hash."""
    try:
        return bool(hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


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
