"""The simple pages run a constant number of SQL queries, however many files a project has."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.common.packaging_factories import FileFactory, ProjectFactory, ReleaseFactory
from tests.common.queries import PIP_ACCEPT, count_queries
from tests.common.services import singleton
from warehouse_lite.packaging.cache import PageCache


def _project_with_files(name: str, count: int) -> None:
    project = ProjectFactory(name=name)
    releases = [ReleaseFactory(project=project, version=f"1.{i}", sort_key=i) for i in range(10)]
    for i in range(count):
        release = releases[i % len(releases)]
        filename = f"{name}-{release.version}-py3-none-any-{i}.whl"
        digest = hashlib.sha256(filename.encode()).hexdigest()
        FileFactory(
            release=release,
            filename=filename,
            path=f"{digest[:2]}/{filename}",
            packagetype="bdist_wheel",
            metadata_sha256=digest,
        )
    project.last_serial = 1000 + count


@pytest.mark.parametrize("accept", [PIP_ACCEPT, "text/html"], ids=["json", "html"])
def test_query_count_does_not_grow_with_files(app, db, engine, wsgi_app, accept):
    _project_with_files("one-file", 1)
    _project_with_files("many-files", 500)
    db.flush()
    counts = {}
    for name, expected_files in [("one-file", 1), ("many-files", 500)]:
        singleton(wsgi_app, PageCache).clear()  # measure the uncached path
        with count_queries(engine) as statements:
            response = app.get(f"/simple/{name}/", headers={"Accept": accept})
        if accept == PIP_ACCEPT:
            assert len(json.loads(response.body)["files"]) == expected_files
        else:
            assert response.text.count("<a href=") == expected_files
        counts[name] = len(statements)
    assert counts["one-file"] == counts["many-files"]
    assert counts["many-files"] <= 3, counts


def test_a_cached_page_needs_only_the_project_lookup(app, db, engine, wsgi_app):
    _project_with_files("cached", 50)
    db.flush()
    singleton(wsgi_app, PageCache).clear()
    with count_queries(engine) as first:
        app.get("/simple/cached/", headers={"Accept": PIP_ACCEPT})
    with count_queries(engine) as second:
        app.get("/simple/cached/", headers={"Accept": PIP_ACCEPT})
    assert len(second) == len(first) - 1
    assert "release_files" not in " ".join(second)
