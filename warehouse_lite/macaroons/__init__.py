"""API tokens (macaroons): model, caveats, service, security policy, management pages and
leaked-token reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.macaroons.disclosure import KeyConfigError, KeySource
from warehouse_lite.macaroons.security_policy import MacaroonSecurityPolicy
from warehouse_lite.macaroons.services import MacaroonService, macaroon_service_factory
from warehouse_lite.settings import SettingsError, get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    settings = get_settings(config.registry)
    config.register_service_factory(macaroon_service_factory, MacaroonService)
    config.add_security_policies(MacaroonSecurityPolicy())
    try:
        keys = KeySource(settings.token_disclosure_keys, settings.token_disclosure_keys_url)
        config.register_service(keys, KeySource)
    except KeyConfigError as exc:
        raise SettingsError(f"Token disclosure keys: {exc}") from None
    config.scan("warehouse_lite.macaroons")
