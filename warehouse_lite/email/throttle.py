"""Rate limits on the emails that people cause, so the index cannot be used to flood a mailbox.

Two budgets (settings ``EMAIL_RATE_LIMIT_ADDRESS`` and ``EMAIL_RATE_LIMIT_ACTOR``, counters in
Redis or in memory like the login limits, see ratelimit.py):

- per address: emails whose purpose is to reach an address at someone's request (a
  verification link, a password-reset link, an invitation). Whoever asks, an address gets at
  most so many of them.
- per actor: every email an action sends to someone other than the actor, whatever its kind.
  The actor is the logged-in user, or the client's IP address for a request without one.

What is not counted: emails to the actor themself (their account or one of their verified
addresses: notices of what they just did), notices of an anonymous request that only a
signature can make (a leaked-token report), and administrators' actions (/admin/ and the CLI).

Going over a budget never drops an email silently while the action happens anyway: a view
asks ``refusal()`` before acting and refuses the action with the message; should an action
still go over (several emails, or a concurrent request), ``count()`` raises
EmailRateLimited, which aborts the whole transaction (see the exception view in views.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.events.actor import Actor


class EmailRateLimited(Exception):
    """An email would go over a budget; ``str()`` is the message for the person who acted."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _limited(limiter: RateLimiter, ids: tuple[object, ...], message: str) -> EmailRateLimited:
    seconds = int(limiter.resets_in(*ids).total_seconds())
    return EmailRateLimited(f"{message}; try again in {_minutes(seconds)}.", max(seconds, 1))


ADDRESS_MESSAGE = "Too many emails were sent to this address"
ACTOR_MESSAGE = "Too many emails were sent because of your actions"


def _acting_user(request: Request, actor: Actor | None) -> User | None:
    return actor.user if actor is not None else request.user


def _actor(
    request: Request, requested: bool, actor: Actor | None = None
) -> tuple[object, ...] | None:
    """Who the email is charged to, or None when it is not counted."""
    if actor is not None and actor.via in ("cli", "system"):
        return None  # the operator's commands and the index's own jobs
    route = getattr(request, "matched_route", None)
    if route is None or route.name.startswith("admin."):
        return None  # requests outside a route (the CLI's) and the admin pages
    user = _acting_user(request, actor)
    if user is not None:
        return ("user", user.id)
    if requested and request.client_addr:
        return ("ip", request.client_addr)
    return None


def _is_actors_own(
    request: Request, recipient: User | None, address: str, actor: Actor | None = None
) -> bool:
    user = _acting_user(request, actor)
    if user is None:
        return False
    if recipient is not None:
        return bool(recipient.id == user.id)
    wanted = address.lower()
    return any(e.verified and e.email.lower() == wanted for e in user.emails)


def _limiters(request: Request) -> tuple[RateLimiter, RateLimiter]:
    by_address = request.find_service(RateLimiter, name="email.address")
    return by_address, request.find_service(RateLimiter, name="email.actor")


def refusal(request: Request, address: str | None = None) -> EmailRateLimited | None:
    """Why an action that would email ``address`` (at someone's request) must not happen now,
    or None; counts nothing. Without ``address``, only the actor's budget is asked."""
    by_address, by_actor = _limiters(request)
    actor = _actor(request, requested=address is not None)
    if address is not None and actor is not None and not by_address.test(address):
        return _limited(by_address, (address,), ADDRESS_MESSAGE)
    if actor is not None and not by_actor.test(*actor):
        return _limited(by_actor, actor, ACTOR_MESSAGE)
    return None


def count(
    request: Request,
    recipient: User | None,
    address: str,
    *,
    requested: bool,
    actor: Actor | None = None,
) -> None:
    """Charge one email to ``address`` to the budgets it belongs to.

    ``requested``: the email's purpose is to reach this address (verification, reset,
    invitation). ``actor``: who caused it, when not the request's user. Raises
    EmailRateLimited when a budget is spent.
    """
    charged = _actor(request, requested, actor)
    if charged is None or _is_actors_own(request, recipient, address, actor):
        return
    by_address, by_actor = _limiters(request)
    if requested and not by_address.hit(address):
        raise _limited(by_address, (address,), ADDRESS_MESSAGE)
    if not by_actor.hit(*charged):
        raise _limited(by_actor, charged, ACTOR_MESSAGE)
