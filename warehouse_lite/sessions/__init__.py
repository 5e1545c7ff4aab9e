"""Server-side sessions: the cookie holds only a signed random id, the data stays here.

The store is Redis in the full stack and a table in the application database in the embedded
mode, so `make serve` needs no other service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.db import get_engine
from warehouse_lite.registry_slots import RegistrySlot
from warehouse_lite.sessions.session import ServerSideSession, session_factory_for
from warehouse_lite.sessions.stores import RedisSessionStore, SessionStore, SqlSessionStore
from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.registry import Registry

__all__ = [
    "ServerSideSession",
    "SessionStore",
    "get_session_store",
    "includeme",
    "use_session_store",
]


_STORE: RegistrySlot[SessionStore] = RegistrySlot("warehouse_lite.sessions.store")


def use_session_store(registry: Registry, store: SessionStore) -> None:
    """Make the app keep sessions in ``store`` instead of the configured one (before includeme)."""
    _STORE.put(registry, store)


def get_session_store(registry: Registry) -> SessionStore:
    return _STORE.get(registry)


def includeme(config: Configurator) -> None:
    settings = get_settings(config.registry)
    store: SessionStore
    if _STORE.is_set(config.registry):
        store = get_session_store(config.registry)
    elif settings.redis_url:
        store = RedisSessionStore.from_url(settings.redis_url)
    else:
        store = SqlSessionStore(get_engine(config.registry))
    use_session_store(config.registry, store)
    config.set_session_factory(session_factory_for(settings, store))
