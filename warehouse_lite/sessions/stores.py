"""Where session data lives: Redis, or a table of the application database.

An ended session must stay ended. Requests with the same cookie may be in flight when it
ends (a logout, or the id rotated at login or at a password change) and save the session
after it was deleted, so a request never writes a session back outright: it ``create``s a
brand-new id (always freshly generated, never one a client sent) or ``update``s an entry that
still exists, atomically (a conditional UPDATE; Redis ``SET ... XX``). A deleted or expired
id is never written again, and as ids are never reused no tombstone is needed.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import redis
from sqlalchemy import Column, DateTime, String, Table, Text, delete, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from warehouse_lite.db import Base, utcnow


class SessionStore(Protocol):
    """Session data by session id; entries expire after ``ttl`` seconds."""

    def load(self, session_id: str) -> dict[str, Any] | None:
        """The data of a live session, or None (unknown, deleted or expired)."""

    def create(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        """Store a new session under a freshly generated id."""

    def update(self, session_id: str, data: dict[str, Any], ttl: int) -> bool:
        """Replace the data of a live session; False, writing nothing, if it has ended."""

    def delete(self, session_id: str) -> None:
        """End a session: its id is never written again."""

    def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        """Create or overwrite, for seeding sessions from tests and tools; requests never
        call it (it would bring back a session that ended)."""


class SessionIdInUse(RuntimeError):
    """``create`` found the id taken: ids are 256 random bits, so this is a bug, not luck."""


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

    def create(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        if not self.client.set(self.prefix + session_id, json.dumps(data), ex=ttl, nx=True):
            raise SessionIdInUse(session_id[:8])

    def update(self, session_id: str, data: dict[str, Any], ttl: int) -> bool:
        # XX: only if the key exists. One command, so a DEL cannot slip in between a check
        # and the write.
        return bool(self.client.set(self.prefix + session_id, json.dumps(data), ex=ttl, xx=True))

    def delete(self, session_id: str) -> None:
        self.client.delete(self.prefix + session_id)

    def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        self.client.set(self.prefix + session_id, json.dumps(data), ex=ttl)


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

    def create(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        try:
            with self._begin() as conn:
                # Opportunistic clean-up keeps the table small without a cron job.
                conn.execute(delete(web_sessions).where(web_sessions.c.expires < utcnow()))
                conn.execute(web_sessions.insert().values(_row(session_id, data, ttl)))
        except IntegrityError:
            raise SessionIdInUse(session_id[:8]) from None

    def update(self, session_id: str, data: dict[str, Any], ttl: int) -> bool:
        # A conditional UPDATE: a row deleted (or expired) meanwhile matches nothing, and is
        # not inserted again. PostgreSQL makes an UPDATE that waited on a DELETE of its row
        # find it gone; SQLite runs one writer at a time.
        row = _row(session_id, data, ttl)
        with self._begin() as conn:
            result: Any = conn.execute(
                web_sessions.update()
                .where(web_sessions.c.id == session_id, web_sessions.c.expires >= utcnow())
                .values(data=row["data"], expires=row["expires"])
            )
        return bool(result.rowcount == 1)

    def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        with self._begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))
            conn.execute(web_sessions.insert().values(_row(session_id, data, ttl)))

    def delete(self, session_id: str) -> None:
        with self._begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


def _row(session_id: str, data: dict[str, Any], ttl: int) -> dict[str, Any]:
    expires = utcnow() + datetime.timedelta(seconds=ttl)
    return {"id": session_id, "data": json.dumps(data), "expires": expires}


@contextmanager
def _nested(connection: Connection) -> Iterator[Connection]:
    with connection.begin_nested():
        yield connection


__all__ = ["RedisSessionStore", "SessionIdInUse", "SessionStore", "SqlSessionStore"]
