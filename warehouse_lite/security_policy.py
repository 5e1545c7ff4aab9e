"""One security policy over several ways of proving identity.

Each sub-policy (session cookie, HTTP Basic password, API token) may identify the request. The
first that does decides the identity; then GRANTABLE_PERMISSIONS says which permissions that
*method* may ever grant, before the context's ACL is consulted. This table is the single place
that keeps API tokens and passwords-over-Basic to uploads and the web session away from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.security import Denied

from warehouse_lite.authnz import ADMIN_PRINCIPAL, AuthMethod, Permissions, user_principal

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User

GRANTABLE_PERMISSIONS: dict[AuthMethod, frozenset[Permissions]] = {
    AuthMethod.SESSION: frozenset(
        {
            Permissions.ACCOUNT_MANAGE,
            Permissions.PROJECTS_READ,
            Permissions.PROJECTS_MANAGE,
            Permissions.ADMIN_ACCESS,
        }
    ),
    AuthMethod.BASIC_PASSWORD: frozenset({Permissions.PROJECTS_UPLOAD}),
    AuthMethod.MACAROON: frozenset({Permissions.PROJECTS_UPLOAD}),
}

DENIAL_MESSAGES: dict[AuthMethod, str] = {
    AuthMethod.MACAROON: (
        "API tokens can only be used to upload packages; sign in to the website with your "
        "username and password for anything else."
    ),
    AuthMethod.BASIC_PASSWORD: "Password authentication over HTTP Basic is only for uploads.",
    AuthMethod.SESSION: (
        "Uploads authenticate with an API token or username and password, not a browser session."
    ),
}


@dataclass(frozen=True)
class UserIdentity:
    """Who is making the request and how they proved it."""

    user: User
    method: AuthMethod
    macaroon: Any = field(default=None, compare=False)

    @property
    def principals(self) -> list[str]:
        principals = [Everyone, Authenticated, user_principal(self.user.id)]
        if self.user.is_admin and self.method is AuthMethod.SESSION:
            principals.append(ADMIN_PRINCIPAL)
        return principals


class SubPolicy(Protocol):
    def identity(self, request: Request) -> UserIdentity | None: ...

    def extra_checks(
        self, request: Request, identity: UserIdentity, context: Any, permission: str
    ) -> Denied | None: ...

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]: ...

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]: ...


def _attempt_key(request: Request, name: str) -> str:
    # pyramid_retry runs a retried request again with the same environ: what one attempt
    # computed (ORM objects of its rolled-back session) must not leak into the next attempt.
    return f"warehouse_lite.{name}.{request.environ.get('retry.attempt', 0)}"


def forget_cached_identity(request: Request) -> None:
    """Drop the identity computed for this request (after a login changes who it is)."""
    request.environ.pop(_attempt_key(request, "identity"), None)


def set_auth_failure(request: Request, message: str) -> None:
    """Remember why credentials that were offered were refused, for the 401/403 response."""
    request.environ[_attempt_key(request, "auth_failure")] = message


def auth_failure(request: Request) -> str | None:
    return request.environ.get(_attempt_key(request, "auth_failure"))


class MultiSecurityPolicy:
    """Pyramid security policy that consults sub-policies in order."""

    def __init__(self, policies: list[SubPolicy]) -> None:
        self.policies = policies
        self._acl = ACLHelper()

    def _identify(self, request: Request) -> tuple[UserIdentity, SubPolicy] | None:
        cache_key = _attempt_key(request, "identity")
        if cache_key not in request.environ:
            found = None
            for policy in self.policies:
                identity = policy.identity(request)
                if identity is not None:
                    found = (identity, policy)
                    break
            request.environ[cache_key] = found
        return request.environ[cache_key]

    def identity(self, request: Request) -> UserIdentity | None:
        found = self._identify(request)
        return found[0] if found else None

    def authenticated_userid(self, request: Request) -> str | None:
        identity = self.identity(request)
        return str(identity.user.id) if identity else None

    def permits(self, request: Request, context: Any, permission: str) -> Any:
        found = self._identify(request)
        if found is None:
            return self._acl.permits(context, [Everyone], permission)
        identity, policy = found
        if permission not in GRANTABLE_PERMISSIONS[identity.method]:
            return Denied(DENIAL_MESSAGES[identity.method])
        denied = policy.extra_checks(request, identity, context, permission)
        if denied is not None:
            return denied
        return self._acl.permits(context, identity.principals, permission)

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        for policy in self.policies:
            headers.extend(policy.remember(request, userid, **kw))
        return headers

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        forget_cached_identity(request)
        headers: list[tuple[str, str]] = []
        for policy in self.policies:
            headers.extend(policy.forget(request, **kw))
        return headers
