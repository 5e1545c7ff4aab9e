"""Where session data lives: Redis, or a table of the application database."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import redis
from sqlalchemy import Column, DateTime, String, Table, Text, delete, select
from sqlalchemy.engine import Connection, Engine

from warehouse_lite.db import Base, utcnow


class SessionStore(Protocol):
    """Load, save and delete session data by session id; entries expire after ``ttl``."""

    def load(self, session_id: str) -> dict[str, Any] | None: ...

    def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None: ...

    def delete(self, session_id: str) -> None: ...


class RedisSessionStore:
    """Session data as JSON values with a Redis TTL."""

    prefix = "warehouse_lite:session:"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    @classmethod
    def from_url(cls, url: str) -> RedisSessionStore:
        return cls(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5))

    def load(self, session_id: str) -> dict[str, Any] | None:
        raw = self.client.get(self.prefix + session_id)
        return None if raw is None else dict(json.loads(raw))

    def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        self.client.set(self.prefix + session_id, json.dumps(data), ex=ttl)

    def delete(self, session_id: str) -> None:
        self.client.delete(self.prefix + session_id)


web_sessions = Table(
    "web_sessions",
    Base.metadata,
    Column("id", String(128), primary_key=True),
    Column("data", Text, nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False, index=True),
)


class SqlSessionStore:
    """Session data in the ``web_sessions`` table, written outside the request transaction so
    that a view which rolls back still keeps e.g. the flash message that explains why."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _begin(self) -> Any:
        # Tests hand over a Connection inside an outer transaction: write in a savepoint.
        if isinstance(self.engine, Connection):
            return _nested(self.engine)
        return self.engine.begin()

    def _connect(self) -> Any:
        if isinstance(self.engine, Connection):
            return _nested(self.engine)
        # A plain read, outside any transaction: the request loading its session may already
        # hold SQLite's write lock on its own connection (see db._sqlite_begin).
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def load(self, session_id: str) -> dict[str, Any] | None:
        with self._connect() as conn:
            row = conn.execute(
                select(web_sessions.c.data, web_sessions.c.expires).where(
                    web_sessions.c.id == session_id
                )
            ).first()
        if row is None:
            return None
        expires = row.expires if row.expires.tzinfo else row.expires.replace(tzinfo=datetime.UTC)
        if expires < utcnow():
            return None
        return dict(json.loads(row.data))

    def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        expires = utcnow() + datetime.timedelta(seconds=ttl)
        payload = json.dumps(data)
        with self._begin() as conn:
            updated = conn.execute(
                web_sessions.update()
                .where(web_sessions.c.id == session_id)
                .values(data=payload, expires=expires)
            ).rowcount
            if not updated:
                conn.execute(
                    web_sessions.insert().values(id=session_id, data=payload, expires=expires)
                )
            # Opportunistic clean-up keeps the table small without a cron job.
            conn.execute(delete(web_sessions).where(web_sessions.c.expires < utcnow()))

    def delete(self, session_id: str) -> None:
        with self._begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


@contextmanager
def _nested(connection: Connection) -> Iterator[Connection]:
    with connection.begin_nested():
        yield connection


__all__ = ["RedisSessionStore", "SessionStore", "SqlSessionStore"]
