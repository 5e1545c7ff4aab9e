"""Sudo mode: sensitive changes need a password entered in the last few minutes.

A login (``complete_login``) and a confirmation on ``/account/confirm-password/`` record the
time in the session. A view decorated with ``@require_recent_auth`` runs only while that time
is at most ``REAUTH_MAX_AGE`` seconds old; otherwise nothing is done and:

- a GET (or HEAD) is sent to the confirmation page, which comes back to the same URL;
- a POST is sent there too, coming back to the page its form was on (the Referer, when it is
  a page of this site; else the account page). The POST is never replayed: the user submits
  the form again, knowingly;
- a client that asked for JSON (the security-key script) gets a 403 with a message.

The guard stands behind the view's permission check (Pyramid's decorator derivation runs
inside it), so anonymous visitors are sent to log in and API tokens, which never get
``ACCOUNT_MANAGE`` or ``PROJECTS_MANAGE``, are refused before it. Only the public session API
(``request.session`` keys) is used.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther

from warehouse_lite.authnz import AuthMethod
from warehouse_lite.clock import Clock
from warehouse_lite.web.errors import api_error, wants_json

if TYPE_CHECKING:
    from pyramid.request import Request

# session: time.time() of the last password entry (login or confirmation)
SESSION_REAUTH_KEY = "auth.reauthenticated_at"
# Set on every guarded view callable, so tests and docs can list them from the registry.
GUARD_MARK = "__requires_recent_auth__"
RESUBMIT_MESSAGE = "Nothing was changed yet: confirm your password, then submit the form again."
JSON_MESSAGE = "Confirm your password first: reload this page, it will ask for it."


def _now(request: Request) -> float:
    # A service, so that tests can age a confirmation without waiting.
    return float(request.find_service(Clock).time())


def mark_recent_auth(request: Request) -> None:
    """Record that the user of this session has just given their password."""
    request.session[SESSION_REAUTH_KEY] = _now(request)


def has_recent_auth(request: Request) -> bool:
    """Whether this session's password was given within ``REAUTH_MAX_AGE`` seconds."""
    stamp = request.session.get(SESSION_REAUTH_KEY)
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return False
    return _now(request) - stamp <= request.settings.reauth_max_age


def confirmation_url(request: Request, next_path: str) -> str:
    """The confirmation page, coming back to ``next_path`` (checked again by that page)."""
    return str(request.route_path("accounts.confirm-password", _query={"next": next_path}))


def _form_page(request: Request) -> str:
    """Where a refused POST's form was: the Referer if it is on this site, else the account
    page. Browsers send it for same-origin forms (Referrer-Policy: same-origin)."""
    referer = request.referer or ""
    parts = urlsplit(referer)
    if referer and f"{parts.scheme}://{parts.netloc}" == request.settings.origin:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return str(request.route_path("manage.account"))


def ask_for_password(request: Request) -> Any:
    """The answer to a guarded request whose session has no recent password entry."""
    if wants_json(request):
        return api_error(request, 403, JSON_MESSAGE)
    if request.method in ("GET", "HEAD"):
        return HTTPSeeOther(confirmation_url(request, request.path_qs))
    request.session.flash(RESUBMIT_MESSAGE, queue="warning")
    return HTTPSeeOther(confirmation_url(request, _form_page(request)))


def require_recent_auth(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a view that makes or shows a sensitive change: it runs only for a browser
    session whose password is recent. ``view`` is a function, ``view(request)`` or
    ``view(context, request)``, or a method of a view class, ``view(self)`` (the instance
    holds the request as ``self.request``)."""
    parameters = list(inspect.signature(view).parameters)
    is_method = parameters[:1] == ["self"]
    takes_context = len(parameters) == 2  # (context, request); else (request)

    def answer(request: Request, call: Callable[[], Any]) -> Any:
        identity = request.identity
        if identity is None or identity.method is not AuthMethod.SESSION:
            # Unreachable through the permissions; kept so a guarded view can never be
            # opened by a token or a Basic password even if its permission changes.
            raise HTTPForbidden("Only a logged-in browser session can do this.")
        if not has_recent_auth(request):
            return ask_for_password(request)
        return call()

    if is_method:

        @functools.wraps(view)
        def guarded_method(self: Any) -> Any:
            return answer(self.request, lambda: view(self))

        setattr(guarded_method, GUARD_MARK, True)
        return guarded_method

    @functools.wraps(view)
    def guarded(context: Any, request: Request) -> Any:
        return answer(request, lambda: view(context, request) if takes_context else view(request))

    setattr(guarded, GUARD_MARK, True)
    return guarded


def is_guarded(view: Any, attr: str | None = None) -> bool:
    """True for a view callable wrapped by ``require_recent_auth`` (at any depth). For a view
    class, ``attr`` names the method (as in the views introspectable): the method is guarded,
    or the whole class is marked (its view_defaults guard every view)."""
    if attr is not None:
        if getattr(view, GUARD_MARK, False):
            return True
        view = getattr(view, attr, None)
    while view is not None:
        if getattr(view, GUARD_MARK, False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False
