"""/pypi/<name>/json and /pypi/<name>/<version>/json in PyPI's shape."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, upload
from warehouse_lite.packaging.models import Project, Release


@pytest.fixture
def project(app, db, storage_dir):
    UserFactory(username="alice")
    auth = basic_auth("alice")
    rich = {
        "requires_dist": ["other>=1.0", 'extra-thing; extra == "fast"'],
        "classifiers": ["Programming Language :: Python :: 3"],
        "project_urls": ["Homepage, https://example.com", "Issues, https://example.com/i"],
    }
    upload(app, make_wheel("Sample", "1.0", **rich), auth=auth)
    upload(app, make_sdist("Sample", "1.0", **rich), auth=auth)
    upload(app, make_wheel("Sample", "2.0b1"), auth=auth)  # a pre-release
    upload(app, make_wheel("Sample", "1.5"), auth=auth)
    release = db.scalar(select(Release).where(Release.version == "1.5"))
    release.yanked, release.yanked_reason = True, "broken"
    release.project.last_serial += 1
    db.flush()
    return db.scalar(select(Project).where(Project.normalized_name == "sample"))


def test_project_json(app, project):
    response = app.get("/pypi/Sample/json")
    assert response.content_type == "application/json"
    assert response.headers["X-PyPI-Last-Serial"] == str(project.last_serial)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json
    assert set(data) == {"info", "last_serial", "releases", "urls", "vulnerabilities"}
    assert data["last_serial"] == project.last_serial
    assert data["vulnerabilities"] == []
    info = data["info"]
    # The newest final, non-yanked release (not 2.0b1, not the yanked 1.5).
    assert info["version"] == "1.0"
    assert info["name"] == "Sample"
    assert info["summary"] == "A small test package"
    assert info["requires_dist"] == ["other>=1.0", 'extra-thing; extra == "fast"']
    assert info["requires_python"] == ">=3.8"
    assert info["classifiers"] == ["Programming Language :: Python :: 3"]
    assert info["project_urls"] == {
        "Homepage": "https://example.com",
        "Issues": "https://example.com/i",
    }
    assert info["license_expression"] == "MIT"
    assert info["description_content_type"] == "text/markdown"
    assert info["description"].startswith("# Sample")
    assert info["package_url"] == "http://localhost/project/sample/"
    assert info["release_url"] == "http://localhost/project/sample/1.0/"
    assert info["yanked"] is False and info["yanked_reason"] is None
    assert info["author_email"] == "Sample Author <author@example.com>"
    assert info["keywords"] == "sample,test"
    assert set(data["releases"]) == {"1.0", "1.5", "2.0b1"}
    assert [f["packagetype"] for f in data["urls"]] == ["bdist_wheel", "sdist"]
    assert data["releases"]["1.5"][0]["yanked"] is True
    assert data["releases"]["1.5"][0]["yanked_reason"] == "broken"


def test_file_entries(app, project):
    data = app.get("/pypi/Sample/json").json
    wheel = data["urls"][0]
    assert wheel["filename"] == "sample-1.0-py3-none-any.whl"
    assert set(wheel["digests"]) == {"blake2b_256", "md5", "sha256"}
    assert wheel["md5_digest"] == wheel["digests"]["md5"]
    assert wheel["python_version"] == "py3"
    assert wheel["requires_python"] == ">=3.8"
    assert wheel["size"] > 0
    assert wheel["url"].startswith("http://localhost/packages/")
    assert wheel["url"].endswith("/sample-1.0-py3-none-any.whl")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", wheel["upload_time"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", wheel["upload_time_iso_8601"])
    assert wheel["has_sig"] is False and wheel["downloads"] == -1
    # The URL really serves the file.
    body = app.get(wheel["url"].removeprefix("http://localhost")).body
    assert hashlib.sha256(body).hexdigest() == wheel["digests"]["sha256"]


def test_release_json(app, project):
    data = app.get("/pypi/Sample/2.0b1/json").json
    assert set(data) == {"info", "last_serial", "urls", "vulnerabilities"}
    assert data["info"]["version"] == "2.0b1"
    assert [f["filename"] for f in data["urls"]] == ["sample-2.0b1-py3-none-any.whl"]
    # Version spellings that mean the same release find it.
    assert app.get("/pypi/Sample/1.0.0/json").json["info"]["version"] == "1.0"
    assert app.get("/pypi/Sample/2.0.beta1/json").json["info"]["version"] == "2.0b1"


def test_missing_things_are_404(app, project):
    app.get("/pypi/nothing/json", status=404)
    app.get("/pypi/Sample/9.9/json", status=404)
    app.get("/pypi/Sample/not a version/json", status=404)


def test_other_spellings_redirect_to_the_project_name(app, project):
    assert app.get("/pypi/sample/json", status=301).location.endswith("/pypi/Sample/json")
    response = app.get("/pypi/SAMPLE/1.0/json", status=301)
    assert response.location.endswith("/pypi/Sample/1.0/json")


def test_all_yanked_falls_back_to_newest(app, db, project):
    for release in project.releases:
        release.yanked = True
    project.last_serial += 1
    db.flush()
    assert app.get("/pypi/Sample/json").json["info"]["version"] == "2.0b1"
