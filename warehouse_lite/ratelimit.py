"""Rate limits on login, 2FA and password-reset attempts and on emails, built on `limits`.

Counters live in Redis in the full stack (shared by every web worker) and in process memory
in the embedded mode.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from limits import parse, storage, strategies

from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator

    from warehouse_lite.settings import Settings


class RateLimiter:
    """One limit (e.g. "10 per 5 minutes") applied to a namespace of identifiers."""

    def __init__(self, limiter: strategies.RateLimiter, limit: str, namespace: str) -> None:
        self._limiter = limiter
        self._limit = parse(limit)
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
        reset_at, _remaining = self._limiter.get_window_stats(self._limit, *self._ids(identifiers))
        now = datetime.datetime.now(datetime.UTC).timestamp()
        return datetime.timedelta(seconds=max(0, int(reset_at - now)))


class RateLimits:
    """Factory of the named limiters the app uses, all on one storage."""

    def __init__(self, settings: Settings, storage_uri: str | None = None) -> None:
        uri = storage_uri or (settings.redis_url or "memory://")
        self.storage = storage.storage_from_string(uri)
        self._strategy = strategies.MovingWindowRateLimiter(self.storage)
        self._settings = settings

    def limiter(self, limit: str, namespace: str) -> RateLimiter:
        return RateLimiter(self._strategy, limit, namespace)

    @property
    def login_user(self) -> RateLimiter:
        return self.limiter(self._settings.login_rate_limit_user, "login.user")

    @property
    def login_ip(self) -> RateLimiter:
        return self.limiter(self._settings.login_rate_limit_ip, "login.ip")

    @property
    def two_factor_user(self) -> RateLimiter:
        return self.limiter(self._settings.two_factor_rate_limit_user, "2fa.user")

    @property
    def two_factor_ip(self) -> RateLimiter:
        return self.limiter(self._settings.two_factor_rate_limit_ip, "2fa.ip")

    @property
    def password_reset(self) -> RateLimiter:
        return self.limiter(self._settings.password_reset_rate_limit, "password-reset")

    @property
    def email_add(self) -> RateLimiter:
        return self.limiter(self._settings.email_add_rate_limit, "email-add")

    @property
    def email_address(self) -> RateLimiter:
        return self.limiter(self._settings.email_rate_limit_address, "email.address")

    @property
    def email_actor(self) -> RateLimiter:
        return self.limiter(self._settings.email_rate_limit_actor, "email.actor")


def includeme(config: Configurator) -> None:
    rate_limits = RateLimits(get_settings(config.registry))
    config.registry["ratelimits"] = rate_limits
    config.register_service(rate_limits, RateLimits)
