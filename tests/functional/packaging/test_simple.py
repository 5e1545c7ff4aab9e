"""The simple repository API: every field of PEP 503/691/592/658/714/700, negotiation and
caching, against files uploaded through /legacy/."""

from __future__ import annotations

import datetime
import hashlib
import json
import re

import pytest
from sqlalchemy import select

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.packaging_factories import ReleaseFactory
from tests.common.services import singleton
from tests.common.uploads import basic_auth, upload
from warehouse_lite.packaging.cache import PageCache
from warehouse_lite.packaging.models import Project, Release

V1_JSON = "application/vnd.pypi.simple.v1+json"
V1_HTML = "application/vnd.pypi.simple.v1+html"
PIP_ACCEPT = f"{V1_JSON}, {V1_HTML}; q=0.1, text/html; q=0.01"


@pytest.fixture
def published(app, db, storage_dir):
    """sample 1.0 (wheel + sdist), 2.0 (wheel, yanked) and other 0.1, uploaded for real."""
    UserFactory(username="alice")
    auth = basic_auth("alice")
    dists = {
        "wheel": make_wheel("sample", "1.0", requires_python=">=3.8,<4"),
        "sdist": make_sdist("sample", "1.0", requires_python=">=3.8,<4"),
        "yanked": make_wheel("sample", "2.0"),
    }
    for dist in dists.values():
        upload(app, dist, auth=auth)
    upload(app, make_wheel("Other_Thing", "0.1"), auth=auth)
    release = db.scalar(select(Release).where(Release.version == "2.0"))
    release.yanked, release.yanked_reason = True, 'broken "build" <oops>'
    release.project.last_serial += 1  # what the manage views do through the journal
    db.flush()
    return dists


def _json(app, path, **headers):
    response = app.get(path, headers={"Accept": V1_JSON, **headers})
    assert response.content_type == V1_JSON
    return response, json.loads(response.body)


