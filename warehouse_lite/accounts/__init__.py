"""Accounts: users, emails, passwords, login, registration and the auth sub-policies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warehouse_lite.accounts.passwords import BreachedPasswordChecker, NullBreachedPasswordChecker
from warehouse_lite.accounts.security_policy import BasicAuthSecurityPolicy, SessionSecurityPolicy
from warehouse_lite.accounts.services import UserService, user_service_factory

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.register_service_factory(user_service_factory, UserService)
    config.register_service(NullBreachedPasswordChecker(), BreachedPasswordChecker)
    config.add_security_policies(SessionSecurityPolicy(), BasicAuthSecurityPolicy())
    config.add_request_method(_current_user, "user", reify=True)
    config.scan("warehouse_lite.accounts")


def _current_user(request: Any) -> Any:
    identity = request.identity
    return identity.user if identity is not None else None
