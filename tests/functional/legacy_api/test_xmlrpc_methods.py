"""The XML-RPC methods mirrors use, in Warehouse's shapes, against the journal and the JSON API."""

from __future__ import annotations

import xmlrpc.client

import pytest
from sqlalchemy import func, select

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, upload
from tests.functional.legacy_api.xmlrpc_client import call, send
from warehouse_lite.legacy_api import methods
from warehouse_lite.legacy_api.protocol import APPLICATION_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND
from warehouse_lite.packaging.models import JournalEntry, Project, Release, Role, RoleName


@pytest.fixture
def published(app, db, storage_dir):
    UserFactory(username="alice")
    auth = basic_auth("alice")
    upload(app, make_wheel("Mirror_Me", "1.0"), auth=auth)
    upload(app, make_sdist("Mirror_Me", "1.0"), auth=auth)
    upload(app, make_wheel("Mirror_Me", "2.0rc1"), auth=auth)
    upload(app, make_wheel("Mirror_Me", "1.5"), auth=auth)
    upload(app, make_wheel("other", "0.1"), auth=auth)
    release = db.scalar(select(Release).where(Release.version == "1.5"))
    release.yanked, release.yanked_reason = True, "broken"
    release.project.last_serial += 1
    db.flush()
    return {p.name: p for p in db.scalars(select(Project))}


def test_list_packages(app, published):
    assert call(app, "list_packages") == ["Mirror_Me", "other"]
    serials = call(app, "list_packages_with_serial")
    assert serials == {name: p.last_serial for name, p in published.items()}
    # The same serial the simple page and the JSON API carry.
    for name, project in published.items():
        simple = app.get(f"/simple/{project.normalized_name}/")
        assert simple.headers["X-PyPI-Last-Serial"] == str(serials[name])
    # /pypi/ (with the slash) is the same endpoint, as on PyPI.
    assert call(app, "list_packages", path="/pypi/") == ["Mirror_Me", "other"]


def test_changelog(app, db, published):
    last = call(app, "changelog_last_serial")
    assert last == db.scalar(select(func.max(JournalEntry.id)))
    entries = call(app, "changelog_since_serial", 0)
    total = db.scalar(select(func.count()).select_from(JournalEntry))
    assert len(entries) == total and entries[-1][4] == last
    for name, version, timestamp, action, serial in entries:
        assert isinstance(name, str) and isinstance(action, str)
        assert version is None or isinstance(version, str)
        assert isinstance(timestamp, int) and timestamp > 1_600_000_000
        assert isinstance(serial, int)
    assert [e[4] for e in entries] == sorted(e[4] for e in entries)
    assert ["other", "0.1", "new release"] in [[e[0], e[1], e[3]] for e in entries]
    assert call(app, "changelog_since_serial", last) == []
    assert call(app, "changelog_since_serial", entries[-2][4]) == [entries[-1]]


def test_changelog_is_paged(app, monkeypatch, published):
    monkeypatch.setattr(methods, "CHANGELOG_LIMIT", 3)
    first = call(app, "changelog_since_serial", 0)
    assert len(first) == 3
    following = call(app, "changelog_since_serial", first[-1][4])
    assert len(following) == 3 and following[0][4] > first[-1][4]


def test_package_releases(app, published):
    # The version the JSON API describes: newest final, not yanked (not 2.0rc1, not 1.5).
    assert call(app, "package_releases", "mirror-me") == ["1.0"]
    assert call(app, "package_releases", "MIRROR.ME", True) == ["2.0rc1", "1.5", "1.0"]
    assert call(app, "package_releases", "nothing") == []


def test_package_releases_when_everything_is_yanked(app, db, published):
    for release in published["other"].releases:
        release.yanked = True
    published["other"].last_serial += 1
    db.flush()
    assert call(app, "package_releases", "other") == []
    assert call(app, "package_releases", "other", True) == ["0.1"]


def test_release_urls(app, published):
    files = call(app, "release_urls", "mirror_me", "1.0.0")
    json_files = app.get("/pypi/Mirror_Me/1.0/json").json["urls"]
    assert [f["filename"] for f in files] == [f["filename"] for f in json_files]
    for file, json_file in zip(files, json_files, strict=True):
        assert set(file) == {
            "comment_text", "digests", "downloads", "filename", "has_sig", "md5_digest",
            "packagetype", "path", "python_version", "sha256_digest", "size", "upload_time",
            "url",
        }  # fmt: skip
        assert file["url"] == json_file["url"]
        assert file["sha256_digest"] == file["digests"]["sha256"] == json_file["digests"]["sha256"]
        assert file["md5_digest"] == json_file["md5_digest"]
        assert file["upload_time"] == json_file["upload_time_iso_8601"]
        assert json_file["url"].endswith(file["path"])
        assert file["size"] == json_file["size"]
    assert call(app, "release_urls", "mirror_me", "9.9") == []
    assert call(app, "release_urls", "mirror_me", "not a version") == []


