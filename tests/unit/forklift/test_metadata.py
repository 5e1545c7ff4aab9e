"""Core metadata validation: packaging's checks plus PyPI's own rules."""

from __future__ import annotations

import pytest
import trove_classifiers
from packaging.version import Version

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.metadata import check_classifiers, validate_metadata


def _raw(**fields):
    raw = {"metadata_version": "2.4", "name": "Sample.Pkg", "version": "1.0.0"}
    raw.update(fields)
    return {k: v for k, v in raw.items() if v is not None}


def test_valid_metadata_gives_names_versions_and_release_fields():
    meta = validate_metadata(
        _raw(
            summary="One line",
            requires_dist=["other >=1.0", "extra-thing; extra == 'fast'"],
            requires_python=" >=3.9 ",
            classifiers=["Programming Language :: Python :: 3"],
            project_urls={"Home": "https://example.com"},
            keywords=["a", "b"],
            platforms=["any"],
            provides_extra=["fast"],
            license_expression="mit",
            dynamic=["Requires-Dist"],
        )
    )
    assert meta.name == "Sample.Pkg"
    assert meta.normalized_name == "sample-pkg"
    assert meta.version == Version("1.0.0")
    assert meta.version_string == "1.0.0"
    assert meta.canonical_version == "1"
    fields = meta.release_fields
    assert fields["requires_dist"] == ["other>=1.0", 'extra-thing; extra == "fast"']
    assert fields["requires_python"] == ">=3.9"
    assert fields["keywords"] == "a,b"
    assert fields["platform"] == "any"
    assert fields["project_urls"] == ["Home, https://example.com"]
    assert fields["license_expression"] == "mit"
    assert fields["dynamic"] == ["requires-dist"]
    assert fields["metadata_version"] == "2.4"


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"])
def test_every_metadata_version_from_1_0_to_2_5_is_accepted(version):
    assert (
        validate_metadata(_raw(metadata_version=version)).release_fields["metadata_version"]
        == version
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metadata_version": None}, "'metadata_version' is required"),
        ({"name": None}, "'name' is required"),
        ({"version": None}, "'version' is required"),
        ({"metadata_version": "0.9"}, "not a valid metadata version"),
        ({"name": "bad name!"}, "is invalid for 'name'"),
        ({"version": "one"}, "is invalid for 'version'"),
        ({"version": "1.0+abc"}, "Local versions"),
        ({"summary": "a\nb"}, "single line"),
        ({"requires_python": ">>3"}, "requires-python"),
        ({"requires_dist": ["x @ file:///tmp/x"]}, "Direct URL dependencies"),
        ({"home_page": "ftp://example.com"}, "http(s) URL for Home-page"),
        ({"download_url": "not a url"}, "http(s) URL for Download-URL"),
        ({"project_urls": {"x" * 33: "https://e.org"}}, "longer than 32"),
        ({"project_urls": {"Home": "example.com"}}, "http(s) URL"),
        ({"author_email": "a@b.c, nobody"}, "Author-email"),
        ({"maintainer_email": "@example.com"}, "Maintainer-email"),
        ({"metadata_version": "2.1", "license_expression": "MIT"}, "introduced in metadata"),
        ({"dynamic": ["version"]}, "not allowed as a dynamic field"),
        ({"description_content_type": "text/rst"}, "must be one of"),
    ],
)
def test_invalid_metadata(fields, message):
    with pytest.raises(UploadError) as excinfo:
        validate_metadata(_raw(**fields))
    assert message in excinfo.value.message
    assert excinfo.value.status == 400


def test_several_packaging_problems_are_reported_together():
    with pytest.raises(UploadError) as excinfo:
        validate_metadata(_raw(requires_python="=>3", provides_extra=["bad extra"]))
    assert "requires-python" in excinfo.value.message
    assert "provides-extra" in excinfo.value.message


def test_email_lists_with_display_names_are_fine():
    validate_metadata(_raw(author_email='"Doe, Jane" <jane@example.com>, bob@example.org'))


@pytest.mark.parametrize(
    ("classifier", "message"),
    [
        ("Private :: Keep Out", "is private"),
        ("Made :: Up", "not a valid classifier"),
        (next(iter(trove_classifiers.deprecated_classifiers)), "is deprecated"),
    ],
)
def test_classifier_rules(classifier, message):
    with pytest.raises(UploadError, match=message):
        check_classifiers([classifier], license_expression=None)


def test_license_classifiers_conflict_only_with_an_expression():
    classifier = "License :: OSI Approved :: MIT License"
    check_classifiers([classifier], license_expression=None)
    with pytest.raises(UploadError, match="PEP 639"):
        check_classifiers([classifier], license_expression="MIT")
