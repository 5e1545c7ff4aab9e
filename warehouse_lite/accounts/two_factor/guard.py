"""Rate limits on second factors, and the tween that keeps a half-done login half-done."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther

from warehouse_lite.accounts.login import PENDING_LOGIN_KEY, PENDING_LOGIN_MAX_AGE
from warehouse_lite.accounts.password_check import Limits, count_attempt, within_limits
from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

    from warehouse_lite.accounts.models import User

TOO_MANY = "There have been too many unsuccessful two-factor attempts. Try again in a few minutes."


def two_factor_limits(request: Request, user: User | object) -> Limits:
    """The budgets of second factors (and of password confirmations for changing them): the
    user's and this client address's. ``user`` is a User or its id."""
    user_id = getattr(user, "id", user)
    by_user = request.find_service(RateLimiter, name="2fa.user")
    by_ip = request.find_service(RateLimiter, name="2fa.ip")
    return ((by_user, str(user_id)), (by_ip, request.client_addr))


def is_rate_limited(request: Request, user: User | object) -> bool:
    """True when the user (or this client's address) has used up its attempts."""
    return not within_limits(two_factor_limits(request, user))


def count_failure(request: Request, user: User | object) -> None:
    """One refused second factor (or confirmation) for the user and for the client address."""
    count_attempt(two_factor_limits(request, user))


def clear_user_failures(request: Request, user: User) -> None:
    request.find_service(RateLimiter, name="2fa.user").clear(str(user.id))


def _pending_userid(request: Request) -> str | None:
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("started", 0)) > PENDING_LOGIN_MAX_AGE:
        return None
    userid = pending.get("userid")
    return str(userid) if userid else None


def skipped_step_tween_factory(handler: Any, registry: Any) -> Any:
    """A browser that gave the password but not yet the second factor and asks for a page that
    needs a login: the forbidden view would send it to the login form; instead it goes back
    to the second step, with a message. Opening a page guesses nothing, so it does not count
    toward the 2FA rate limit (only refused second factors do)."""

    def tween(request: Request) -> Response:
        response = handler(request)
        if not isinstance(getattr(request, "exception", None), HTTPForbidden):
            return response
        if response.status_code not in (302, 303) or request.identity is not None:
            return response
        userid = _pending_userid(request)
        if userid is None:
            return response
        request.session.flash(
            "Finish logging in first: confirm it is you with your second factor.",
            queue="error",
        )
        return HTTPSeeOther(request.route_path("accounts.two-factor"))

    return tween
