"""Fixtures shared by every test family."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

import warehouse_lite.models  # noqa: F401
from tests.common.db import throwaway_database_url
from tests.common.factories import TEST_PASSWORD_COST
from warehouse_lite import migrations
from warehouse_lite.db import make_engine
from warehouse_lite.settings import Settings, load_settings


@pytest.fixture(scope="session")
def session_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse_lite")


@pytest.fixture(scope="session")
def database_url(session_tmp: Path) -> Iterator[str]:
    with throwaway_database_url(session_tmp) as url:
        yield url


@pytest.fixture(scope="session")
def settings(session_tmp: Path, database_url: str) -> Settings:
    return load_settings(
        {},
        env="test",
        var_dir=session_tmp / "var",
        database_url=database_url,
        session_secret="s" * 40,
        token_secret="t" * 40,
        site_url="http://localhost",
        mail_backend="outbox",
        mail_outbox_dir=session_tmp / "mail",
        celery_eager=True,
        password_hash_time_cost=TEST_PASSWORD_COST.time_cost,
        password_hash_memory_cost=TEST_PASSWORD_COST.memory_cost,
        password_hash_parallelism=TEST_PASSWORD_COST.parallelism,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    # The schema comes from the migrations, so every test also proves they match the models.
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """An ORM session inside the test's transaction; commits become savepoints."""
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    from tests.common import factories

    factories.bind(session)
    yield session
    session.close()
