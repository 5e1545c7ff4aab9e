"""/packages/<path>: downloads with length, ETag, type, HTTP Range, and PEP 658 metadata."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, upload

V1_JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture
def urls(app, db, storage_dir):
    """{filename: (url, dist)} for an uploaded wheel and sdist."""
    UserFactory(username="alice")
    dists = [make_wheel("sample", "1.0"), make_sdist("sample", "1.0")]
    for dist in dists:
        upload(app, dist, auth=basic_auth("alice"))
    files = json.loads(app.get("/simple/sample/", headers={"Accept": V1_JSON}).body)["files"]
    by_name = {d.filename: d for d in dists}
    return {f["filename"]: (f["url"], by_name[f["filename"]]) for f in files}


def test_download_has_length_etag_type_and_no_encoding(app, urls):
    for url, dist in urls.values():
        response = app.get(url)
        assert response.body == dist.content
        assert response.headers["Content-Length"] == str(len(dist.content))
        assert response.headers["ETag"] == f'"{dist.sha256}"'
        assert "Content-Encoding" not in response.headers
        assert response.headers["Accept-Ranges"] == "bytes"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["Last-Modified"]
        expected = "application/zip" if dist.filename.endswith(".whl") else "application/gzip"
        assert response.content_type == expected


def test_range_requests(app, urls):
    url, dist = urls["sample-1.0-py3-none-any.whl"]
    size = len(dist.content)
    first = app.get(url, headers={"Range": "bytes=0-9"}, status=206)
    assert first.body == dist.content[:10]
    assert first.headers["Content-Range"] == f"bytes 0-9/{size}"
    assert first.headers["Content-Length"] == "10"
    # uv reads the zip's central directory from the end first.
    tail = app.get(url, headers={"Range": "bytes=-22"}, status=206)
    assert tail.body == dist.content[-22:]
    middle = app.get(url, headers={"Range": f"bytes=100-{size - 1}"}, status=206)
    assert middle.body == dist.content[100:]
    app.get(url, headers={"Range": f"bytes={size + 10}-"}, status=416)


def test_conditional_download_and_head(app, urls):
    url, dist = urls["sample-1.0.tar.gz"]
    app.get(url, headers={"If-None-Match": f'"{dist.sha256}"'}, status=304)
    head = app.head(url)
    assert head.headers["Content-Length"] == str(len(dist.content))
    assert head.body == b""


def test_pep658_metadata_file(app, urls):
    url, dist = urls["sample-1.0-py3-none-any.whl"]
    response = app.get(url + ".metadata")
    assert response.body == dist.metadata
    digest = hashlib.sha256(dist.metadata).hexdigest()
    assert response.headers["ETag"] == f'"{digest}"'
    assert response.headers["Content-Length"] == str(len(dist.metadata))
    assert response.content_type == "text/plain"
    files = json.loads(app.get("/simple/sample/", headers={"Accept": V1_JSON}).body)["files"]
    wheel = next(f for f in files if f["filename"] == dist.filename)
    assert wheel["core-metadata"] == {"sha256": digest}


def test_sdists_have_no_metadata_file(app, urls):
    url, _ = urls["sample-1.0.tar.gz"]
    app.get(url + ".metadata", status=404)


def test_unknown_paths_are_404(app, urls):
    app.get("/packages/ab/cd/ef/nothing-1.0.tar.gz", status=404)
    app.get("/packages/", status=404)


def test_a_stored_object_without_a_committed_row_is_not_served(app, urls, storage_dir):
    stray = storage_dir / "00" / "00" / "stray" / "stray-1.0.tar.gz"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half-uploaded")
    app.get("/packages/00/00/stray/stray-1.0.tar.gz", status=404)
