"""The description must render (reStructuredText, Markdown or plain text); we keep the HTML."""

from __future__ import annotations

import copy
import email.message
import functools
import io
from typing import Any

from docutils.core import publish_parts
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser as RstParser
from docutils.readers.standalone import Reader as RstReader
from docutils.utils import SystemMessage
from docutils.writers.html5_polyglot import Writer as HtmlWriter
from readme_renderer import markdown, txt
from readme_renderer.clean import clean
from readme_renderer.rst import SETTINGS as RST_SETTINGS
from readme_renderer.rst import ReadMeHTMLTranslator

from warehouse_lite.forklift.errors import UploadError

DEFAULT_CONTENT_TYPE = "text/x-rst"
_NAMES = {
    "text/x-rst": "reStructuredText",
    "text/markdown": "Markdown",
    "text/plain": "plain text",
}


def parse_content_type(value: str | None) -> tuple[str, dict[str, str]]:
    """(mime type, parameters) of a Description-Content-Type; reStructuredText by default."""
    message = email.message.EmailMessage()
    message["content-type"] = value or DEFAULT_CONTENT_TYPE
    params = {k.lower(): v for k, v in message["content-type"].params.items()}
    return message.get_content_type().lower(), params


def _first_problem(stream: io.StringIO) -> str:
    text = stream.getvalue().strip()
    if not text:
        return ""
    # docutils reports '<string>:3: (ERROR/3) Unknown directive type "foo".' and the source.
    line = text.splitlines()[0].replace("<string>:", "line ")
    return f" The first problem: {line}"


@functools.cache
def _rst_settings() -> Any:
    # readme_renderer.rst.render gives docutils its settings as overrides, and docutils then
    # builds its whole option parser again (and reads any docutils.conf it finds) for every
    # description: about a third of rendering a short README. The same settings, resolved
    # once here, without config files, so that the result cannot depend on the server's
    # working directory.
    settings = get_default_settings(RstParser, RstReader, HtmlWriter)
    # As docutils does for programmatic use: errors raise (SystemMessage), never sys.exit.
    settings.traceback = True
    settings._update(RST_SETTINGS, "loose")
    return settings


def render_rst(text: str, stream: io.StringIO) -> str | None:
    """reStructuredText to sanitized HTML exactly as readme_renderer.rst.render (PyPI) does,
    with the docutils settings built once; None, with the problems in ``stream``, when it
    does not render."""
    settings = copy.deepcopy(_rst_settings())  # docutils may change it while it works
    settings.warning_stream = stream
    writer = HtmlWriter()
    writer.translator_class = ReadMeHTMLTranslator
    try:
        parts = publish_parts(text, writer=writer, settings=settings)
    except SystemMessage:
        return None
    rendered = parts.get("docinfo", "") + parts.get("fragment", "")
    if not rendered:
        if not stream.tell():
            stream.write("No content rendered from RST source.")
        return None
    return clean(rendered)


def render_description(text: str | None, content_type: str | None) -> str | None:
    """HTML of the description, or UploadError when it does not render (as PyPI does)."""
    if not text:
        return None
    mime, params = parse_content_type(content_type)
    stream = io.StringIO()
    if mime == "text/markdown":
        rendered = markdown.render(text, variant=params.get("variant", "GFM"))
    elif mime == "text/plain":
        rendered = txt.render(text)
    else:
        rendered = render_rst(text, stream)
    if rendered is None:
        explicit = "" if content_type else " (the default when no content type is given)"
        raise UploadError(
            f"The description failed to render as {_NAMES.get(mime, mime)}{explicit}: "
            "fix the markup or set description_content_type (e.g. text/markdown)."
            + _first_problem(stream)
        )
    return rendered
