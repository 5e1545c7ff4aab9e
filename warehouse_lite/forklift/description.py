"""The description must render (reStructuredText, Markdown or plain text); we keep the HTML."""

from __future__ import annotations

import email.message
import io

from readme_renderer import markdown, rst, txt

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
        rendered = rst.render(text, stream=stream)
    if rendered is None:
        explicit = "" if content_type else " (the default when no content type is given)"
        raise UploadError(
            f"The description failed to render as {_NAMES.get(mime, mime)}{explicit}: "
            "fix the markup or set description_content_type (e.g. text/markdown)."
            + _first_problem(stream)
        )
    return rendered
