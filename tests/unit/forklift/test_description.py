"""The description must render; the HTML is what the project page shows."""

from __future__ import annotations

import io

import pytest
from readme_renderer import rst

from warehouse_lite.forklift.description import (
    parse_content_type,
    render_description,
    render_rst,
)
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


RST_SAMPLES = [
    "*hi*",
    "Title\n=====\n\nA `link <https://example.com>`_, ``code`` and --- dashes.\n",
    ".. code-block:: python\n\n    print('x')\n",
    "Contact: someone@example.com\n\n.. image:: https://example.com/a.png\n   :width: 20\n",
    ".. raw:: html\n\n    <script>x</script>\n",
    ".. include:: /etc/passwd\n",
    "Text\n\n.. nope::\n",
    "Section\n-------\n\n:Author: me\n",
    ".. a comment only\n",
    "",
]


@pytest.mark.parametrize("text", RST_SAMPLES)
def test_rst_renders_exactly_as_readme_renderer(text):
    """The settings built once give what readme_renderer (PyPI's renderer) gives: same HTML,
    same refusals, same first problem reported."""
    ours, theirs = io.StringIO(), io.StringIO()
    assert render_rst(text, ours) == rst.render(text, stream=theirs)
    assert ours.getvalue() == theirs.getvalue()


def test_rst_renderings_do_not_leak_into_each_other():
    first = render_rst("Title\n=====\n\n.. _target:\n\nText, see target_.\n", io.StringIO())
    assert first is not None and "target" in first
    problems = io.StringIO()
    # The same reference without its target: a fresh document, so this one must fail.
    assert render_rst("See target_.\n", problems) is None
    assert "Unknown target name" in problems.getvalue()
