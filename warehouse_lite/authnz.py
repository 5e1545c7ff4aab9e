"""Permissions and principals shared by every domain."""

from __future__ import annotations

import enum


class Permissions(enum.StrEnum):
    """Every permission a view may require. Which auth method may grant which lives in
    security_policy.GRANTABLE_PERMISSIONS."""

    ACCOUNT_MANAGE = "account:manage"
    PROJECTS_READ = "projects:read"
    PROJECTS_UPLOAD = "projects:upload"
    PROJECTS_MANAGE = "projects:manage"
    ADMIN_ACCESS = "admin:access"


class AuthMethod(enum.StrEnum):
    """How the current identity proved who it is."""

    SESSION = "session"
    BASIC_PASSWORD = "basic-password"
    MACAROON = "macaroon"


def user_principal(user_id: object) -> str:
    return f"user:{user_id}"


ADMIN_PRINCIPAL = "group:admins"


class Root:
    """Default context: any logged-in user may manage their own account; admins administer."""

    def __init__(self, request: object) -> None:
        self.request = request

    @property
    def __acl__(self) -> list[tuple[str, str, str]]:
        from pyramid.authorization import Allow, Authenticated

        return [
            (Allow, Authenticated, Permissions.ACCOUNT_MANAGE),
            (Allow, Authenticated, Permissions.PROJECTS_UPLOAD),
            (Allow, ADMIN_PRINCIPAL, Permissions.ADMIN_ACCESS),
        ]
