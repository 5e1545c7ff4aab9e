"""Rendering simple pages: escaping and the exact JSON shape."""

from __future__ import annotations

import datetime
import json

from warehouse_lite.packaging.simple_render import (
    SimpleFile,
    SimpleProject,
    index_html,
    index_json,
    iso_time,
    project_html,
    project_json,
)

WHEN = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)


def _file(**changes):
    values = {
        "filename": "a&b-1.0.tar.gz",
        "url": "/packages/aa/bb/c/a&b-1.0.tar.gz",
        "sha256": "0" * 64,
        "size": 12,
        "upload_time": WHEN,
        "requires_python": "<4,>=3.8",
        "metadata_sha256": None,
        "yanked": True,
        "yanked_reason": "",
    }
    values.update(changes)
    return SimpleFile(**values)


def _project(*files):
    return SimpleProject("A&B", "a-b", 7, list(files), ["1.0"])


def test_html_escapes_everything_and_marks_yanked_without_reason():
    html = project_html(_project(_file())).decode()
    assert '<a href="/packages/aa/bb/c/a&amp;b-1.0.tar.gz#sha256=' + "0" * 64 + '"' in html
    assert 'data-requires-python="&lt;4,&gt;=3.8"' in html
    assert 'data-yanked=""' in html
    assert ">a&amp;b-1.0.tar.gz</a>" in html
    assert "<title>Links for A&amp;B</title>" in html


def test_json_shape():
    data = json.loads(project_json(_project(_file(metadata_sha256="1" * 64, yanked=False))))
    assert data == {
        "meta": {"api-version": "1.1", "_last-serial": 7},
        "name": "a-b",
        "files": [
            {
                "filename": "a&b-1.0.tar.gz",
                "url": "/packages/aa/bb/c/a&b-1.0.tar.gz",
                "hashes": {"sha256": "0" * 64},
                "requires-python": "<4,>=3.8",
                "core-metadata": {"sha256": "1" * 64},
                "dist-info-metadata": {"sha256": "1" * 64},
                "yanked": False,
                "size": 12,
                "upload-time": "2024-05-06T07:08:09.123456Z",
            }
        ],
        "versions": ["1.0"],
    }


def test_yanked_without_reason_is_true_in_json():
    data = json.loads(project_json(_project(_file())))
    assert data["files"][0]["yanked"] is True


def test_upload_time_is_utc():
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert iso_time(WHEN.astimezone(plus_two)) == "2024-05-06T07:08:09.123456Z"


def test_index_pages():
    projects = [("A&B", "a-b", 3)]
    assert '<a href="/simple/a-b/">A&amp;B</a>' in index_html(projects, "/simple/").decode()
    assert json.loads(index_json(projects, 9)) == {
        "meta": {"api-version": "1.1", "_last-serial": 9},
        "projects": [{"name": "A&B", "_last-serial": 3}],
    }
