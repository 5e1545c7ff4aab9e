"""Database engine, the request-scoped session and the declarative base.

`request.db` is a SQLAlchemy session joined to the request's transaction (pyramid_tm +
zope.sqlalchemy): it commits when the view returns normally and rolls back on any error.
"""

from __future__ import annotations

import datetime
import select
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import transaction as transaction_module
import zope.sqlalchemy
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from warehouse_lite.registry_slots import RegistrySlot
from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.registry import Registry
    from pyramid.request import Request

    from warehouse_lite.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value

    def process_result_value(self, value: datetime.datetime | None, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime.datetime: UTCDateTime()}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite defers BEGIN until the first write, which lets two writers read stale rows and
    # then fail with "database is locked". BEGIN IMMEDIATE serialises writers up front.
    # Connections set to AUTOCOMMIT only read (the session store's loads): they must not wait
    # for the write lock, which the request that asks for them may hold itself.
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def defer_write_lock(session: Session) -> bool:
    """Let ``session``'s transaction begin without SQLite's write lock; True if it did.

    Every SQLite transaction takes the write lock at BEGIN (above), and so does a request that
    only reads: readers queue behind whoever holds it. A request that reads first and then
    works for a while before it writes (an upload: credentials, then archive checks and
    rendering) calls this before its first statement: its statements then run in autocommit
    (each its own snapshot, never waiting for the lock or holding it) until it calls
    ``take_write_lock``. What it read before may have changed by then; the caller reads again
    what it relies on.

    False, and nothing changes, on PostgreSQL (reads take no lock there), when the
    transaction has already begun, or when the session is bound to a connection rather than
    an engine (the functional tests' outer transaction).
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not isinstance(bind, Engine) or session.in_transaction():
        return False
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True


def take_write_lock(session: Session) -> None:
    """After ``defer_write_lock``: begin the transaction proper (BEGIN IMMEDIATE, waiting for
    the lock as any writer does). Its commit or rollback is the request's, as usual."""
    session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _server_may_have_closed(dbapi_connection: Any) -> bool:
    # An idle pooled connection has nothing to read. One the server closed (a restart, a
    # terminated backend, an idle timeout) has its goodbye waiting: an error message, then
    # end of file; a reset connection reports an error or hang-up.
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _check_on_checkout(engine: Engine) -> None:
    """Instead of pool_pre_ping's round trip on every checkout: look at the connection's
    socket, and ping only when it shows something (the rare case; TLS can also leave bytes
    to read). A connection that fails the ping is replaced (DisconnectionError makes the pool
    discard it and connect anew), as with pool_pre_ping."""

    def check(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        if not _server_may_have_closed(dbapi_connection):
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError(f"the database connection was closed: {exc}") from exc
        if not alive:
            raise DisconnectionError("the database connection was closed")

    event.listen(engine, "checkout", check)


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    """Engine for the configured database; SQLite gets WAL, a busy timeout and foreign keys."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "isolation_level": None}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _check_on_checkout(engine)
    return engine


def get_tm_session(
    factory: sessionmaker[Session], transaction_manager: transaction_module.TransactionManager
) -> Session:
    """A session whose commit/rollback is driven by ``transaction_manager``."""
    session = factory()
    zope.sqlalchemy.register(session, transaction_manager=transaction_manager)
    return session


@contextmanager
def task_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for work outside a request (Celery tasks, CLI): commit on success."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_ENGINE: RegistrySlot[Engine] = RegistrySlot("warehouse_lite.db.engine")
_SESSIONMAKER: RegistrySlot[sessionmaker[Session]] = RegistrySlot("warehouse_lite.db.sessionmaker")


def use_engine(registry: Registry, engine: Engine) -> None:
    """Make the app use ``engine`` instead of one made from the settings (before includeme)."""
    _ENGINE.put(registry, engine)


def get_engine(registry: Registry) -> Engine:
    return _ENGINE.get(registry)


def get_sessionmaker(registry: Registry) -> sessionmaker[Session]:
    """The factory of the app's ORM sessions (tasks and background work outside requests)."""
    return _SESSIONMAKER.get(registry)


def _request_db(request: Request) -> Session:
    return get_tm_session(get_sessionmaker(request.registry), request.tm)


def includeme(config: Configurator) -> None:
    settings = get_settings(config.registry)
    if not _ENGINE.is_set(config.registry):
        use_engine(config.registry, make_engine(settings))
    engine = get_engine(config.registry)
    _SESSIONMAKER.put(config.registry, sessionmaker(bind=engine, expire_on_commit=False))
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    config.add_request_method(_request_db, "db", reify=True)
