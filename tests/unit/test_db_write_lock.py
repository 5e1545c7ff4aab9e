"""SQLite's write lock can wait until a request writes (db.defer_write_lock)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from warehouse_lite.db import defer_write_lock, make_engine, take_write_lock


def _sqlite(tmp_path: Path) -> Engine:
    engine = make_engine(SimpleNamespace(sqlalchemy_url=f"sqlite:///{tmp_path / 'lock.db'}"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    return engine


def _values(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT x FROM t ORDER BY x")]


def test_others_write_while_a_deferred_session_reads(tmp_path):
    engine = _sqlite(tmp_path)
    with Session(engine) as session:
        assert defer_write_lock(session)
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
        # Without the deferral this would wait out the busy timeout: the session would hold
        # the lock since its first statement.
        with engine.begin() as other:
            other.exec_driver_sql("INSERT INTO t VALUES (1)")
        take_write_lock(session)
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1  # reads anew
        session.execute(text("INSERT INTO t VALUES (2)"))
        session.commit()
    assert _values(engine) == [1, 2]
    engine.dispose()


def test_a_deferred_transaction_still_rolls_back(tmp_path):
    engine = _sqlite(tmp_path)
    with Session(engine) as session:
        assert defer_write_lock(session)
        take_write_lock(session)
        session.execute(text("INSERT INTO t VALUES (3)"))
        session.rollback()
    assert _values(engine) == []
    with Session(engine) as session:  # the pooled connection is back to BEGIN IMMEDIATE
        session.execute(text("INSERT INTO t VALUES (4)"))
        assert session.connection().connection.dbapi_connection.in_transaction
        session.commit()
    assert _values(engine) == [4]
    engine.dispose()


def test_nothing_is_deferred_where_it_cannot_be(tmp_path, engine):
    sqlite = _sqlite(tmp_path)
    with Session(sqlite) as begun:
        begun.execute(text("SELECT 1"))
        assert not defer_write_lock(begun)  # the transaction has begun already
    with sqlite.connect() as conn, Session(bind=conn) as bound:
        assert not defer_write_lock(bound)  # an outer transaction owns the connection
    sqlite.dispose()
    with Session(engine) as session:  # the test database: PostgreSQL takes no lock to read
        assert defer_write_lock(session) == (engine.dialect.name == "sqlite")
