"""The steps of a web login: password checked, maybe a second factor, then the session."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from warehouse_lite.accounts.password_check import login_limit_key
from warehouse_lite.accounts.recent_auth import mark_recent_auth
from warehouse_lite.accounts.services import UserService
from warehouse_lite.events import record_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.ratelimit import RateLimiter
from warehouse_lite.security_policy import forget_cached_identity
from warehouse_lite.sessions.keys import SESSION_PASSWORD_DATE_KEY, SESSION_USER_KEY

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User

PENDING_LOGIN_KEY = "auth.pending"
# Printable ASCII stays as given in a redirect target; anything else is percent-encoded (UTF-8).
_ASCII_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
PENDING_LOGIN_MAX_AGE = 300  # seconds between a correct password and the second factor
# Set by complete_login: True when this session's login gave a second factor (the admin area
# requires it; having 2FA enrolled is not enough, it may have been enrolled after the login).
SESSION_SECOND_FACTOR_KEY = "auth.second_factor"
# The ``method`` names of complete_login that are a second factor (see two_factor/login_views).
SECOND_FACTOR_METHODS = frozenset({"totp", "webauthn", "recovery-code"})


def safe_next(request: Request, target: str | None) -> str:
    """Where to go after login: only a path on this site, never another host.

    Control and other non-printable characters are refused outright: urlsplit() drops CR, LF
    and tab before parsing, so the checks below would pass them, and a CR/LF in the Location
    header is a 500 (or, in a lesser server, a split header). Other non-ASCII characters are
    percent-encoded, since a header value must be Latin-1.
    """
    default = request.route_path("manage.account")
    if not target or not target.isprintable():
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return quote(target, safe=_ASCII_PRINTABLE)


def complete_login(
    request: Request, user: User, *, method: str, next_url: str | None = None
) -> str:
    """Log ``user`` in to this browser session; returns where to redirect.

    The session id is rotated (no fixation) and the CSRF token replaced. The session records
    whether ``method`` was a second factor (``session_passed_second_factor``) and counts as a
    fresh password confirmation (``recent_auth``).
    """
    session = request.session
    session.pop(PENDING_LOGIN_KEY, None)
    session.rotate()
    session[SESSION_USER_KEY] = str(user.id)
    session[SESSION_PASSWORD_DATE_KEY] = user.password_date.isoformat()
    # Always written: rotate() keeps the old data, which must not vouch for this login.
    session[SESSION_SECOND_FACTOR_KEY] = method in SECOND_FACTOR_METHODS
    # The password was just given: sensitive changes need no confirmation for a while.
    mark_recent_auth(request)
    session.new_csrf_token()
    forget_cached_identity(request)
    request.find_service(UserService).record_login(user)
    record_event(request, user, EventTag.ACCOUNT_LOGIN_SUCCESS, method=method)
    request.find_service(RateLimiter, name="login.user").clear(login_limit_key(user, user.username))
    return safe_next(request, next_url)


def session_passed_second_factor(request: Request) -> bool:
    """Whether this browser session logged in with a password *and* a second factor."""
    return request.session.get(SESSION_SECOND_FACTOR_KEY) is True


def start_pending_login(request: Request, user: User, next_url: str | None) -> None:
    """Remember that ``user`` gave the right password and must now give a second factor."""
    request.session[PENDING_LOGIN_KEY] = {
        "userid": str(user.id),
        "password_date": user.password_date.isoformat(),
        "started": time.time(),
        "next": safe_next(request, next_url),
    }


def pending_login_user(request: Request) -> tuple[User, dict[str, Any]] | None:
    """The user part-way through login, if the pending step is still valid."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("started", 0)) > PENDING_LOGIN_MAX_AGE:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    user = request.find_service(UserService).get_user(pending.get("userid"))
    if (
        user is None
        or not user.is_active
        or user.password_date.isoformat() != pending.get("password_date")
    ):
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    return user, pending
