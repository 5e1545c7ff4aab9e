"""Validating the core metadata of an upload (Metadata-Version 1.0 to 2.5).

`packaging.metadata` checks each field's syntax and that the field exists in the declared
metadata version. On top of that come PyPI's own rules: no local versions, known trove
classifiers only, no direct URL dependencies, real http(s) URLs and email-shaped addresses.

The form's fields were bounded in length before (bounds.py); the values that reach a parser
which recurses (requirement markers, content types, address lists) are also checked here for
what would make it recurse deeply, so that every check is linear in its input.
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

from warehouse_lite.forklift.bounds import check_content_type_shape, check_requirement_shape
from warehouse_lite.forklift.errors import UploadError

SPEC_URL = "https://packaging.python.org/specifications/core-metadata/"
MAX_URL_LABEL_LENGTH = 32
# email.utils.getaddresses recurses once per comment "(" and per group ":"; an address list
# with more of them than this is refused before it is parsed.
MAX_ADDRESS_NESTING = 16
_WHITESPACE = re.compile(r"\s")


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
    for requirement in raw.get("requires_dist", []):
        check_requirement_shape("requires_dist", requirement)
    if "description_content_type" in raw:
        check_content_type_shape(raw["description_content_type"])
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
    try:
        parts = urlsplit(value)
        valid = parts.scheme in {"http", "https"} and bool(parts.hostname)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        valid = False
    if not valid:
        raise UploadError(f"{value!r} is not a valid http(s) URL for {field}.")


def is_email_address(address: str) -> bool:
    """local@domain.tld: one "@", a dot inside the domain, no whitespace (a linear scan)."""
    local, _, domain = address.partition("@")
    return (
        bool(local)
        and "@" not in domain
        and "." in domain[1:-1]
        and _WHITESPACE.search(address) is None
    )


def _check_emails(field: str, value: str) -> None:
    if value.count("(") + value.count(":") > MAX_ADDRESS_NESTING:
        raise UploadError(
            f"{field} has more than {MAX_ADDRESS_NESTING} '(' and ':' characters; write it as "
            "'Name <address>, ...'."
        )
    for _, address in email.utils.getaddresses([value]):
        if not is_email_address(address):
            raise UploadError(f"{value!r} is not a valid email address list for {field}.")


def check_extra_rules(meta: Metadata, raw: RawMetadata) -> None:
    """PyPI's rules beyond the core metadata specification."""
    if meta.version.local is not None:
        raise UploadError(
            f"Local versions such as {raw['version']!r} cannot be uploaded (PEP 440): "
            "remove the '+...' part."
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
