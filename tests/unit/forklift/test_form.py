"""Reading the multipart form into RawMetadata and the upload's file fields."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from webob.multidict import MultiDict

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.form import parse_upload_form, raw_metadata


def _post(*pairs, content=True, filename="sample-1.0.tar.gz"):
    data = MultiDict(
        [
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("filetype", "sdist"),
            ("pyversion", "source"),
            ("sha256_digest", "AB" * 32),
            *pairs,
        ]
    )
    if content:
        data.add("content", SimpleNamespace(file=io.BytesIO(b"x"), filename=filename))
    return data


def test_fields_map_to_raw_metadata():
    raw = raw_metadata(
        MultiDict(
            [
                ("metadata_version", "2.4"),
                ("name", "Sample"),
                ("version", "1.0"),
                ("summary", "  spaced  "),
                ("description", ""),  # empty means absent
                ("classifiers", "A :: B"),
                ("classifiers", "C :: D"),
                ("classifiers", ""),
                ("platform", "any"),
                ("license_file", "LICENSE"),
                ("license_files", "NOTICE"),
                ("keywords", "a, b,,c"),
                ("project_urls", "Home, https://example.com"),
                ("project_url", "Docs, https://docs.example.com"),
                ("requires_dist", "other>=1"),
                ("something_new", "ignored"),
            ]
        )
    )
    assert raw == {
        "metadata_version": "2.4",
        "name": "Sample",
        "version": "1.0",
        "summary": "spaced",
        "classifiers": ["A :: B", "C :: D"],
        "platforms": ["any"],
        "license_files": ["LICENSE", "NOTICE"],
        "keywords": ["a", "b", "c"],
        "project_urls": {"Home": "https://example.com", "Docs": "https://docs.example.com"},
        "requires_dist": ["other>=1"],
    }


def test_a_single_field_repeated_with_different_values_is_refused():
    with pytest.raises(UploadError, match="'name' was sent more than once"):
        raw_metadata(MultiDict([("name", "a"), ("name", "b")]))
    # The same value twice is harmless.
    assert raw_metadata(MultiDict([("name", "a"), ("name", "a")])) == {"name": "a"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [("no comma here", "'Label, URL'"), (", https://x.org", "'Label, URL'"), ("Label,", "'Label")],
)
def test_project_urls_need_a_label_and_a_url(entry, message):
    with pytest.raises(UploadError, match=message):
        raw_metadata(MultiDict([("project_urls", entry)]))


def test_duplicate_project_url_labels_are_refused():
    with pytest.raises(UploadError, match="used more than once"):
        raw_metadata(
            MultiDict(
                [("project_urls", "Home, https://a.org"), ("project_urls", "Home, https://b.org")]
            )
        )


def test_parse_upload_form_reads_file_and_lowercases_digests():
    form = parse_upload_form(_post(("md5_digest", "CD" * 16), ("name", "sample")))
    assert form.filename == "sample-1.0.tar.gz"
    assert form.filetype == "sdist"
    assert form.pyversion == "source"
    assert form.digests == {"md5": "cd" * 16, "sha256": "ab" * 32}
    assert form.content.read() == b"x"
    assert form.raw == {"name": "sample"}


def test_missing_protocol_version_means_version_1():
    post = _post()
    del post["protocol_version"]
    assert parse_upload_form(post).filetype == "sdist"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.__setitem__("protocol_version", "2"), "Unknown protocol_version"),
        (lambda p: p.__delitem__("content"), "has no file"),
        (lambda p: p.__setitem__("content", "just text"), "has no file"),
        (lambda p: p.__delitem__("filetype"), "'filetype' is required"),
        (lambda p: p.__setitem__("filetype", "bdist_wininst"), "Unsupported filetype"),
        (lambda p: p.__delitem__("sha256_digest"), "at least one message digest"),
    ],
)
def test_bad_forms(change, message):
    post = _post()
    change(post)
    with pytest.raises(UploadError, match=message):
        parse_upload_form(post)


def test_a_file_without_a_name_is_refused():
    with pytest.raises(UploadError, match="no filename"):
        parse_upload_form(_post(filename=""))
