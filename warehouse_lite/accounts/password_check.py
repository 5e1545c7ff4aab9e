"""Asking a logged-in user for their current password again (before a sensitive change).

Wrong answers count toward the per-user login rate limit (``ratelimits.login_user``), so a
stolen session cannot be used to guess the password faster than the login form allows; while
the user is limited, even the right password is refused.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from warehouse_lite.accounts.services import UserService

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User

TOO_MANY_PASSWORDS = "Too many wrong passwords. Try again later."


class PasswordCheck(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    RATE_LIMITED = "rate-limited"


def check_current_password(request: Request, user: User, password: str) -> PasswordCheck:
    """Check ``password`` against ``user``'s under the login rate limit (a wrong one counts)."""
    limiter = request.registry["ratelimits"].login_user
    if not limiter.test(user.username):
        return PasswordCheck.RATE_LIMITED
    if not request.find_service(UserService).check_password(user, password):
        limiter.hit(user.username)
        return PasswordCheck.WRONG
    return PasswordCheck.OK
