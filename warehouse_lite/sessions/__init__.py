"""Server-side sessions: the cookie holds only a signed random id, the data stays here.

The store is Redis in the full stack and a table in the application database in the embedded
mode, so `make serve` needs no other service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.sessions.session import ServerSideSession, session_factory_for
from warehouse_lite.sessions.stores import RedisSessionStore, SessionStore, SqlSessionStore

if TYPE_CHECKING:
    from pyramid.config import Configurator

    from warehouse_lite.settings import Settings

__all__ = ["ServerSideSession", "SessionStore", "includeme"]


def includeme(config: Configurator) -> None:
    settings: Settings = config.registry["settings"]
    store: SessionStore
    if "sessions.store" in config.registry:
        store = config.registry["sessions.store"]
    elif settings.redis_url:
        store = RedisSessionStore.from_url(settings.redis_url)
    else:
        store = SqlSessionStore(config.registry["db.engine"])
    config.registry["sessions.store"] = store
    config.set_session_factory(session_factory_for(settings, store))
