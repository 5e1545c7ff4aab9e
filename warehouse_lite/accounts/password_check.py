"""Password attempts under rate limits: the one check behind every password form.

The login form, HTTP Basic uploads, the sudo-mode confirmation, token deletion, the password
change and the second-factor changes all ask for a password; each goes through
``check_current_password`` with the limits it counts against:

- ``login_limits``: the login form and Basic uploads, per account and per client address.
  The per-account budget counts whatever name the account is reached by (username, email
  address, any case): ``login_limit_key``.
- ``account_limits`` (the default): a logged-in user asked for their current password again
  before a sensitive change. It counts toward the same per-account budget as the login, so a
  stolen session cannot be used to guess the password faster than the login form allows.
- the two-factor limits (``two_factor.guard.two_factor_limits``) for changes to second factors.

While any of the limits is spent, even the right password is refused.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING

from warehouse_lite.accounts.services import UserService
from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.ratelimit import RateLimiter

TOO_MANY_PASSWORDS = "Too many wrong passwords. Try again later."

# (limiter, identifier) pairs: an attempt is allowed while each allows it, and counts in each.
Limits = Sequence[tuple["RateLimiter", object]]


class PasswordCheck(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    RATE_LIMITED = "rate-limited"


def login_limit_key(user: User | None, typed: str) -> str:
    """What the per-user login limit counts under: the account's id when ``typed`` (a
    username or email address) names one, so every name of the account shares one budget;
    otherwise the typed name, trimmed and case-folded."""
    if user is not None:
        return f"user:{user.id}"
    return f"name:{typed.strip().casefold()}"


def login_limits(request: Request, user: User | None, typed: str) -> Limits:
    """A login's budgets: the account (or the name typed, if it names none) and the client."""
    return (
        (request.find_service(RateLimiter, name="login.user"), login_limit_key(user, typed)),
        (request.find_service(RateLimiter, name="login.ip"), request.client_addr),
    )


def account_limits(request: Request, user: User) -> Limits:
    """The budget of a logged-in user confirming their password: their account's login one."""
    limiter = request.find_service(RateLimiter, name="login.user")
    return ((limiter, login_limit_key(user, user.username)),)


def within_limits(limits: Limits) -> bool:
    """True while every limiter allows another attempt."""
    return all(limiter.test(key) for limiter, key in limits)


def count_attempt(limits: Limits) -> None:
    """Count one refused attempt in every limiter."""
    for limiter, key in limits:
        limiter.hit(key)


def check_current_password(
    request: Request, user: User | None, password: str, *, limits: Limits | None = None
) -> PasswordCheck:
    """Check ``password`` against ``user``'s under ``limits`` (default ``account_limits``);
    a wrong one counts in each. ``user`` None (a login naming no account) is always WRONG,
    after as much work as a real check."""
    if limits is None:
        assert user is not None, "account_limits need the account"
        limits = account_limits(request, user)
    if not within_limits(limits):
        return PasswordCheck.RATE_LIMITED
    if not request.find_service(UserService).check_password(user, password) or user is None:
        count_attempt(limits)
        return PasswordCheck.WRONG
    return PasswordCheck.OK
