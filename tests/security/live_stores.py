"""The two session stores behind real servers, for the race tests.

- ``sql``: the embedded mode as `make serve` runs it (`warehouse-lite serve`: waitress threads,
  SQLite, sessions in the ``web_sessions`` table);
- ``redis``: the production shape (gunicorn workers, PostgreSQL, sessions in Redis; see
  tests/e2e/servers.py).

The test process opens the server's own session store and database to seed sessions and
users and to look at what is left; everything else goes over HTTP.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests
from itsdangerous import Signer
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import warehouse_lite.models  # noqa: F401  (every mapper)
from tests.common.db import throwaway_database_url
from tests.e2e.servers import BIN, LiveServer, Process, free_port, wait_for_port
from warehouse_lite.accounts.services import UserService
from warehouse_lite.db import make_engine
from warehouse_lite.sessions.keys import SESSION_PASSWORD_DATE_KEY, SESSION_USER_KEY
from warehouse_lite.sessions.session import COOKIE_NAME
from warehouse_lite.sessions.stores import RedisSessionStore, SessionStore, SqlSessionStore
from warehouse_lite.settings import load_settings

PASSWORD = "a race test password"
SESSION_SECRET = "race-session-secret-" + "s" * 40
TOKEN_SECRET = "race-token-secret-" + "t" * 40
PG_SERVER = os.environ.get(
    "WAREHOUSE_E2E_DATABASE", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# The races make many refused attempts on purpose (the losers of each race); the limits are
# not what these tests are about, so they are raised on these servers only.
RACE_LIMITS = {
    "TWO_FACTOR_RATE_LIMIT_USER": "10000 per 5 minutes",
    "TWO_FACTOR_RATE_LIMIT_IP": "10000 per 5 minutes",
    "LOGIN_RATE_LIMIT_IP": "10000 per 5 minutes",
}


@dataclass
class Deployment:
    """One running server and handles on its session store and database."""

    name: str
    url: str
    store: SessionStore
    engine: Engine
    session_secret: str
    logs: Callable[[], str]

    @property
    def signer(self) -> Signer:
        return Signer(self.session_secret, salt="warehouse_lite.session")

    def cookies(self, session_id: str) -> dict[str, str]:
        return {COOKIE_NAME: self.signer.sign(session_id).decode()}

    def session_id_of(self, response: requests.Response) -> str | None:
        """The session id a response's Set-Cookie hands out, if any."""
        cookie = response.cookies.get(COOKIE_NAME)
        return self.signer.unsign(cookie.strip('"')).decode() if cookie else None

    def new_session(self, data: dict[str, Any]) -> tuple[str, str]:
        """A session stored as a browser's would be, with ``data``; (session id, CSRF token)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        self.store.save(session_id, {**data, "_csrft_": csrf, "_created": time.time()}, 3600)
        return session_id, csrf

    def create_user(self, prefix: str, password: str = PASSWORD) -> uuid.UUID:
        username = f"{prefix}-{uuid.uuid4().hex[:8]}"
        with Session(self.engine, expire_on_commit=False) as db, db.begin():
            user = UserService(db).create_user(
                username, "", password, f"{username}@example.com", verified=True
            )
        return user.id

    def logged_in(self, user_id: uuid.UUID) -> dict[str, Any]:
        """What complete_login leaves in a session (the password stamp read afresh)."""
        with Session(self.engine) as db:
            user = UserService(db).get_user(user_id)
            assert user is not None
            return {
                SESSION_USER_KEY: str(user.id),
                SESSION_PASSWORD_DATE_KEY: user.password_date.isoformat(),
            }

    def username(self, user_id: uuid.UUID) -> str:
        with Session(self.engine) as db:
            user = UserService(db).get_user(user_id)
            assert user is not None
            return user.username


def together(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every call from its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


class EmbeddedServer:
    """`warehouse-lite serve` (waitress, 8 threads) on SQLite, with no other service."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.var_dir = work_dir / "var"
        self.process: Process | None = None

    def start(self) -> None:
        unset = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "FILES_DIR"}
        env = {k: v for k, v in os.environ.items() if k not in unset}
        env.update(
            WAREHOUSE_ENV="development",
            VAR_DIR=str(self.var_dir),
            SESSION_SECRET=SESSION_SECRET,
            TOKEN_SECRET=TOKEN_SECRET,
            SITE_URL=self.url,
            MAIL_BACKEND="outbox",
            PYTHONUNBUFFERED="1",
            **RACE_LIMITS,
        )
        args = [str(BIN / "warehouse-lite"), "serve", "--host", "127.0.0.1", "--port"]
        self.process = Process("waitress", [*args, str(self.port)], env, self.work_dir)
        wait_for_port(self.port, timeout=60, process=self.process.start())

    def engine(self) -> Engine:
        settings = load_settings(
            {},
            var_dir=self.var_dir,
            session_secret=SESSION_SECRET,
            token_secret=TOKEN_SECRET,
            site_url=self.url,
        )
        return make_engine(settings)

    def logs(self) -> str:
        return self.process.log() if self.process else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@pytest.fixture(scope="module", params=["sql", "redis"], name="deployment")
def deployment_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: Any
) -> Iterator[Deployment]:
    """Each session store behind its real server (module-wide: started once per store)."""
    work_dir = Path(tmp_path_factory.mktemp(f"races-{request.param}"))
    if request.param == "sql":
        embedded = EmbeddedServer(work_dir)
        embedded.start()
        engine = embedded.engine()
        try:
            store = SqlSessionStore(engine)
            yield Deployment("sql", embedded.url, store, engine, SESSION_SECRET, embedded.logs)
        finally:
            embedded.stop()
            engine.dispose()
        return
    with throwaway_database_url(work_dir, server=PG_SERVER) as db_url:
        server = LiveServer(db_url, work_dir, workers=4)
        engine = create_engine(db_url)
        try:
            # LiveServer hands its own environment (os.environ plus its settings) to gunicorn.
            with mock.patch.dict(os.environ, RACE_LIMITS):
                server.start()
            store = RedisSessionStore.from_url(server.env["REDIS_URL"])
            secret = server.env["SESSION_SECRET"]
            yield Deployment("redis", server.url, store, engine, secret, server.logs)
        finally:
            server.stop()
            engine.dispose()
