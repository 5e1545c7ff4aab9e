"""Both session stores against the real thing: the test database and a real Redis."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_module
from sqlalchemy import delete

from tests.e2e.servers import free_port, wait_for_port
from warehouse_lite.db import utcnow
from warehouse_lite.sessions.stores import (
    RedisSessionStore,
    SessionIdInUse,
    SqlSessionStore,
    web_sessions,
)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is required (bin/system-deps installs it)")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        cwd=tmp_path_factory.mktemp("redis"),
    )
    wait_for_port(port, process=proc)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait()


def _exercise(store) -> None:  # type: ignore[no-untyped-def]
    assert store.load("missing") is None
    store.create("abc", {"auth.userid": "u1", "n": 1}, ttl=60)
    assert store.load("abc") == {"auth.userid": "u1", "n": 1}
    assert store.update("abc", {"n": 2}, ttl=60) is True
    assert store.load("abc") == {"n": 2}
    with pytest.raises(SessionIdInUse):
        store.create("abc", {"n": 3}, ttl=60)
    assert store.load("abc") == {"n": 2}
    store.delete("abc")
    assert store.load("abc") is None
    # A request that loaded the session before it ended cannot bring it back.
    assert store.update("abc", {"auth.userid": "u1"}, ttl=60) is False
    assert store.load("abc") is None
    assert store.update("never-created", {}, ttl=60) is False
    assert store.load("never-created") is None
    # Seeding (tests and tools): creates, or overwrites.
    store.save("seeded", {"n": 1}, ttl=60)
    store.save("seeded", {"n": 2}, ttl=60)
    assert store.load("seeded") == {"n": 2}


def test_sql_store(connection) -> None:  # type: ignore[no-untyped-def]
    store = SqlSessionStore(connection)
    _exercise(store)
    connection.execute(
        web_sessions.insert().values(
            id="old", data="{}", expires=utcnow() - datetime.timedelta(seconds=1)
        )
    )
    assert store.load("old") is None
    assert store.update("old", {"auth.userid": "u1"}, ttl=60) is False  # expired stays so
    assert store.load("old") is None
    store.create("fresh", {}, ttl=60)  # sweeps expired rows
    assert (
        connection.execute(web_sessions.select().where(web_sessions.c.id == "old")).first() is None
    )


def test_sql_update_that_waited_on_the_delete_finds_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    """On the test database (SQLite or PostgreSQL), from two connections: an update that
    starts while the delete of its row is not committed yet waits for it, and then writes
    nothing (it neither updates a row that is gone nor inserts it again)."""
    store = SqlSessionStore(engine)
    session_id = f"race-{uuid.uuid4().hex}"
    store.create(session_id, {"auth.userid": "u1"}, ttl=60)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            with engine.begin() as deleting:
                deleting.execute(delete(web_sessions).where(web_sessions.c.id == session_id))
                update = pool.submit(store.update, session_id, {"auth.userid": "u1"}, 60)
                # The update is blocked by the uncommitted delete (row lock on PostgreSQL,
                # the write lock on SQLite) until this block commits.
                with pytest.raises(TimeoutError):
                    update.result(timeout=0.5)
            assert update.result(timeout=30) is False
        assert store.load(session_id) is None
    finally:
        store.delete(session_id)


def test_redis_store(redis_url: str) -> None:
    store = RedisSessionStore.from_url(redis_url)
    _exercise(store)
    store.create("ttl", {}, ttl=30)
    assert 0 < redis_module.Redis.from_url(redis_url).ttl(store.prefix + "ttl") <= 30
    assert store.update("ttl", {"n": 1}, ttl=20) is True
    assert 0 < redis_module.Redis.from_url(redis_url).ttl(store.prefix + "ttl") <= 20
