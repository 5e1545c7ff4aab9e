"""Filename rules: wheel names and tags (wheel spec), sdist names (PEP 625), and that the
name and version in the filename are the ones in the form."""

from __future__ import annotations

import re

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.metadata import ValidatedMetadata

MAX_FILENAME_LENGTH = 255
_BAD_CHARACTERS = re.compile(r"[\x00-\x1f\x7f/\\]")
MAX_PYVERSION_LENGTH = 64


def escaped_name(name: str) -> str:
    """The project name as it appears in distribution filenames (PEP 625, wheel spec)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _check_plain(filename: str) -> None:
    if len(filename) > MAX_FILENAME_LENGTH:
        raise UploadError(f"The filename is longer than {MAX_FILENAME_LENGTH} characters.")
    if _BAD_CHARACTERS.search(filename) or filename.startswith("."):
        raise UploadError(f"Invalid filename {filename!r}: it must be a plain file name.")


def _mismatch(filename: str, what: str, in_name: object, in_form: object) -> UploadError:
    return UploadError(
        f"The {what} in the filename {filename!r} ({in_name}) does not match the {what} "
        f"in the metadata ({in_form})."
    )


def check_sdist_filename(filename: str, meta: ValidatedMetadata) -> None:
    if not filename.endswith(".tar.gz"):
        raise UploadError(
            f"Invalid sdist filename {filename!r}: source distributions must be .tar.gz "
            "files named {name}-{version}.tar.gz (PEP 625)."
        )
    try:
        name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename as exc:
        raise UploadError(f"{exc} (PEP 625: {{name}}-{{version}}.tar.gz).") from None
    if name != meta.normalized_name:
        raise _mismatch(filename, "project name", name, meta.normalized_name)
    if version != meta.version:
        raise _mismatch(filename, "version", version, meta.version)
    expected = escaped_name(meta.name)
    given = filename.removesuffix(".tar.gz").rpartition("-")[0]
    if given != expected:
        raise UploadError(
            f"Invalid sdist filename {filename!r}: the name part must be normalized, "
            f"{expected!r} (PEP 625)."
        )


def check_wheel_pyversion(filename: str, pyversion: str) -> None:
    """UploadError unless ``pyversion`` is the wheel's Python tag (e.g. py3, or py2.py3), or
    one of the tags in it: clients send the filename's own Python tag."""
    if not pyversion or pyversion == "source":
        raise UploadError("A wheel upload needs its Python tag in pyversion (e.g. py3).")
    if len(pyversion) > MAX_PYVERSION_LENGTH:
        raise UploadError(
            f"The field 'pyversion' is longer than {MAX_PYVERSION_LENGTH} characters."
        )
    python_tag = filename.removesuffix(".whl").split("-")[-3]
    allowed = set(python_tag.split("."))
    if not set(pyversion.split(".")) <= allowed:
        raise UploadError(
            f"The pyversion {pyversion!r} does not match the Python tag of the wheel "
            f"{filename!r} ({python_tag!r})."
        )


def check_wheel_filename(filename: str, meta: ValidatedMetadata) -> None:
    if not filename.endswith(".whl"):
        raise UploadError(f"Invalid wheel filename {filename!r}: a wheel ends with .whl.")
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise UploadError(f"{exc}.") from None
    if name != meta.normalized_name:
        raise _mismatch(filename, "project name", name, meta.normalized_name)
    if version != meta.version:
        raise _mismatch(filename, "version", version, meta.version)
    for tag in tags:
        # Plain linux tags promise nothing about the libc; PyPI only takes manylinux/musllinux.
        if tag.platform.startswith("linux"):
            raise UploadError(
                f"The wheel {filename!r} has the unsupported platform tag {tag.platform!r}: "
                "build manylinux or musllinux wheels instead."
            )


def check_filename(filename: str, filetype: str, pyversion: str, meta: ValidatedMetadata) -> None:
    """UploadError unless ``filename`` is a proper name for this filetype, name and version."""
    _check_plain(filename)
    if filetype == "sdist":
        if filename.endswith(".whl"):
            raise UploadError(f"{filename!r} is a wheel, but filetype says sdist.")
        check_sdist_filename(filename, meta)
        if pyversion and pyversion != "source":
            raise UploadError("Use 'source' as the pyversion of an sdist.")
    else:
        if filename.endswith((".tar.gz", ".zip")):
            raise UploadError(f"{filename!r} is not a wheel, but filetype says bdist_wheel.")
        check_wheel_filename(filename, meta)
        check_wheel_pyversion(filename, pyversion)
