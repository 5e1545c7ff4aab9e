"""The description must render; the HTML is what the project page shows."""

from __future__ import annotations

import pytest

from warehouse_lite.forklift.description import parse_content_type, render_description
from warehouse_lite.forklift.errors import UploadError


def test_markdown_rst_and_plain_text_render():
    assert "<em>hi</em>" in render_description("*hi*", "text/markdown")
    assert "<h1>" in render_description("# Title", "text/markdown; variant=CommonMark")
    assert "<em>hi</em>" in render_description("*hi*", "text/x-rst")
    assert "<em>hi</em>" in render_description("*hi*", None)  # reStructuredText by default
    assert "*hi*" in render_description("*hi*", "text/plain")


def test_rendered_html_is_sanitized():
    html = render_description("<script>alert(1)</script>\n\n*ok*", "text/markdown")
    assert "<script>" not in html


def test_no_description_renders_to_nothing():
    assert render_description(None, "text/markdown") is None
    assert render_description("", None) is None


def test_broken_rst_is_refused_with_the_first_problem():
    with pytest.raises(UploadError) as excinfo:
        render_description("Text\n\n.. nope::\n", None)
    message = excinfo.value.message
    assert "failed to render as reStructuredText (the default" in message
    assert 'Unknown directive type "nope"' in message


def test_parse_content_type():
    assert parse_content_type("text/markdown; charset=UTF-8; variant=GFM") == (
        "text/markdown",
        {"charset": "UTF-8", "variant": "GFM"},
    )
    assert parse_content_type(None) == ("text/x-rst", {})
