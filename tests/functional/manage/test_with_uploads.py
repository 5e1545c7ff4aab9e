"""The whole path with real uploads: upload over /legacy/, see the project page, then manage
it; the simple index follows every change and deleted filenames stay unusable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, override_settings, storage_dir, stored, upload
from tests.functional.conftest import form_for, login
from warehouse_lite.packaging.models import File

__all__ = ["override_settings", "storage_dir"]  # fixtures

SIMPLE_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@pytest.fixture
def uploaded(app, db, storage_dir):
    UserFactory(username="alice")
    dists = {
        "wheel": make_wheel(
            "Up_Loaded",
            "1.0",
            project_urls=["Source, https://example.org/src"],
            classifiers=["Programming Language :: Python :: 3"],
        ),
        "sdist": make_sdist("Up_Loaded", "1.0"),
    }
    for dist in dists.values():
        upload(app, dist, auth=basic_auth("alice"))
    login(app, "alice")
    return dists


def _simple(app):
    return app.get("/simple/up-loaded/", headers=SIMPLE_JSON).json


def test_project_page_of_an_upload(app, uploaded):
    page = app.get("/project/up-loaded/")
    assert "<em>test</em> package" in page.text  # rendered at upload
    assert 'href="https://example.org/src"' in page.text
    assert "Python :: 3" in page.text and "<code>&gt;=3.8</code>" in page.text
    assert "<li>alice</li>" in page.text
    for dist in uploaded.values():
        assert dist.sha256 in page.text and dist.blake2_256 in page.text
        assert f"{dist.filename}</a>" in page.text
    # The download link serves the file.
    wheel = uploaded["wheel"]
    link = page.html.find("a", string=wheel.filename)["href"]
    assert app.get(link).body == wheel.content


def test_yank_shows_in_the_simple_index(app, uploaded):
    assert not any(f.get("yanked") for f in _simple(app)["files"])
    page = app.get("/manage/project/up-loaded/release/1.0/")
    form = form_for(page, "/manage/project/up-loaded/release/1.0/yank")
    form["yanked_reason"] = "oops"
    form.submit(status=303)
    assert {f["yanked"] for f in _simple(app)["files"]} == {"oops"}
    release_json = app.get("/pypi/up-loaded/1.0/json").maybe_follow().json
    assert release_json["info"]["yanked"] is True


def test_deleted_file_is_gone_and_its_name_reserved(app, db, uploaded, storage_dir):
    wheel, sdist = uploaded["wheel"], uploaded["sdist"]
    before = stored(storage_dir)
    wheel_paths = {p for p in before if wheel.filename in p}
    assert len(before) == 3 and len(wheel_paths) == 2  # the wheel and its .metadata
    wheel_row = db.scalar(select(File).where(File.filename == wheel.filename))
    page = app.get("/manage/project/up-loaded/release/1.0/")
    form = form_for(
        page, "/manage/project/up-loaded/release/1.0/file/delete", file_id=str(wheel_row.id)
    )
    form["confirm_filename"] = wheel.filename
    form.submit(status=303)

    assert stored(storage_dir) == before - wheel_paths
    assert [f["filename"] for f in _simple(app)["files"]] == [sdist.filename]
    refused = upload(app, wheel, auth=basic_auth("alice"), status=400)
    assert wheel.filename in refused.text


def test_deleted_project_leaves_storage_and_keeps_names_reserved(app, uploaded, storage_dir):
    page = app.get("/manage/project/up-loaded/settings/")
    form = form_for(page, "/manage/project/up-loaded/delete")
    form["confirm_project_name"] = "Up_Loaded"
    form.submit(status=303)
    assert stored(storage_dir) == set()
    app.get("/simple/up-loaded/", status=404)
    # A new project of the same name may be created, but not with the old filenames.
    refused = upload(app, uploaded["sdist"], auth=basic_auth("alice"), status=400)
    assert uploaded["sdist"].filename in refused.text
    upload(app, make_sdist("Up_Loaded", "1.1"), auth=basic_auth("alice"))
