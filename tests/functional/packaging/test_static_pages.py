"""Published simple pages (packaging/static_pages.py): written when served, gone on change."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.queries import PIP_ACCEPT
from tests.common.uploads import basic_auth, upload
from warehouse_lite.packaging.cache import CachedPage
from warehouse_lite.packaging.static_pages import REGISTRY_KEY, StaticPages, publish_page


@pytest.fixture
def pages(wsgi_app, tmp_path: Path, fast_reader) -> Iterator[StaticPages]:
    registry = wsgi_app.registry
    previous = registry[REGISTRY_KEY]
    registry[REGISTRY_KEY] = publisher = StaticPages(tmp_path / "pages")
    yield publisher
    registry[REGISTRY_KEY] = previous


@pytest.fixture
def sample(app, db, storage_dir, pages) -> None:
    UserFactory(username="alice")
    upload(app, make_wheel("sample", "1.0"), auth=basic_auth("alice"))


def files_in(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir() if p.is_file()} if directory.exists() else set()


def test_each_variant_served_is_published_with_a_gzip_twin(app, sample, pages):
    json_page = app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    html_page = app.get("/simple/sample/", headers={"Accept": "text/html"})
    app.get("/simple/")

    directory = pages.page_dir("sample")
    assert files_in(directory) == {"index.v1json", "index.v1json.gz", "index.html", "index.html.gz"}
    assert (directory / "index.v1json").read_bytes() == json_page.body
    assert gzip.decompress((directory / "index.html.gz").read_bytes()) == html_page.body
    assert {"index.html", "index.html.gz"} <= files_in(pages.page_dir(None))


def test_a_change_withdraws_the_project_page_and_the_list(app, sample, pages):
    app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    app.get("/simple/")
    assert files_in(pages.page_dir("sample")) and files_in(pages.page_dir(None))

    upload(app, make_sdist("sample", "1.0"), auth=basic_auth("alice"))

    assert files_in(pages.page_dir("sample")) == set()
    assert files_in(pages.page_dir(None)) == set()
    republished = app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    assert b"sample-1.0.tar.gz" in (pages.page_dir("sample") / "index.v1json").read_bytes()
    assert b"sample-1.0.tar.gz" in republished.body


def test_an_in_process_cache_hit_publishes_a_withdrawn_page_again(app, sample, pages):
    app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    pages.clear()  # as gunicorn does when a worker exits; the worker caches still hold it
    app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})  # answered by simple_fast
    assert files_in(pages.page_dir("sample")) == {"index.v1json", "index.v1json.gz"}


def test_a_page_rendered_before_a_change_is_not_left_published(app, sample, pages, fast_reader):
    project_id, serial = fast_reader.project("sample")
    stale = CachedPage(b"old", "etag", "text/html")
    request = app.app.request_factory.blank("/simple/sample/")
    request.registry = app.app.registry

    publish_page(request, "sample", stale, (project_id, serial - 1))

    assert files_in(pages.page_dir("sample")) == set()


def test_nothing_is_published_without_a_serial_reader(app, sample, pages, wsgi_app):
    from warehouse_lite.packaging.cache import READER_KEY

    wsgi_app.registry[READER_KEY] = None
    app.get("/simple/sample/")
    assert files_in(pages.page_dir("sample")) == set()
