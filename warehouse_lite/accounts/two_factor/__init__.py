"""Two-factor authentication: TOTP applications, WebAuthn security keys, recovery codes.

The views of this package are registered by the scan of warehouse_lite.accounts (which is
recursive); this includeme adds the services and the "has a second factor" check the login
uses (manage/ owns the account page's section; warehouse_lite.web.tweens places the skipped-step
tween).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import object_session

from warehouse_lite.accounts.two_factor.security_keys import (
    WebAuthnService,
    webauthn_service_factory,
)
from warehouse_lite.accounts.two_factor.services import (
    TwoFactorService,
    two_factor_service_factory,
)

if TYPE_CHECKING:
    from pyramid.config import Configurator

    from warehouse_lite.accounts.models import User


def user_has_two_factor(user: User) -> bool:
    """For accounts.services.TWO_FACTOR_PROVIDERS: a TOTP application or a security key."""
    session = object_session(user)
    if session is None:
        return False
    return TwoFactorService(session).has_two_factor(user)


def includeme(config: Configurator) -> None:
    from warehouse_lite.accounts.services import TWO_FACTOR_PROVIDERS

    config.register_service_factory(two_factor_service_factory, TwoFactorService)
    config.register_service_factory(webauthn_service_factory, WebAuthnService)
    # A module-level registry: an app built twice in one process must not add twice.
    if user_has_two_factor not in TWO_FACTOR_PROVIDERS:
        TWO_FACTOR_PROVIDERS.append(user_has_two_factor)
