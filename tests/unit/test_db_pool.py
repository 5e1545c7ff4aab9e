"""Pooled PostgreSQL connections: a connection the server closed is replaced at checkout, and
a healthy one is handed out without a ping (no round trip before the request's first query)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from warehouse_lite.db import make_engine
from warehouse_lite.settings import Settings


@pytest.fixture
def pg_engine(settings: Settings) -> Iterator[Engine]:
    if not settings.sqlalchemy_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite connections have no server to lose")
    engine = make_engine(settings, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")))


def test_a_healthy_connection_is_not_pinged(pg_engine: Engine, monkeypatch) -> None:
    first = _backend_pid(pg_engine)
    pings: list[object] = []
    monkeypatch.setattr(pg_engine.dialect, "do_ping", pings.append)
    assert _backend_pid(pg_engine) == first  # the same pooled connection
    assert _backend_pid(pg_engine) == first
    assert pings == []


def test_a_connection_the_server_closed_is_replaced(
    pg_engine: Engine, settings: Settings, monkeypatch
) -> None:
    first = _backend_pid(pg_engine)
    pings: list[object] = []
    real_ping = pg_engine.dialect.do_ping

    def ping(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(pg_engine.dialect, "do_ping", ping)
    # As a server restart or an idle timeout would: the backend of the pooled connection ends.
    other = make_engine(settings, pool_size=1, max_overflow=0)
    try:
        with other.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": first})
    finally:
        other.dispose()

    second = _backend_pid(pg_engine)  # no error: the dead connection was not handed out

    assert second != first
    assert len(pings) == 1  # the socket showed the server's goodbye: pinged, failed, replaced
