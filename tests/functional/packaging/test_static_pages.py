"""Published simple pages (packaging/static_pages.py): written when served, gone on change."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyramid.request import apply_request_extensions

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.queries import PIP_ACCEPT
from tests.common.services import replaced
from tests.common.uploads import basic_auth, upload
from warehouse_lite.packaging.cache import CachedPage
from warehouse_lite.packaging.static_pages import StaticPages, publish_page


@pytest.fixture
def pages(wsgi_app, tmp_path: Path, fast_reader) -> Iterator[StaticPages]:
    with replaced(wsgi_app, StaticPages, StaticPages(tmp_path / "pages")) as publisher:
        yield publisher


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

    directory = pages.published_dir("sample")
    assert files_in(directory) == {"index.v1json", "index.v1json.gz", "index.html", "index.html.gz"}
    assert (directory / "index.v1json").read_bytes() == json_page.body
    assert gzip.decompress((directory / "index.html.gz").read_bytes()) == html_page.body
    assert {"index.html", "index.html.gz"} <= files_in(pages.published_dir(None))


def test_a_change_withdraws_the_project_page_and_the_list(app, sample, pages):
    app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    app.get("/simple/")
    assert files_in(pages.published_dir("sample")) and files_in(pages.published_dir(None))

    upload(app, make_sdist("sample", "1.0"), auth=basic_auth("alice"))

    assert files_in(pages.published_dir("sample")) == set()
    assert files_in(pages.published_dir(None)) == set()
    republished = app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    assert b"sample-1.0.tar.gz" in (pages.published_dir("sample") / "index.v1json").read_bytes()
    assert b"sample-1.0.tar.gz" in republished.body


def test_an_in_process_cache_hit_publishes_a_withdrawn_page_again(app, sample, pages):
    app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    pages.clear()  # as gunicorn does when a worker exits; the worker caches still hold it
    app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})  # answered by simple_fast
    assert files_in(pages.published_dir("sample")) == {"index.v1json", "index.v1json.gz"}


def test_a_page_rendered_before_a_change_is_not_left_published(app, sample, pages, fast_reader):
    project_id, serial = fast_reader.project("sample")
    stale = CachedPage(b"old", "etag", "text/html")
    request = app.app.request_factory.blank("/simple/sample/")
    request.registry = app.app.registry
    apply_request_extensions(request)  # request.find_service

    publish_page(request, "sample", stale, (project_id, serial - 1), serial - 1)

    assert files_in(pages.published_dir("sample")) == set()


def test_nothing_is_published_without_a_serial_reader(app, sample, pages, wsgi_app):
    from warehouse_lite.packaging.cache import ISerialReader

    with replaced(wsgi_app, ISerialReader, None):
        app.get("/simple/sample/")
    assert files_in(pages.published_dir("sample")) == set()


def test_a_change_whose_pages_cannot_be_withdrawn_is_refused(app, sample, pages, monkeypatch, db):
    from sqlalchemy import func, select

    from warehouse_lite.packaging.models import File

    def refuse(name):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(pages, "forget", refuse)
    # A server fault: the request fails with a message (not a dropped connection, which is
    # what gunicorn makes of an OSError), and nothing commits.
    response = upload(app, make_sdist("sample", "1.0"), auth=basic_auth("alice"), status=503)
    assert "could not read or write a file" in response.status
    assert response.headers["Retry-After"] == "30"
    assert db.scalar(select(func.count()).select_from(File)) == 1  # only the wheel


def test_the_list_follows_a_change_that_commits_with_an_older_serial(app, sample, pages, db):
    """Journal ids are taken before commit: a change can commit under an id older than the
    newest. The project list must not keep the project's previous serial."""
    from sqlalchemy import update

    from warehouse_lite.packaging.models import Project

    first = app.get("/simple/", headers={"Accept": PIP_ACCEPT}).json
    serial = first["projects"][0]["_last-serial"]
    UserFactory(username="bob")
    upload(app, make_wheel("other", "1.0"), auth=basic_auth("bob"))
    app.get("/simple/", headers={"Accept": PIP_ACCEPT})
    # "sample" commits a change journaled under an id between its serial and the newest one.
    db.execute(update(Project).where(Project.name == "sample").values(last_serial=serial + 1))

    listing = app.get("/simple/", headers={"Accept": PIP_ACCEPT}).json
    assert {p["name"]: p["_last-serial"] for p in listing["projects"]}["sample"] == serial + 1
