"""Both session stores against the real thing: the test database and a real Redis."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import redis as redis_module

from tests.e2e.servers import free_port, wait_for_port
from warehouse_lite.db import utcnow
from warehouse_lite.sessions.stores import RedisSessionStore, SqlSessionStore, web_sessions


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
    store.save("abc", {"auth.userid": "u1", "n": 1}, ttl=60)
    assert store.load("abc") == {"auth.userid": "u1", "n": 1}
    store.save("abc", {"n": 2}, ttl=60)
    assert store.load("abc") == {"n": 2}
    store.delete("abc")
    assert store.load("abc") is None


def test_sql_store(connection) -> None:  # type: ignore[no-untyped-def]
    store = SqlSessionStore(connection)
    _exercise(store)
    connection.execute(
        web_sessions.insert().values(
            id="old", data="{}", expires=utcnow() - datetime.timedelta(seconds=1)
        )
    )
    assert store.load("old") is None
    store.save("fresh", {}, ttl=60)  # sweeps expired rows
    assert (
        connection.execute(web_sessions.select().where(web_sessions.c.id == "old")).first() is None
    )


def test_redis_store(redis_url: str) -> None:
    store = RedisSessionStore.from_url(redis_url)
    _exercise(store)
    store.save("ttl", {}, ttl=30)
    assert 0 < redis_module.Redis.from_url(redis_url).ttl(store.prefix + "ttl") <= 30
