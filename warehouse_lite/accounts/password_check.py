"""Password attempts under the per-user login rate limit (the "login.user" RateLimiter).

The limit counts per account, whatever names it is reached by (username, email address, any
case): ``login_limit_key``. Asking a logged-in user for their current password again (before
a sensitive change) counts too, so a stolen session cannot be used to guess the password
faster than the login form allows; while the user is limited, even the right password is
refused.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from warehouse_lite.accounts.services import UserService
from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User

TOO_MANY_PASSWORDS = "Too many wrong passwords. Try again later."


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


def check_current_password(request: Request, user: User, password: str) -> PasswordCheck:
    """Check ``password`` against ``user``'s under the login rate limit (a wrong one counts)."""
    limiter = request.find_service(RateLimiter, name="login.user")
    key = login_limit_key(user, user.username)
    if not limiter.test(key):
        return PasswordCheck.RATE_LIMITED
    if not request.find_service(UserService).check_password(user, password):
        limiter.hit(key)
        return PasswordCheck.WRONG
    return PasswordCheck.OK
