"""Form fields besides the metadata: each is honoured or refused, never silently dropped
(docs/decisions.md, "The upload form, field by field"); and the wheel tags the index takes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.common.dists import make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, row_counts, stored, upload
from warehouse_lite.packaging.models import File, Release

SIGNATURE = b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n"


def test_the_comment_is_kept_and_shown_in_the_json_api(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")

    upload(app, dist, auth=basic_auth("alice"), comment="Built on the release CI")

    file = db.scalar(select(File).where(File.filename == dist.filename))
    assert file.comment_text == "Built on the release CI"
    [entry] = app.get("/pypi/sample/json").json["urls"]
    assert entry["comment_text"] == "Built on the release CI"


def test_license_files_are_kept_and_shown_in_the_json_api(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")

    upload(app, dist, auth=basic_auth("alice"), license_files=["LICENSE", "licenses/NOTICE"])

    release = db.scalar(select(Release))
    assert release.license_files == ["LICENSE", "licenses/NOTICE"]
    info = app.get("/pypi/sample/1.0/json").json["info"]
    assert info["license_files"] == ["LICENSE", "licenses/NOTICE"]


def test_a_release_without_license_files_shows_none(app, db, storage_dir):
    UserFactory(username="alice")
    upload(app, make_wheel("sample", "1.0"), auth=basic_auth("alice"))
    assert app.get("/pypi/sample/json").json["info"]["license_files"] is None


def test_a_gpg_signature_is_accepted_and_the_response_says_it_was_not_kept(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")

    response = app.post(
        "/legacy/",
        params=dist.form(),
        upload_files=[
            ("content", dist.filename, dist.content),
            ("gpg_signature", dist.filename + ".asc", SIGNATURE),
        ],
        headers=basic_auth("alice"),
    )

    assert "Uploaded sample-1.0-py3-none-any.whl." in response.text
    assert "The GPG signature sent with it was not stored" in response.text
    file = db.scalar(select(File).where(File.filename == dist.filename))
    assert stored(storage_dir) == {file.path, file.path + ".metadata"}
    assert app.get("/pypi/sample/json").json["urls"][0]["has_sig"] is False


def test_a_plain_upload_says_nothing_about_signatures(app, db, storage_dir):
    UserFactory(username="alice")
    response = upload(app, make_wheel("sample", "1.0"), auth=basic_auth("alice"))
    assert response.text == "Uploaded sample-1.0-py3-none-any.whl.\n"


def test_two_files_in_one_request_are_refused(app, db, storage_dir):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0")
    other = make_wheel("sample", "1.0", tag="py2-none-any")
    before = row_counts(db)

    response = app.post(
        "/legacy/",
        params=dist.form(),
        upload_files=[
            ("content", dist.filename, dist.content),
            ("content", other.filename, other.content),
        ],
        headers=basic_auth("alice"),
        status=400,
    )

    assert "The field 'content' was sent more than once" in response.status
    assert row_counts(db) == before
    assert stored(storage_dir) == set()


@pytest.mark.parametrize(
    "tag",
    [
        "cp312-cp312-linux_x86_64",  # plain linux: allowed by default on a private index
        "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp312-cp312-musllinux_1_2_aarch64",
        "cp312-cp312-macosx_11_0_arm64",
        "cp312-abi3-win_arm64",
        "cp313-cp313-ios_13_0_arm64_iphoneos",
        "cp313-cp313-android_24_arm64_v8a",
        "cp312-cp312-pyodide_2024_0_wasm32",
    ],
)
def test_wheels_for_known_platforms_are_accepted(app, db, storage_dir, tag):
    UserFactory(username="alice")
    dist = make_wheel("sample", "1.0", tag=tag)
    upload(app, dist, auth=basic_auth("alice"))
    assert db.scalar(select(File).where(File.filename == dist.filename)) is not None
