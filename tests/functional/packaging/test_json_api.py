"""/pypi/<name>/json and /pypi/<name>/<version>/json in PyPI's shape."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, upload
from warehouse_lite.packaging.models import Project, Release, Role, RoleName

# The keys of pypi.org's answers (Warehouse's JSON view, as documented in its
# docs/user/api/json.md, and pypi.org's responses as compared in issue 13). The answers here
# must have exactly these: no key missing, none added.
WAREHOUSE_PROJECT_KEYS = {"info", "last_serial", "ownership", "releases", "urls", "vulnerabilities"}
WAREHOUSE_RELEASE_KEYS = WAREHOUSE_PROJECT_KEYS - {"releases"}
WAREHOUSE_INFO_KEYS = {
    "author", "author_email", "bugtrack_url", "classifiers", "description",
    "description_content_type", "docs_url", "download_url", "downloads", "dynamic", "home_page",
    "keywords", "license", "license_expression", "license_files", "maintainer",
    "maintainer_email", "name", "package_url", "platform", "project_url", "project_urls",
    "provides_extra", "release_url", "requires_dist", "requires_python", "summary", "version",
    "yanked", "yanked_reason",
}  # fmt: skip
WAREHOUSE_FILE_KEYS = {
    "comment_text", "core-metadata", "data-dist-info-metadata", "digests", "downloads",
    "filename", "has_sig", "md5_digest", "packagetype", "python_version", "requires_python",
    "size", "upload_time", "upload_time_iso_8601", "url", "yanked", "yanked_reason",
}  # fmt: skip
WAREHOUSE_DIGEST_KEYS = {"blake2b_256", "md5", "sha256"}
WAREHOUSE_DOWNLOADS_KEYS = {"last_day", "last_month", "last_week"}
WAREHOUSE_OWNERSHIP_KEYS = {"organization", "roles"}
WAREHOUSE_ROLE_KEYS = {"role", "user"}


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
    assert "releases" not in data
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


def _key_problems(where: str, got: dict, expected: set[str]) -> list[str]:
    missing = sorted(expected - set(got))
    extra = sorted(set(got) - expected)
    return [f"{where}: missing {missing}, extra {extra}"] if missing or extra else []


def _schema_problems(data: dict, top_keys: set[str]) -> list[str]:
    problems = _key_problems("top level", data, top_keys)
    problems += _key_problems("info", data["info"], WAREHOUSE_INFO_KEYS)
    problems += _key_problems("info.downloads", data["info"]["downloads"], WAREHOUSE_DOWNLOADS_KEYS)
    problems += _key_problems("ownership", data.get("ownership", {}), WAREHOUSE_OWNERSHIP_KEYS)
    for role in data.get("ownership", {}).get("roles", []):
        problems += _key_problems("ownership.roles[]", role, WAREHOUSE_ROLE_KEYS)
    files = list(data["urls"])
    for release_files in data.get("releases", {}).values():
        files += release_files
    assert files
    for file in files:
        problems += _key_problems(file["filename"], file, WAREHOUSE_FILE_KEYS)
        problems += _key_problems(
            file["filename"] + " digests", file["digests"], WAREHOUSE_DIGEST_KEYS
        )
    return problems


def test_schema_matches_warehouse_both_ways(app, project):
    assert _schema_problems(app.get("/pypi/Sample/json").json, WAREHOUSE_PROJECT_KEYS) == []
    for version in ("1.0", "1.5", "2.0b1"):
        data = app.get(f"/pypi/Sample/{version}/json").json
        assert _schema_problems(data, WAREHOUSE_RELEASE_KEYS) == []


def test_core_metadata_of_each_file(app, project):
    data = app.get("/pypi/Sample/json").json
    wheel, sdist = data["urls"]
    assert wheel["packagetype"] == "bdist_wheel" and sdist["packagetype"] == "sdist"
    served = app.get(wheel["url"].removeprefix("http://localhost") + ".metadata").body
    expected = {"sha256": hashlib.sha256(served).hexdigest()}
    assert wheel["core-metadata"] == wheel["data-dist-info-metadata"] == expected
    # Only a wheel's METADATA is stored; an sdist has none to serve.
    assert sdist["core-metadata"] is False and sdist["data-dist-info-metadata"] is False
    assert data["releases"]["1.0"] == data["urls"]
    # Same as the simple API says about the same file.
    simple = app.get("/simple/sample/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    by_name = {f["filename"]: f for f in simple.json["files"]}
    assert by_name[wheel["filename"]]["core-metadata"] == expected


def test_ownership_lists_owners_first_then_by_username(app, db, project):
    data = app.get("/pypi/Sample/json").json
    assert data["ownership"] == {
        "roles": [{"role": "Owner", "user": "alice"}],
        "organization": None,
    }
    for username, role in (("zed", RoleName.OWNER), ("bob", RoleName.MAINTAINER)):
        user = UserFactory(username=username)
        db.add(Role(user_id=user.id, project_id=project.id, role_name=role))
    project.last_serial += 1  # what record_journal does for a role change
    db.flush()
    for url in ("/pypi/Sample/json", "/pypi/Sample/1.0/json"):
        assert app.get(url).json["ownership"] == {
            "roles": [
                {"role": "Owner", "user": "alice"},
                {"role": "Owner", "user": "zed"},
                {"role": "Maintainer", "user": "bob"},
            ],
            "organization": None,
        }


def test_trailing_slash_redirects_with_308(app, project):
    response = app.get("/pypi/Sample/json/", status=308)
    assert response.location == "http://localhost/pypi/Sample/json"
    response = app.get("/pypi/sample/1.0/json/?x=1", status=308)
    assert response.location == "http://localhost/pypi/sample/1.0/json?x=1"
    # ... and the redirect target answers as usual (other spellings: 301 to the name).
    assert app.get("/pypi/sample/1.0/json", status=301).location.endswith("/pypi/Sample/1.0/json")
    assert app.get("/pypi/nothing/json/", status=308).location.endswith("/pypi/nothing/json")