def test_release_data(app, published):
    data = call(app, "release_data", "Mirror-Me", "2.0rc1")
    info = app.get("/pypi/Mirror_Me/2.0rc1/json").json["info"]
    assert data["name"] == "Mirror_Me" and data["version"] == "2.0rc1"
    for key in ("summary", "description", "author_email", "requires_python", "classifiers"):
        assert data[key] == info[key]
    assert data["release_url"] == info["release_url"]
    assert data["package_url"] == info["package_url"]
    assert data["downloads"] == {"last_day": -1, "last_week": -1, "last_month": -1}
    assert data["stable_version"] is None and data["_pypi_hidden"] is False
    assert call(app, "release_data", "Mirror-Me", "7") == {}
    assert call(app, "release_data", "nothing", "1.0") == {}


def test_package_roles(app, db, published):
    project = published["Mirror_Me"]
    bob = UserFactory(username="bob")
    db.add(Role(user_id=bob.id, project_id=project.id, role_name=RoleName.MAINTAINER))
    db.flush()
    assert call(app, "package_roles", "mirror-me") == [["Owner", "alice"], ["Maintainer", "bob"]]
    assert call(app, "package_roles", "nothing") == []


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("search", ({"name": "x"},)),
        ("search", ({"name": "x"}, "or")),
        ("changelog", (0,)),
        ("package_data", ("x", "1.0")),
        ("package_urls", ("x", "1.0")),
        ("top_packages", ()),
        ("release_downloads", ("x", "1.0")),
        ("user_packages", ("alice",)),
        ("browse", (["Programming Language :: Python"],)),
        ("system.multicall", ([],)),
    ],
)
def test_retired_methods_answer_a_fault_that_says_what_to_use(app, published, method, params):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(app, method, *params)
    assert caught.value.faultCode == APPLICATION_ERROR
    assert caught.value.faultString.startswith("RuntimeError: ")
    assert caught.value.faultString == "RuntimeError: " + methods.RETIRED[method]


def test_unknown_method(app, published):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(app, "drop_everything")
    assert caught.value.faultCode == METHOD_NOT_FOUND
    assert "No such method: drop_everything." in caught.value.faultString


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("list_packages", (1,), "list_packages takes 0 parameter(s) (none); 1 given."),
        ("changelog_since_serial", (), "takes 1 parameter(s) (since_serial); 0 given."),
        ("changelog_since_serial", ("5",), "since_serial must be a non-negative integer."),
        ("changelog_since_serial", (True,), "since_serial must be a non-negative integer."),
        ("changelog_since_serial", (-1,), "since_serial must be a non-negative integer."),
        ("changelog_since_serial", (1.5,), "since_serial must be a non-negative integer."),
        ("package_releases", (), "takes 1 to 2 parameter(s) (package_name, show_hidden)"),
        ("package_releases", ("x", "yes"), "show_hidden must be a boolean."),
        ("package_releases", (7,), "package_name must be a string, not int."),
        ("release_urls", ("x",), "takes 2 parameter(s) (package_name, version); 1 given."),
        ("release_data", ("x", "1" * 1001), "version is not a valid version."),
        ("release_data", ("x", ["1.0"]), "version must be a string, not list."),
        ("release_data", ("x", None), "version must be a string, not NoneType."),
    ],
)
def test_bad_parameters_answer_a_fault(app, published, method, params, message):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(app, method, *params)
    assert caught.value.faultCode == INVALID_PARAMS
    assert message in caught.value.faultString


@pytest.mark.parametrize("number", [str(2**63), "9" * 4000])
def test_integers_beyond_a_bigint_answer_a_fault(app, published, number):
    # The standard client cannot send them; a hand-written call can (and PostgreSQL would
    # refuse them as a BIGINT).
    body = (
        "<?xml version='1.0'?><methodCall><methodName>changelog_since_serial</methodName>"
        f"<params><param><value><i8>{number}</i8></value></param></params></methodCall>"
    )
    with pytest.raises(xmlrpc.client.Fault) as caught:
        send(app, body.encode())
    assert caught.value.faultCode == INVALID_PARAMS
    assert "since_serial must be a non-negative integer." in caught.value.faultString


def test_calls_change_nothing(app, db, published):
    before = db.scalar(select(func.max(JournalEntry.id)))
    for method, params in METHOD_CALLS:
        call(app, method, *params)
    assert db.scalar(select(func.max(JournalEntry.id))) == before


METHOD_CALLS = [
    ("list_packages", ()),
    ("list_packages_with_serial", ()),
    ("changelog_last_serial", ()),
    ("changelog_since_serial", (0,)),
    ("package_releases", ("other",)),
    ("release_urls", ("other", "0.1")),
    ("release_data", ("other", "0.1")),
    ("package_roles", ("other",)),
]


def test_every_method_is_tested():
    assert {m for m, _ in METHOD_CALLS} == set(methods.METHODS)