def test_project_page_json_has_every_field(app, db, published):
    response, data = _json(app, "/simple/sample/")
    project = db.scalar(select(Project).where(Project.normalized_name == "sample"))
    assert data["meta"] == {"api-version": "1.1", "_last-serial": project.last_serial}
    assert data["name"] == "sample"
    assert data["versions"] == ["1.0", "2.0"]
    by_name = {f["filename"]: f for f in data["files"]}
    assert list(by_name) == [  # oldest version first, then by filename
        "sample-1.0-py3-none-any.whl",
        "sample-1.0.tar.gz",
        "sample-2.0-py3-none-any.whl",
    ]
    wheel, sdist, yanked = (published[k] for k in ("wheel", "sdist", "yanked"))
    w = by_name[wheel.filename]
    assert w["hashes"] == {"sha256": wheel.sha256}
    assert w["url"].startswith("/packages/") and w["url"].endswith("/" + wheel.filename)
    assert w["requires-python"] == ">=3.8,<4"
    metadata_hash = {"sha256": hashlib.sha256(wheel.metadata).hexdigest()}
    assert w["core-metadata"] == metadata_hash
    assert w["dist-info-metadata"] == metadata_hash
    assert w["yanked"] is False
    assert w["size"] == len(wheel.content)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", w["upload-time"])
    uploaded = datetime.datetime.strptime(w["upload-time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs(uploaded - datetime.datetime.utcnow()) < datetime.timedelta(minutes=5)
    s = by_name[sdist.filename]
    assert s["core-metadata"] is False and s["dist-info-metadata"] is False
    assert s["size"] == len(sdist.content)
    assert by_name[yanked.filename]["yanked"] == 'broken "build" <oops>'
    assert response.headers["X-PyPI-Last-Serial"] == str(project.last_serial)
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Cache-Control"] == "max-age=60, public"
    assert response.etag


def test_project_page_html_has_every_attribute(app, published):
    response = app.get("/simple/sample/")
    assert response.content_type == "text/html"
    html = response.text
    assert '<meta name="pypi:repository-version" content="1.1">' in html
    wheel, sdist, yanked = (published[k] for k in ("wheel", "sdist", "yanked"))
    meta = hashlib.sha256(wheel.metadata).hexdigest()
    anchor = re.search(rf'<a href="(/packages/[^"#]+)#sha256={wheel.sha256}"([^>]*)>', html)
    assert anchor and anchor.group(1).endswith(wheel.filename)
    attrs = anchor.group(2)
    assert 'data-requires-python="&gt;=3.8,&lt;4"' in attrs
    assert f'data-dist-info-metadata="sha256={meta}"' in attrs
    assert f'data-core-metadata="sha256={meta}"' in attrs
    assert "data-yanked" not in attrs
    sdist_anchor = re.search(rf'<a href="[^"]+#sha256={sdist.sha256}"([^>]*)>', html).group(1)
    assert "data-core-metadata" not in sdist_anchor
    yanked_anchor = re.search(rf'<a href="[^"]+#sha256={yanked.sha256}"([^>]*)>', html).group(1)
    assert 'data-yanked="broken &quot;build&quot; &lt;oops&gt;"' in yanked_anchor
    assert f">{wheel.filename}</a><br />" in html


def test_index_lists_every_project_in_both_formats(app, published):
    html = app.get("/simple/").text
    assert '<a href="/simple/other-thing/">Other_Thing</a>' in html
    assert '<a href="/simple/sample/">sample</a>' in html
    response, data = _json(app, "/simple/")
    assert [p["name"] for p in data["projects"]] == ["Other_Thing", "sample"]
    assert data["meta"]["api-version"] == "1.1"
    assert response.headers["X-PyPI-Last-Serial"] == str(data["meta"]["_last-serial"])


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (PIP_ACCEPT, V1_JSON),
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/html", "text/html"),
        (V1_HTML, V1_HTML),
        ("application/vnd.pypi.simple.latest+json", V1_JSON),
        ("application/vnd.pypi.simple.latest+html", V1_HTML),
        (f"{V1_JSON};q=0.5, {V1_HTML};q=0.9", V1_HTML),
        (f"text/html;q=0.2, {V1_JSON};q=0.3", V1_JSON),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ],
)
def test_accept_negotiation(app, published, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = app.get("/simple/sample/", headers=headers)
    assert response.content_type == expected
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("accept", ["application/json", "application/vnd.pypi.simple.v2+json"])
def test_unsupported_types_get_406(app, published, accept):
    response = app.get("/simple/sample/", headers={"Accept": accept}, status=406)
    assert "application/vnd.pypi.simple.v1+json" in response.text
    app.get("/simple/", headers={"Accept": accept}, status=406)


def test_format_query_parameter_overrides_accept(app, published):
    response = app.get("/simple/sample/", {"format": V1_JSON}, headers={"Accept": "text/html"})
    assert response.content_type == V1_JSON
    app.get("/simple/sample/?format=text/csv", status=406)


def test_non_normalized_names_redirect_permanently(app, published):
    response = app.get("/simple/Other_Thing/", status=301)
    assert response.location.endswith("/simple/other-thing/")
    response = app.get("/simple/Sample/?format=text/html", status=301)
    assert response.location.endswith("/simple/sample/?format=text%2Fhtml")
    # Without the trailing slash too, as on PyPI.
    assert app.get("/simple/Sample", status=301).location.endswith("/simple/sample/")


def test_index_without_slash_redirects_with_308(app, published):
    # As pypi.org: bandersnatch's simple mode asks for /simple and follows the redirect.
    response = app.get("/simple", status=308)
    assert response.location == "http://localhost/simple/"
    response = app.get("/simple?format=application/vnd.pypi.simple.v1%2Bjson", status=308)
    assert (
        response.location
        == "http://localhost/simple/?format=application%2Fvnd.pypi.simple.v1%2Bjson"
    )
    index = response.follow(headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert {p["name"] for p in index.json["projects"]} == {"Other_Thing", "sample"}


def test_unknown_project_is_404(app, published):
    app.get("/simple/nothing-here/", status=404)


def test_conditional_get_answers_304(app, published):
    first = app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    etag = first.headers["ETag"]
    again = app.get(
        "/simple/sample/", headers={"Accept": PIP_ACCEPT, "If-None-Match": etag}, status=304
    )
    assert again.body == b""
    html = app.get("/simple/sample/")
    assert html.headers["ETag"] != etag  # each format has its own tag
    app.get("/simple/sample/", headers={"If-None-Match": etag}, status=200)


def test_a_new_upload_changes_the_page_serial_and_etag(app, db, published):
    before, _ = _json(app, "/simple/sample/")
    upload(app, make_wheel("sample", "3.0"), auth=basic_auth("alice"))
    after, data_after = _json(app, "/simple/sample/")
    assert data_after["versions"] == ["1.0", "2.0", "3.0"]
    assert int(after.headers["X-PyPI-Last-Serial"]) > int(before.headers["X-PyPI-Last-Serial"])
    assert after.headers["ETag"] != before.headers["ETag"]
    index = app.get("/simple/", headers={"Accept": V1_JSON})
    assert json.loads(index.body)["meta"]["_last-serial"] == int(
        after.headers["X-PyPI-Last-Serial"]
    )


def test_versions_include_releases_without_files(app, db, published):
    project = db.scalar(select(Project).where(Project.normalized_name == "sample"))
    ReleaseFactory(project=project, version="0.5", sort_key=-1)
    project.last_serial += 1
    db.flush()
    _, data = _json(app, "/simple/sample/")
    assert data["versions"] == ["0.5", "1.0", "2.0"]
    assert len(data["files"]) == 3


def test_cache_serves_repeated_requests_without_rendering_again(app, wsgi_app, published):
    cache = singleton(wsgi_app, PageCache)
    cache.clear()
    hits = cache.hits
    first = app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    second = app.get("/simple/sample/", headers={"Accept": PIP_ACCEPT})
    assert first.body == second.body
    assert cache.hits == hits + 1


def test_index_shows_a_project_committed_after_a_later_serial(app, db, published):
    # Journal ids are given out at write time, not commit time: a project whose transaction
    # commits after a later-numbered journal entry arrives without a new highest serial.
    app.get("/simple/")  # cached under the current (serial, project count)
    db.add(Project(name="Late-Comer", normalized_name="late-comer", last_serial=1))
    db.flush()
    assert "late-comer" in app.get("/simple/").text
