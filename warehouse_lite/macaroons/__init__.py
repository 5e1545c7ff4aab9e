"""API tokens (macaroons): model, caveats, service, security policy, management pages and
leaked-token reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.macaroons.disclosure import KeyConfigError, KeySource
from warehouse_lite.macaroons.security_policy import MacaroonSecurityPolicy
from warehouse_lite.macaroons.services import MacaroonService, macaroon_service_factory
from warehouse_lite.settings import SettingsError

if TYPE_CHECKING:
    from pyramid.config import Configurator

    from warehouse_lite.settings import Settings


def includeme(config: Configurator) -> None:
    settings: Settings = config.registry["settings"]
    config.register_service_factory(macaroon_service_factory, MacaroonService)
    config.registry["security_policies"].append(MacaroonSecurityPolicy())
    try:
        config.registry["macaroons.disclosure_keys"] = KeySource(
            settings.token_disclosure_keys, settings.token_disclosure_keys_url
        )
    except KeyConfigError as exc:
        raise SettingsError(f"Token disclosure keys: {exc}") from None
    config.scan("warehouse_lite.macaroons")
