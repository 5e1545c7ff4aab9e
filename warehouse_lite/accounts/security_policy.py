"""Session-cookie and HTTP Basic (username + password) sub-policies."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from warehouse_lite.accounts.password_check import count_attempt, login_limits, within_limits
from warehouse_lite.accounts.services import UserService
from warehouse_lite.authnz import AuthMethod
from warehouse_lite.security_policy import UserIdentity, set_auth_failure
from warehouse_lite.sessions.keys import SESSION_PASSWORD_DATE_KEY, SESSION_USER_KEY
from warehouse_lite.web.routes import is_upload_route

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.security import Denied

    from warehouse_lite.settings import Settings

_PASSWORD_MATCHED_KEY = "warehouse_lite.basic_auth.password_matched"


def parse_basic_auth(request: Request) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization: Basic`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password


class _UserSubPolicy:
    """What the user sub-policies share: no extra checks, nothing to remember or forget (the
    session's logout is SessionSecurityPolicy.forget)."""

    def extra_checks(
        self, request: Request, identity: UserIdentity, context: Any, permission: str
    ) -> Denied | None:
        return None

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        return []


class SessionSecurityPolicy(_UserSubPolicy):
    """The logged-in user of the browser session (set only once every login step is done)."""

    def identity(self, request: Request) -> UserIdentity | None:
        if is_upload_route(request):
            return None
        userid = request.session.get(SESSION_USER_KEY)
        if not userid:
            return None
        user = request.find_service(UserService).get_user(userid)
        stamp = request.session.get(SESSION_PASSWORD_DATE_KEY)
        if user is None or not user.is_active or stamp != user.password_date.isoformat():
            # The password changed (or the account was disabled) since this session logged in.
            request.session.invalidate()
            return None
        return UserIdentity(user=user, method=AuthMethod.SESSION)

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        request.session.invalidate()
        return []


def _password_matches(request: Request, users: UserService, user: Any, password: str) -> bool:
    """users.check_password, computed once per request. An upload reads its credentials a
    second time before it writes (forklift/upload.py); the password then still matches if
    it is the same user and their password has not changed since (password_date), and argon2
    (a fraction of a second, on purpose) is not paid twice."""
    seen = (user.id, user.password_date) if user is not None else None
    if seen is not None and request.environ.get(_PASSWORD_MATCHED_KEY) == seen:
        return True
    matches = users.check_password(user, password)
    if matches and seen is not None:
        request.environ[_PASSWORD_MATCHED_KEY] = seen
    return matches


class BasicAuthSecurityPolicy(_UserSubPolicy):
    """Username + password over HTTP Basic, for uploads only."""

    def identity(self, request: Request) -> UserIdentity | None:
        if not is_upload_route(request):
            return None
        credentials = parse_basic_auth(request)
        if credentials is None or credentials[0] == "__token__":
            return None
        username, password = credentials
        settings: Settings = request.settings
        users = request.find_service(UserService)
        user = users.get_user_by_username(username)
        limits = login_limits(request, user, username)
        if not within_limits(limits):
            set_auth_failure(request, "Too many failed login attempts; try again later.")
            return None
        if not _password_matches(request, users, user, password) or user is None:
            count_attempt(limits)
            set_auth_failure(request, "Invalid or non-existent authentication information.")
            return None
        if not user.is_active:
            set_auth_failure(request, "This account is disabled.")
            return None
        token_url = request.route_url("manage.account.token")
        if users.has_two_factor(user):
            set_auth_failure(
                request,
                "User has two-factor authentication enabled and must upload with an API "
                f"token, not a password. Create one at {token_url}",
            )
            return None
        if not settings.allow_password_uploads:
            set_auth_failure(
                request,
                f"Uploads with a password are disabled; create an API token at {token_url}",
            )
            return None
        return UserIdentity(user=user, method=AuthMethod.BASIC_PASSWORD)
