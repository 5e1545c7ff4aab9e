"""The simple fast path (packaging/simple_fast.py): cache hits with one query, same answers.

The app under test shares the test's rolled-back connection, so the fast path is given a
reader on that connection too (in production it has its own autocommit pool).
"""

from __future__ import annotations

import pytest

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.queries import PIP_ACCEPT, count_queries
from tests.common.services import replaced
from tests.common.uploads import basic_auth, upload
from warehouse_lite.packaging.simple_fast import ISerialReader, SerialReader

ACCEPTS = [PIP_ACCEPT, "text/html"]


class BrokenReader(SerialReader):
    def project(self, normalized_name):
        raise ConnectionError("database went away")

    def index_serial(self):
        raise ConnectionError("database went away")


@pytest.fixture
def published(app, db, storage_dir, fast_reader):
    UserFactory(username="alice")
    upload(app, make_wheel("sample", "1.0"), auth=basic_auth("alice"))
    upload(app, make_sdist("sample", "1.0"), auth=basic_auth("alice"))


def _comparable(response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k not in ("Date", "Server")}
    return response.status_int, response.body, headers


@pytest.mark.parametrize("accept", ACCEPTS, ids=["json", "html"])
@pytest.mark.parametrize("path", ["/simple/sample/", "/simple/"], ids=["detail", "index"])
def test_a_hit_costs_one_query_and_answers_like_the_view(app, engine, published, path, accept):
    with count_queries(engine) as full:
        first = app.get(path, headers={"Accept": accept})  # renders and fills the cache
    with count_queries(engine) as fast:
        second = app.get(path, headers={"Accept": accept})

    assert len(full) > 1
    assert len(fast) == 1, fast
    assert _comparable(second) == _comparable(first)
    assert second.headers["X-Content-Type-Options"] == "nosniff"  # security headers kept
    assert ("sample-1.0.tar.gz" if path == "/simple/sample/" else "sample") in second.text


def test_a_new_upload_is_visible_at_once(app, published):
    before = app.get("/simple/sample/", headers={"Accept": "text/html"})
    app.get("/simple/sample/", headers={"Accept": "text/html"})  # served from the cache
    app.get("/simple/", headers={"Accept": "text/html"})

    upload(app, make_wheel("sample", "2.0"), auth=basic_auth("alice"))
    upload(app, make_wheel("newcomer", "0.1"), auth=basic_auth("alice"))

    after = app.get("/simple/sample/", headers={"Accept": "text/html"})
    assert "sample-2.0-py3-none-any.whl" in after.text
    assert "sample-2.0-py3-none-any.whl" not in before.text
    assert int(after.headers["X-PyPI-Last-Serial"]) > int(before.headers["X-PyPI-Last-Serial"])
    assert "newcomer" in app.get("/simple/", headers={"Accept": "text/html"}).text


def test_conditional_get_of_a_cached_page_is_a_304(app, engine, published):
    etag = app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT}).headers["ETag"]
    with count_queries(engine) as fast:
        response = app.get(
            "/simple/sample/", headers={"Accept": PIP_ACCEPT, "If-None-Match": etag}, status=304
        )
    assert len(fast) == 1
    assert response.body == b""


def test_everything_else_takes_the_full_path(app, published):
    for _ in range(2):  # the second time the pages are cached
        app.get("/simple/sample/", headers={"Accept": "text/html"})
        assert app.get("/simple/Sample/", status=301).location.endswith("/simple/sample/")
        app.get("/simple/missing/", status=404)
        app.get("/simple/sample/", headers={"Accept": "application/xml"}, status=406)
        head = app.head("/simple/sample/", headers={"Accept": "text/html"})
        assert head.status_int == 200
    via_format = app.get("/simple/sample/?format=application/vnd.pypi.simple.v1%2Bjson")
    assert via_format.content_type == "application/vnd.pypi.simple.v1+json"


def test_a_failing_reader_falls_back_to_the_view(app, wsgi_app, published):
    expected = app.get("/simple/sample/", headers={"Accept": "text/html"})
    with replaced(wsgi_app, ISerialReader, BrokenReader()):
        response = app.get("/simple/sample/", headers={"Accept": "text/html"})

    assert _comparable(response) == _comparable(expected)


def test_the_postgres_reader_runs_its_compiled_statements(engine):
    """PostgresSerialReader sends the statements compiled to SQL text without parameters."""
    from warehouse_lite.packaging.simple_fast import PostgresSerialReader

    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    reader = PostgresSerialReader(engine, pool_size=1)
    try:
        serial, projects, serial_sum = reader.index_serial()
        assert serial >= 0 and projects >= 0 and serial_sum >= 0
        assert reader.project("no-such-project-anywhere") is None
    finally:
        reader.engine.dispose()
