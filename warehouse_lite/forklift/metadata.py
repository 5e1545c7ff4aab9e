"""Validating the core metadata of an upload (Metadata-Version 1.0 to 2.5).

`packaging.metadata` checks each field's syntax and that the field exists in the declared
metadata version. On top of that come PyPI's own rules: no local versions, known trove
classifiers only, no direct URL dependencies, real http(s) URLs, email-shaped addresses and
length limits that match our columns.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import trove_classifiers
from packaging.metadata import InvalidMetadata, Metadata, RawMetadata
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name, canonicalize_version
from packaging.version import Version

from warehouse_lite.forklift.errors import UploadError

SPEC_URL = "https://packaging.python.org/specifications/core-metadata/"
MAX_NAME_LENGTH = 200
MAX_VERSION_LENGTH = 100
MAX_SUMMARY_LENGTH = 512
MAX_URL_LABEL_LENGTH = 32
MAX_REQUIRES_PYTHON_LENGTH = 200
MAX_CONTENT_TYPE_LENGTH = 128
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ValidatedMetadata:
    """What the rest of the upload needs from the metadata."""

    name: str
    normalized_name: NormalizedName
    version: Version
    version_string: str
    canonical_version: str
    release_fields: dict[str, Any]


def _packaging_errors(group: BaseExceptionGroup[Any]) -> list[str]:
    messages = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            messages.extend(_packaging_errors(exc))
        else:
            messages.append(str(exc))
    return messages


def parse_metadata(raw: RawMetadata) -> Metadata:
    """Metadata.from_raw with every problem collected into one readable UploadError."""
    if "metadata_version" not in raw:
        raise UploadError("The field 'metadata_version' is required.")
    if "name" not in raw:
        raise UploadError("The field 'name' is required.")
    if "version" not in raw:
        raise UploadError("The field 'version' is required.")
    try:
        return Metadata.from_raw(raw, validate=True)
    except (ExceptionGroup, InvalidMetadata) as exc:
        problems = _packaging_errors(exc) if isinstance(exc, BaseExceptionGroup) else [str(exc)]
        raise UploadError(f"Invalid metadata: {'; '.join(problems)}. See {SPEC_URL}") from None


def check_classifiers(classifiers: list[str], *, license_expression: str | None) -> None:
    for classifier in classifiers:
        if classifier.startswith("Private ::"):
            raise UploadError(
                f"The classifier {classifier!r} is private: classifiers starting with "
                "'Private ::' exist to prevent accidental uploads."
            )
        if classifier in trove_classifiers.deprecated_classifiers:
            replacements = trove_classifiers.deprecated_classifiers[classifier]
            hint = (
                f" use {', '.join(repr(r) for r in replacements)} instead"
                if replacements
                else " remove it"
            )
            raise UploadError(f"The classifier {classifier!r} is deprecated:{hint}.")
        if classifier not in trove_classifiers.classifiers:
            raise UploadError(
                f"{classifier!r} is not a valid classifier; see https://pypi.org/classifiers/"
            )
        if license_expression and classifier.startswith("License ::"):
            raise UploadError(
                f"The license classifier {classifier!r} cannot be combined with "
                "License-Expression: remove the classifier (PEP 639)."
            )


def _check_url(field: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UploadError(f"{value!r} is not a valid http(s) URL for {field}.")


def _check_emails(field: str, value: str) -> None:
    for _, address in email.utils.getaddresses([value]):
        if not _EMAIL_RE.match(address):
            raise UploadError(f"{value!r} is not a valid email address list for {field}.")


def check_extra_rules(meta: Metadata, raw: RawMetadata) -> None:
    """PyPI's rules beyond the core metadata specification."""
    if len(raw["name"]) > MAX_NAME_LENGTH:
        raise UploadError(f"The project name is longer than {MAX_NAME_LENGTH} characters.")
    if len(raw["version"]) > MAX_VERSION_LENGTH:
        raise UploadError(f"The version is longer than {MAX_VERSION_LENGTH} characters.")
    if meta.version.local is not None:
        raise UploadError(
            f"Local versions such as {raw['version']!r} cannot be uploaded (PEP 440): "
            "remove the '+...' part."
        )
    if meta.summary and len(meta.summary) > MAX_SUMMARY_LENGTH:
        raise UploadError(f"The summary is longer than {MAX_SUMMARY_LENGTH} characters.")
    # The column widths of the fields whose syntax does not already bound them.
    if len(raw.get("requires_python") or "") > MAX_REQUIRES_PYTHON_LENGTH:
        raise UploadError(
            f"The field 'requires_python' is longer than {MAX_REQUIRES_PYTHON_LENGTH} characters."
        )
    if len(raw.get("description_content_type") or "") > MAX_CONTENT_TYPE_LENGTH:
        raise UploadError(
            f"The field 'description_content_type' is longer than {MAX_CONTENT_TYPE_LENGTH} "
            "characters."
        )
    for req in meta.requires_dist or []:
        if req.url:
            raise UploadError(
                f"Direct URL dependencies such as {str(req)!r} cannot be uploaded: "
                "depend on a released version instead."
            )
    check_classifiers(meta.classifiers or [], license_expression=raw.get("license_expression"))
    for field, value in (("Home-page", meta.home_page), ("Download-URL", meta.download_url)):
        if value:
            _check_url(field, value)
    for label, url in (meta.project_urls or {}).items():
        if len(label) > MAX_URL_LABEL_LENGTH:
            raise UploadError(
                f"The project URL label {label!r} is longer than {MAX_URL_LABEL_LENGTH} characters."
            )
        _check_url(f"the project URL {label!r}", url)
    for field, value in (
        ("Author-email", meta.author_email),
        ("Maintainer-email", meta.maintainer_email),
    ):
        if value:
            _check_emails(field, value)


def _release_fields(meta: Metadata, raw: RawMetadata) -> dict[str, Any]:
    requires_python = raw.get("requires_python")
    return {
        "metadata_version": meta.metadata_version,
        "summary": meta.summary,
        "description": meta.description,
        "description_content_type": meta.description_content_type,
        "author": meta.author,
        "author_email": meta.author_email,
        "maintainer": meta.maintainer,
        "maintainer_email": meta.maintainer_email,
        "license": meta.license,
        "license_expression": raw.get("license_expression"),
        "keywords": ",".join(meta.keywords) if meta.keywords else None,
        "home_page": meta.home_page,
        "download_url": meta.download_url,
        "platform": ",".join(meta.platforms) if meta.platforms else None,
        "requires_python": requires_python.strip() if requires_python else None,
        "classifiers": list(meta.classifiers or []),
        "requires_dist": [str(Requirement(r)) for r in raw.get("requires_dist", [])],
        "provides_extra": list(raw.get("provides_extra", [])),
        "project_urls": [f"{label}, {url}" for label, url in (meta.project_urls or {}).items()],
        "dynamic": list(meta.dynamic or []),
        "license_files": list(raw.get("license_files", [])),
    }


def validate_metadata(raw: RawMetadata) -> ValidatedMetadata:
    """Check the form's metadata; UploadError naming the first field at fault."""
    meta = parse_metadata(raw)
    check_extra_rules(meta, raw)
    version_string = raw["version"]
    return ValidatedMetadata(
        name=raw["name"],
        normalized_name=canonicalize_name(raw["name"]),
        version=meta.version,
        version_string=version_string,
        canonical_version=canonicalize_version(meta.version),
        release_fields=_release_fields(meta, raw),
    )
