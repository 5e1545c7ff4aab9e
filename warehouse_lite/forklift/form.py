"""Reading the multipart upload form: the file, its digests and the raw core metadata.

Clients send one form field per core metadata field, repeating the key for multi-use fields
(classifiers, requires_dist, project_urls ...). Field names follow twine/uv/flit; a few have
two spellings in the wild. Empty values count as absent, as they do on PyPI. What happens to
every field (honoured, checked, refused, or why it is ignored) is in docs/decisions.md, "The
upload form, field by field".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from warehouse_lite.forklift.errors import UploadError

if TYPE_CHECKING:
    from packaging.metadata import RawMetadata

# Form field -> packaging.metadata.RawMetadata key, for fields that hold one value.
STRING_FIELDS = {
    "metadata_version": "metadata_version",
    "name": "name",
    "version": "version",
    "summary": "summary",
    "description": "description",
    "description_content_type": "description_content_type",
    "home_page": "home_page",
    "download_url": "download_url",
    "author": "author",
    "author_email": "author_email",
    "maintainer": "maintainer",
    "maintainer_email": "maintainer_email",
    "license": "license",
    "license_expression": "license_expression",
    "requires_python": "requires_python",
}

# Form field -> RawMetadata key, for fields that may be repeated.
LIST_FIELDS = {
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "classifiers": "classifiers",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
    "requires_dist": "requires_dist",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "requires_external": "requires_external",
    "provides_extra": "provides_extra",
    "dynamic": "dynamic",
    "license_file": "license_files",
    "license_files": "license_files",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}

PROJECT_URL_FIELDS = ("project_urls", "project_url")
DIGEST_FIELDS = ("md5_digest", "sha256_digest", "blake2_256_digest")
SUPPORTED_FILETYPES = {"sdist", "bdist_wheel"}
MAX_COMMENT_LENGTH = 2000
# PEP 740 attestations are verified against the identity of a trusted publisher; without
# trusted publishing there is nothing to check them against, so they are refused (as PyPI
# refuses them from uploads that do not use it) rather than dropped.
ATTESTATIONS_REFUSED = (
    "Invalid attestations supplied during upload: Attestations are only supported when using "
    "Trusted Publishing. This index does not offer trusted publishing yet: upload without "
    "attestations (twine: without --attestations)."
)
# C0 control characters other than tab, newline and carriage return (which the metadata checks
# handle field by field, e.g. a one-line summary). NUL in particular cannot even be stored.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class UploadForm:
    """The parts of an upload request that the checks need."""

    filetype: str
    pyversion: str
    filename: str
    content: BinaryIO
    digests: dict[str, str]
    raw: RawMetadata
    comment: str | None = None
    # A detached GPG signature (.asc) came along; like PyPI, the index does not keep it.
    gpg_signature: bool = False


def _single(post: Any, key: str) -> str | None:
    values = [v for v in post.getall(key) if isinstance(v, str)]
    if len(set(values)) > 1:
        raise UploadError(f"The field {key!r} was sent more than once with different values.")
    value = values[0].strip() if values else ""
    return value or None


def _project_urls(entries: list[str]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for entry in entries:
        label, sep, url = entry.partition(",")
        label, url = label.strip(), url.strip()
        if not sep or not label or not url:
            raise UploadError(
                f"Invalid project URL {entry!r}: each project_urls value is 'Label, URL'."
            )
        if label in urls and urls[label] != url:
            raise UploadError(f"The project URL label {label!r} is used more than once.")
        urls[label] = url
    return urls


def raw_metadata(post: Any) -> RawMetadata:
    """packaging's RawMetadata from the form fields."""
    raw: dict[str, Any] = {}
    for key, raw_key in STRING_FIELDS.items():
        value = _single(post, key)
        if value is not None:
            raw[raw_key] = value
    for key, raw_key in LIST_FIELDS.items():
        values = [v.strip() for v in post.getall(key) if isinstance(v, str) and v.strip()]
        if values:
            raw.setdefault(raw_key, []).extend(values)
    keywords = _single(post, "keywords")
    if keywords is not None:
        raw["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
    url_entries = [
        v.strip()
        for key in PROJECT_URL_FIELDS
        for v in post.getall(key)
        if isinstance(v, str) and v.strip()
    ]
    if url_entries:
        raw["project_urls"] = _project_urls(url_entries)
    return raw  # type: ignore[return-value]


def check_control_characters(post: Any) -> None:
    """UploadError naming the first form field whose name or value has a control character."""
    for key, value in post.items():
        if _CONTROL_CHARACTERS.search(key):
            raise UploadError(f"The form field name {key!r} contains a control character.")
        if isinstance(value, str) and (found := _CONTROL_CHARACTERS.search(value)):
            raise UploadError(
                f"The field {key!r} contains the control character {found.group()!r}; "
                "remove it and upload again."
            )


def parse_upload_form(post: Any) -> UploadForm:
    """Read ``request.POST`` of a file_upload; UploadError for a form no client would send."""
    check_control_characters(post)
    protocol = _single(post, "protocol_version") or "1"
    if protocol != "1":
        raise UploadError(f"Unknown protocol_version {protocol!r}: only version 1 is supported.")
    if "attestations" in post:
        raise UploadError(ATTESTATIONS_REFUSED)
    contents = post.getall("content")
    if len(contents) > 1:
        raise UploadError(
            "The field 'content' was sent more than once: upload one file per request."
        )
    content = contents[0] if contents else None
    if content is None or not hasattr(content, "file"):
        raise UploadError("The upload has no file: send it in the multipart field 'content'.")
    filename = (content.filename or "").strip()
    if not filename:
        raise UploadError("The uploaded file has no filename.")
    filetype = _single(post, "filetype")
    if filetype is None:
        raise UploadError("The field 'filetype' is required (sdist or bdist_wheel).")
    if filetype not in SUPPORTED_FILETYPES:
        raise UploadError(
            f"Unsupported filetype {filetype!r}: only sdist and bdist_wheel files can be uploaded."
        )
    digests = {}
    for key in DIGEST_FIELDS:
        value = _single(post, key)
        if value is not None:
            digests[key.removesuffix("_digest")] = value.lower()
    if not digests:
        raise UploadError(
            "Include at least one message digest of the file "
            "(md5_digest, sha256_digest or blake2_256_digest)."
        )
    raw = raw_metadata(post)
    comment = _single(post, "comment")
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        raise UploadError(f"The field 'comment' is longer than {MAX_COMMENT_LENGTH} characters.")
    return UploadForm(
        filetype=filetype,
        pyversion=_single(post, "pyversion") or "",
        filename=filename,
        content=content.file,
        digests=digests,
        raw=raw,
        comment=comment,
        gpg_signature="gpg_signature" in post,
    )


def ignored_fields_note(form: UploadForm) -> str:
    """What the response to a successful upload adds about fields the index did not keep."""
    if form.gpg_signature:
        return (
            " The GPG signature sent with it was not stored: like PyPI, this index does not "
            "keep or serve signatures."
        )
    return ""
