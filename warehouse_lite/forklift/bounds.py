"""How long each upload form field may be, checked before anything parses it.

Parsers and regular expressions then see bounded input: every check after this one is linear
in its input, and the bounds keep even that small (docs/security.md lists them). Single-line
fields (all but the description, the license text and the comment) may not contain line
breaks or other control characters: they end up in HTML attributes, email headers, and the
one-line cells of the JSON API.

Lengths are in characters, except the description's, which is in bytes of UTF-8 (the cost of
rendering it, and of storing it, follows its size).
"""

from __future__ import annotations

import re
from typing import Any

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.form import MAX_COMMENT_LENGTH

MAX_NAME_LENGTH = 200  # the projects.name column
MAX_VERSION_LENGTH = 100  # the releases.version column
MAX_SUMMARY_LENGTH = 512  # releases.summary, as on PyPI
MAX_URL_LENGTH = 2048
MAX_TEXT_LINE_LENGTH = 1024  # author, maintainer, their emails, keywords
MAX_LICENSE_LENGTH = 64 * 1024  # some projects put the whole license text here
MAX_VALUES = 1024  # values of one repeatable field (classifiers, requires_dist, ...)

# Form field -> the most characters one value may have. Fields not listed here are not read
# by the upload as text (the file) or are not limited by this module.
SINGLE_LINE: dict[str, int] = {
    "protocol_version": 8,
    "filetype": 16,
    "pyversion": 64,  # the files.python_version column
    "md5_digest": 128,
    "sha256_digest": 128,
    "blake2_256_digest": 128,
    "metadata_version": 10,  # the releases.metadata_version column
    "name": MAX_NAME_LENGTH,
    "version": MAX_VERSION_LENGTH,
    "summary": MAX_SUMMARY_LENGTH,
    "description_content_type": 128,  # the column
    "requires_python": 200,  # the column
    "home_page": MAX_URL_LENGTH,
    "download_url": MAX_URL_LENGTH,
    "author": MAX_TEXT_LINE_LENGTH,
    "author_email": MAX_TEXT_LINE_LENGTH,
    "maintainer": MAX_TEXT_LINE_LENGTH,
    "maintainer_email": MAX_TEXT_LINE_LENGTH,
    "keywords": MAX_TEXT_LINE_LENGTH,
    "license_expression": MAX_TEXT_LINE_LENGTH,
}
MULTI_LINE: dict[str, int] = {
    "license": MAX_LICENSE_LENGTH,
    "comment": MAX_COMMENT_LENGTH,  # stored with the file
}
# Repeatable fields: the most characters one value may have (and at most MAX_VALUES values).
REPEATED: dict[str, int] = {
    "classifiers": 256,
    "platform": 256,
    "supported_platform": 256,
    "requires_dist": 1024,
    "provides_dist": 1024,
    "obsoletes_dist": 1024,
    "requires": 1024,
    "provides": 1024,
    "obsoletes": 1024,
    "requires_external": 1024,
    "provides_extra": 128,
    "dynamic": 64,
    "license_file": 1024,
    "license_files": 1024,
    "import_name": 256,
    "import_namespace": 256,
    "project_urls": MAX_URL_LENGTH,  # "Label, URL"
    "project_url": MAX_URL_LENGTH,
}
# Requirements are parsed by recursive descent, one level per parenthesis: a bound on their
# number bounds the depth (and no real marker needs more).
MAX_REQUIREMENT_PARENTHESES = 32
# Content types of descriptions are short and plain; without parentheses or backslashes the
# email header parser that reads them never recurses (comments) or backtracks.
_CONTENT_TYPE_CHARACTERS = re.compile(r"[A-Za-z0-9 /;=\-+._\"]*")
# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _texts(post: Any, key: str) -> list[str]:
    return [value.strip() for value in post.getall(key) if isinstance(value, str)]


def _check_length(key: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise UploadError(
            f"The field {key!r} is longer than {limit} characters ({len(value)}): shorten it."
        )


def _check_one_line(key: str, value: str) -> None:
    if found := _NOT_ONE_LINE.search(value):
        if found.group() in "\r\n\x85\u2028\u2029":
            raise UploadError(
                f"The field {key!r} must be a single line: it contains a line break "
                f"({found.group()!r})."
            )
        raise UploadError(
            f"The field {key!r} contains the control character {found.group()!r}; it must be "
            "a single line of text."
        )


def check_requirement_shape(key: str, value: str) -> None:
    """UploadError when a requirement has more parentheses than a parser should nest."""
    if value.count("(") > MAX_REQUIREMENT_PARENTHESES:
        raise UploadError(
            f"The requirement {value[:80]!r}... in {key!r} has more than "
            f"{MAX_REQUIREMENT_PARENTHESES} parentheses; simplify its environment marker."
        )


def check_description_size(description: str | None, max_size: int) -> None:
    """UploadError when the description is larger than ``max_size`` bytes of UTF-8."""
    if not description:
        return
    size = len(description.encode("utf-8", "surrogatepass"))
    if size > max_size:
        raise UploadError(
            f"The field 'description' is {size} bytes long; the limit is {max_size} bytes "
            f"({max_size // 1024} KiB). Shorten the description (e.g. link to the changelog "
            "instead of including it)."
        )


def check_content_type_shape(value: str) -> None:
    """UploadError unless a description content type holds only a type and simple
    parameters (what the email header parser then reads in linear time, without recursion)."""
    if not _CONTENT_TYPE_CHARACTERS.fullmatch(value):
        raise UploadError(
            f"The field 'description_content_type' ({value!r}) may only hold a type and "
            "parameters, e.g. 'text/markdown; charset=UTF-8; variant=GFM'."
        )


def check_form_bounds(post: Any, max_description_size: int) -> None:
    """UploadError naming the first field that is too long, has too many values, or (for a
    single-line field) a line break or control character."""
    for description in _texts(post, "description"):
        check_description_size(description, max_description_size)
    for key, limit in SINGLE_LINE.items():
        for value in _texts(post, key):
            _check_length(key, value, limit)
            _check_one_line(key, value)
    for key, limit in MULTI_LINE.items():
        for value in _texts(post, key):
            _check_length(key, value, limit)
    for key, limit in REPEATED.items():
        values = _texts(post, key)
        if len(values) > MAX_VALUES:
            raise UploadError(
                f"The field {key!r} was sent {len(values)} times; at most {MAX_VALUES} values "
                "are accepted."
            )
        for value in values:
            _check_length(key, value, limit)
            _check_one_line(key, value)
