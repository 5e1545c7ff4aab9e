"""Ordering, links, classifiers and sizes shown on the project pages."""

from __future__ import annotations

import datetime

import pytest

from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.models import Release
from warehouse_lite.packaging.queries import escape_like


def _release(version: str, *, yanked: bool = False, **fields: object) -> Release:
    return Release(
        version=version,
        yanked=yanked,
        created=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        **fields,
    )


def test_sorted_releases_use_pep440_order():
    releases = [_release(v) for v in ("1.10", "1.9", "2.0rc1", "1.0.post1", "not valid")]
    assert [r.version for r in presenters.sorted_releases(releases)] == [
        "2.0rc1",
        "1.10",
        "1.9",
        "1.0.post1",
        "not valid",
    ]


@pytest.mark.parametrize(
    ("releases", "expected"),
    [
        ([("1.0", False), ("2.0", False)], "2.0"),
        ([("1.0", False), ("2.0", True)], "1.0"),
        ([("1.0", False), ("2.0b1", False)], "1.0"),
        ([("2.0b1", False), ("1.0", True)], "2.0b1"),
        ([("1.0", True), ("2.0", True)], "2.0"),
    ],
)
def test_latest_release(releases, expected):
    objects = [_release(v, yanked=y) for v, y in releases]
    assert presenters.latest_release(objects).version == expected


def test_latest_release_of_nothing():
    assert presenters.latest_release([]) is None


def test_project_links():
    release = _release(
        "1.0",
        home_page="https://home.example",
        download_url="ftp://files.example/x",
        project_urls=[
            "Source, https://src.example/a,b",
            "https://bare.example",
            "Evil, javascript:alert(1)",
            "Empty,",
        ],
    )
    links = presenters.project_links(release)
    assert [(link.label, link.url, link.clickable) for link in links] == [
        ("Homepage", "https://home.example", True),
        ("Source", "https://src.example/a,b", True),
        ("https://bare.example", "https://bare.example", True),
        ("Evil", "javascript:alert(1)", False),
        ("Download", "ftp://files.example/x", False),
    ]


def test_classifier_groups():
    groups = presenters.classifier_groups(
        [
            "Programming Language :: Python :: 3",
            "License :: OSI Approved :: MIT License",
            "Programming Language :: Python :: 3.12",
            "Typing",
        ]
    )
    assert groups == [
        ("License", ["OSI Approved :: MIT License"]),
        ("Programming Language", ["Python :: 3", "Python :: 3.12"]),
        ("Typing", ["Typing"]),
    ]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1023, "1023 bytes"),
        (1536, "1.5 KiB"),
        (2_500_000, "2.4 MiB"),
        (100 * 1024**2, "100 MiB"),
        (10 * 1024**3, "10 GiB"),
        (3 * 1024**4, "3 TiB"),
        (5000 * 1024**4, "5000 TiB"),
    ],
)
def test_human_size(size, text):
    assert presenters.human_size(size) == text


def test_description_rendering_fallbacks():
    stored = _release("1", description="x", rendered_description="<p>stored</p>")
    assert presenters.description_html(stored) == "<p>stored</p>"
    md = _release("1", description="*hi*", description_content_type="text/markdown")
    assert "<em>hi</em>" in presenters.description_html(md)
    cm = _release(
        "1",
        description="| a |\n|---|\n| b |",
        description_content_type="text/markdown; variant=CommonMark",
    )
    assert "<table>" not in presenters.description_html(cm)
    gfm = _release("1", description="| a |\n|---|\n| b |", description_content_type="text/markdown")
    assert "<table>" in presenters.description_html(gfm)
    rst_default = _release("1", description="Title\n=====\n\ntext")
    # No content type means reStructuredText (metadata's default).
    assert "<h1>Title" in presenters.description_html(rst_default)
    broken = _release("1", description="`broken", description_content_type="text/x-rst")
    assert presenters.description_html(broken) is None
    assert presenters.description_html(_release("1", description="")) is None


def test_escape_like():
    assert escape_like("a%b_c\\d") == "a\\%b\\_c\\\\d"


@pytest.mark.parametrize(
    ("word", "text"), [("Owner", "an Owner"), ("Maintainer", "a Maintainer"), ("", "a ")]
)
def test_with_article(word, text):
    assert presenters.with_article(word) == text
