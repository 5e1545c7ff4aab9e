"""Rate limits on login, 2FA and password-reset attempts and on emails, built on `limits`.

Each limit is a named RateLimiter service: ``request.find_service(RateLimiter,
name="login.user")``. Its limit is read from the settings when a request looks it up. Counters
live in Redis in the full stack (shared by every web worker) and in process memory in the
embedded mode.
"""

from __future__ import annotations

import datetime
import functools
from typing import TYPE_CHECKING, Any

from limits import RateLimitItem, parse, storage, strategies

from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator

# Each limiter's name (also the namespace of its counters) and the setting with its limit.
LIMITERS = {
    "login.user": "login_rate_limit_user",
    "login.ip": "login_rate_limit_ip",
    "2fa.user": "two_factor_rate_limit_user",
    "2fa.ip": "two_factor_rate_limit_ip",
    "password-reset": "password_reset_rate_limit",
    "email-add": "email_add_rate_limit",
    "email.address": "email_rate_limit_address",
    "email.actor": "email_rate_limit_actor",
}


@functools.cache
def _parse(limit: str) -> RateLimitItem:
    return parse(limit)


class RateLimiter:
    """One limit (e.g. "10 per 5 minutes") applied to a namespace of identifiers."""

    def __init__(self, counters: storage.Storage, limit: str, namespace: str) -> None:
        self._limiter = strategies.MovingWindowRateLimiter(counters)
        self._limit = _parse(limit)
        self._namespace = namespace

    def _ids(self, identifiers: tuple[object, ...]) -> list[str]:
        return [self._namespace, *(str(i).lower() for i in identifiers)]

    def test(self, *identifiers: object) -> bool:
        """True while another attempt is allowed."""
        return bool(self._limiter.test(self._limit, *self._ids(identifiers)))

    def hit(self, *identifiers: object) -> bool:
        """Count an attempt; True if it was within the limit."""
        return bool(self._limiter.hit(self._limit, *self._ids(identifiers)))

    def clear(self, *identifiers: object) -> None:
        self._limiter.clear(self._limit, *self._ids(identifiers))

    def resets_in(self, *identifiers: object) -> datetime.timedelta:
        """How long until another attempt is allowed (the email throttle tells people)."""
        reset_at, _remaining = self._limiter.get_window_stats(self._limit, *self._ids(identifiers))
        now = datetime.datetime.now(datetime.UTC).timestamp()
        return datetime.timedelta(seconds=max(0, int(reset_at - now)))


def register_rate_limiter(config: Configurator, name: str, setting: str) -> None:
    """Register the RateLimiter service ``name``, limited by the setting named ``setting``."""

    def factory(context: object, request: Any) -> RateLimiter:
        counters: storage.Storage = request.find_service(storage.Storage)
        return RateLimiter(counters, getattr(request.settings, setting), name)

    config.register_service_factory(factory, RateLimiter, name=name)


def includeme(config: Configurator) -> None:
    settings = get_settings(config.registry)
    counters = storage.storage_from_string(settings.redis_url or "memory://")
    # The counters' store, one for every limiter (tests reset it between tests).
    config.register_service(counters, storage.Storage)
    for name, setting in LIMITERS.items():
        register_rate_limiter(config, name, setting)
