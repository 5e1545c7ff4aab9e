"""Core metadata validation: packaging's checks plus PyPI's own rules."""

from __future__ import annotations

import re

import pytest
import trove_classifiers
from packaging.version import Version

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.metadata import (
    check_classifiers,
    is_email_address,
    validate_metadata,
)


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
    validate_metadata(_raw(author_email="Jane (the maintainer) <jane@example.com>"))


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("jane@example.com", True),
        ("j.a.n.e@mail.example.co.uk", True),
        ("jane@localhost", False),
        ("jane@.com", False),
        ("jane@example.", False),
        ("@example.com", False),
        ("jane@exa@mple.com", False),
        ("jane doe@example.com", False),
        ("a@[" + "." * 30_000 + "@]", False),  # issue 12: 30 s in the old regex, now linear
    ],
)
def test_email_address_shape(address, valid):
    assert is_email_address(address) is valid


@pytest.mark.parametrize(
    "value",
    ["(" * 17 + "a@example.com", ":" * 17, "(" * 9 + ":" * 8 + "a@example.com", "(" * 2000],
)
def test_address_lists_that_would_nest_deeply_are_refused_unparsed(value):
    # email.utils.getaddresses recurses per "(" and ":"; 2,000 of them were a RecursionError.
    with pytest.raises(UploadError, match="more than 16 '\\(' and ':'"):
        validate_metadata(_raw(author_email=value))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"requires_dist": ["x; " + "(" * 33 + "os_name == 'a'" + ")" * 33]}, "parentheses"),
        ({"requires_dist": ["x; " + "(" * 600 + "os_name == 'a'" + ")" * 600]}, "parentheses"),
        ({"description_content_type": "text/plain (" * 3}, "only hold a type and parameters"),
        ({"description_content_type": "text/plain; a*=utf-8''b"}, "only hold a type"),
        ({"home_page": "http://["}, "not a valid http(s) URL"),
        ({"project_urls": {"Home": "https://[::1"}}, "not a valid http(s) URL"),
        ({"download_url": "http://example.com:port/"}, "not a valid http(s) URL"),
    ],
)
def test_values_that_would_crash_or_recurse_in_a_parser(fields, message):
    with pytest.raises(UploadError, match=re.escape(message)):
        validate_metadata(_raw(**fields))


def test_markers_with_a_few_parentheses_are_fine():
    marker = "(" * 32 + "os_name == 'a'" + ")" * 32
    meta = validate_metadata(_raw(requires_dist=[f"x; {marker}"]))
    assert len(meta.release_fields["requires_dist"]) == 1


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
