"""Cache hits of the simple index without the full request pipeline.

Installers fetch /simple/<name>/ far more often than anything changes, and views/simple.py already
caches each rendered page under the serial of the data it shows. What a hit still cost was the
machinery around it: a pooled connection checked with a ping, a transaction (BEGIN ... COMMIT)
opened by pyramid_tm, an ORM load of the project, route and view lookup: about six database
round trips and most of the CPU of a request, for one number.

This tween sits just below the security-headers tween (so its responses carry the same
headers) and above pyramid_tm. For a GET of /simple/ or /simple/<normalized-name>/ it reads the
current serial with ONE autocommit query on a small pool of its own (no ping, no transaction,
no ORM) and, when the page for that serial is in the cache, answers with simple_http.page_response,
exactly what the view would have sent. Everything else goes down the normal path unchanged: a
cache miss (which the view renders and stores), an unknown project (404), a name to redirect,
an unacceptable Accept header, HEAD, and any database error. The serial is read at request
time from committed data, so a page is never staler than through the view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from sqlalchemy import bindparam, create_engine, select
from sqlalchemy.engine import Engine

from warehouse_lite.db import get_engine
from warehouse_lite.packaging import simple_http
from warehouse_lite.packaging.cache import ISerialReader
from warehouse_lite.packaging.models import Project
from warehouse_lite.packaging.static_pages import publish_page

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

log = logging.getLogger(__name__)

__all__ = ["ISerialReader", "PostgresSerialReader", "SerialReader", "simple_fast_tween_factory"]


def _project_statement() -> Any:
    return select(Project.id, Project.last_serial).where(
        Project.normalized_name == bindparam("name")
    )


class SerialReader:
    """Reads the serials the simple pages are cached under, one query each.

    The base class runs the statements on a SQLAlchemy connection given by ``connect``
    (tests pass their transaction's connection); PostgresSerialReader is the production one.
    """

    def __init__(self, connect: Callable[[], Any] | None = None) -> None:
        self._connect = connect
        self.project_statement = _project_statement()
        self.index_statement = simple_http.index_state_statement()

    def project(self, normalized_name: str) -> tuple[Hashable, int] | None:
        """(project id, last serial) of a project, or None if there is no such project."""
        assert self._connect is not None
        row = self._connect().execute(self.project_statement, {"name": normalized_name}).first()
        return None if row is None else (row[0], int(row[1]))

    def index_serial(self) -> tuple[int, int, int]:
        """What the project list is cached under (simple_http.index_state_statement)."""
        assert self._connect is not None
        return simple_http.index_state(self._connect().execute(self.index_statement).first())


class PostgresSerialReader(SerialReader):
    """Autocommit queries on a dedicated pool: no pre-ping, no BEGIN/COMMIT, no reset."""

    def __init__(self, engine: Engine, pool_size: int = 4) -> None:
        super().__init__()
        self.engine = create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pool_reset_on_return=None,
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            pool_recycle=3600,
        )
        dialect = self.engine.dialect
        self._project_sql = str(self.project_statement.compile(dialect=dialect))
        self._index_sql = str(self.index_statement.compile(dialect=dialect))

    def _fetchone(self, sql: str, params: dict[str, Any]) -> Any:
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, params)
                return cursor.fetchone()
            finally:
                cursor.close()
        except Exception:
            # A broken connection must not go back to the pool; the caller falls back.
            conn.invalidate()
            raise
        finally:
            conn.close()

    def project(self, normalized_name: str) -> tuple[Hashable, int] | None:
        row = self._fetchone(self._project_sql, {"name": normalized_name})
        return None if row is None else (row[0], int(row[1]))

    def index_serial(self) -> tuple[int, int, int]:
        return simple_http.index_state(self._fetchone(self._index_sql, {}))


def simple_fast_tween_factory(handler: Any, registry: Any) -> Any:
    def tween(request: Request) -> Response:
        if request.method != "GET":
            return handler(request)
        reader: SerialReader | None = request.find_service(ISerialReader)
        if reader is None:
            return handler(request)
        try:
            response = _from_cache(request, reader)
        except Exception:
            log.warning("simple fast path failed; using the full path", exc_info=True)
            response = None
        return handler(request) if response is None else response

    return tween


def _from_cache(request: Request, reader: SerialReader) -> Response | None:
    """The cached response for this request, or None to let the full path answer."""
    index_path = request.route_path("simple.index")
    path = request.script_name + request.path_info
    if not path.startswith(index_path):
        return None
    name = path[len(index_path) :]
    if name and (not name.endswith("/") or "/" in name[:-1] or name == "/"):
        return None
    content_type = simple_http.negotiate(request)
    if content_type is None:
        return None
    cache = simple_http.page_cache(request)
    if not name:
        state = reader.index_serial()
        serial = state[0]
        page = cache.get(simple_http.index_key(state, content_type, index_path))
        if page is not None:
            publish_page(request, None, page, state, serial)
    else:
        name = name[:-1]
        if canonicalize_name(name) != name:
            return None
        found = reader.project(name)
        if found is None:
            return None
        project_id, serial = found
        files_prefix = request.route_path("packaging.file", path="")
        page = cache.get(simple_http.detail_key(project_id, serial, content_type, files_prefix))
        if page is not None:
            publish_page(request, name, page, found, serial)
    if page is None:
        return None
    return simple_http.page_response(request, page, serial)


def includeme(config: Configurator) -> None:
    engine = get_engine(config.registry)
    use_fast_path = engine.dialect.name == "postgresql"
    config.register_service(PostgresSerialReader(engine) if use_fast_path else None, ISerialReader)
