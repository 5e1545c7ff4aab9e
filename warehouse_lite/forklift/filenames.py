"""Filename rules: wheel names (wheel spec; their tags in tags.py), sdist names (PEP 625), and
that the name and version in the filename are the ones in the form."""

from __future__ import annotations

import re

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.metadata import ValidatedMetadata
from warehouse_lite.forklift.tags import check_wheel_tags

MAX_FILENAME_LENGTH = 255
_BAD_CHARACTERS = re.compile(r"[\x00-\x1f\x7f/\\]")
MAX_PYVERSION_LENGTH = 64
# What a name and a version can be spelled with (PEP 508 names, PEP 440 versions with epochs),
# ASCII only: a look-alike letter must not count as part of a project's name.
_SDIST_STEM = re.compile(r"[A-Za-z0-9._!-]+")


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


def _stem_splits(stem: str) -> list[tuple[str, str]]:
    # Every way to read "{name}-{version}": names and versions may both contain "-".
    return [(stem[:i], stem[i + 1 :]) for i, char in enumerate(stem) if char == "-"]


def _same_version(text: str, version: Version) -> bool:
    try:
        return Version(text) == version
    except InvalidVersion:
        return False


def check_sdist_filename(filename: str, meta: ValidatedMetadata, *, strict: bool) -> str | None:
    """UploadError unless ``filename`` is an sdist of exactly this project and version.

    Returns None for a PEP 625 name (``{escaped_name}-{normalized version}.tar.gz``); for a
    name that older build backends write (``My.Project-1.0.0.tar.gz`` where the form says
    ``my-project`` ``1.0.0``: setuptools before 69.3), the name it should have had, or with
    ``strict`` an UploadError. The form's version decides where the name ends (both may
    contain "-"): the name is what comes before a "-" followed by that version."""
    if not filename.endswith(".tar.gz"):
        raise UploadError(
            f"Invalid sdist filename {filename!r}: source distributions must be .tar.gz "
            "files named {name}-{version}.tar.gz (PEP 625)."
        )
    normalized = f"{escaped_name(meta.name)}-{meta.version}.tar.gz"
    if filename == normalized:
        return None
    stem = filename.removesuffix(".tar.gz")
    if not _SDIST_STEM.fullmatch(stem) or "-" not in stem:
        raise UploadError(
            f"Invalid sdist filename {filename!r}: it must be {{name}}-{{version}}.tar.gz "
            "with letters, digits and . _ - ! only (PEP 625)."
        )
    splits = _stem_splits(stem)
    names = [name for name, version in splits if _same_version(version, meta.version)]
    if not names:
        raise _mismatch(filename, "version", splits[-1][1], meta.version)
    if meta.normalized_name not in {canonicalize_name(name) for name in names}:
        raise _mismatch(filename, "project name", names[0], meta.normalized_name)
    if strict:
        raise UploadError(
            f"Invalid sdist filename {filename!r}: it must be normalized, {normalized!r} "
            "(PEP 625). Upgrade your build backend (setuptools 69.3 or later) and build again."
        )
    return normalized


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


def check_wheel_filename(filename: str, meta: ValidatedMetadata, *, allow_linux: bool) -> None:
    if not filename.endswith(".whl"):
        raise UploadError(f"Invalid wheel filename {filename!r}: a wheel ends with .whl.")
    try:
        name, version, _build, _tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise UploadError(f"{exc}.") from None
    if name != meta.normalized_name:
        raise _mismatch(filename, "project name", name, meta.normalized_name)
    if version != meta.version:
        raise _mismatch(filename, "version", version, meta.version)
    check_wheel_tags(filename, allow_linux=allow_linux)


def check_filename(
    filename: str,
    filetype: str,
    pyversion: str,
    meta: ValidatedMetadata,
    *,
    strict_sdist_names: bool,
    allow_linux_wheels: bool,
) -> str | None:
    """UploadError unless ``filename`` is a proper name for this filetype, name and version.

    Returns the PEP 625 name an sdist should have had when it was built by an older backend
    and ``strict_sdist_names`` is off (the caller tells the uploader); None otherwise."""
    _check_plain(filename)
    if filetype == "sdist":
        if filename.endswith(".whl"):
            raise UploadError(f"{filename!r} is a wheel, but filetype says sdist.")
        normalized = check_sdist_filename(filename, meta, strict=strict_sdist_names)
        if pyversion and pyversion != "source":
            raise UploadError("Use 'source' as the pyversion of an sdist.")
        return normalized
    if filename.endswith((".tar.gz", ".zip")):
        raise UploadError(f"{filename!r} is not a wheel, but filetype says bdist_wheel.")
    check_wheel_filename(filename, meta, allow_linux=allow_linux_wheels)
    check_wheel_pyversion(filename, pyversion)
    return None
