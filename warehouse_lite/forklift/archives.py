"""Looking inside the uploaded archive before accepting it.

A wheel must be a valid zip and an sdist a valid gzipped tar; no member may escape the
extraction directory; the declared uncompressed size may not exceed a multiple of the upload
(zip/gzip bombs); the wheel's .dist-info/METADATA (kept for PEP 658) or the sdist's PKG-INFO
must exist and name the same project and version as the form. Only the metadata file itself
is decompressed, so a hostile archive costs us little.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from typing import BinaryIO

from packaging.metadata import Metadata
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.metadata import ValidatedMetadata

# An archive may expand to MAX_RATIO times its size, or BOMB_FLOOR, whichever is larger.
MAX_RATIO = 50
BOMB_FLOOR = 16 * 1024 * 1024
MAX_METADATA_SIZE = 8 * 1024 * 1024
MAX_MEMBERS = 100_000


def _invalid(filename: str, why: str) -> UploadError:
    return UploadError(f"Invalid distribution file {filename!r}: {why}.")


def check_member_name(filename: str, name: str) -> None:
    """UploadError if extracting ``name`` could write outside the target directory."""
    parts = name.replace("\\", "/").split("/")
    if (
        not name
        or "\x00" in name
        or name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
    ):
        raise _invalid(filename, f"the archive member {name!r} has an unsafe path")


def _check_expansion(filename: str, total: int, archive_size: int) -> None:
    if total > max(BOMB_FLOOR, MAX_RATIO * archive_size):
        raise _invalid(
            filename,
            f"it expands to more than {MAX_RATIO} times its size (a compression bomb?)",
        )


def _compare_metadata(filename: str, where: str, data: bytes, meta: ValidatedMetadata) -> None:
    try:
        parsed = Metadata.from_email(data, validate=False)
        name, version = parsed.name, parsed.version
    except (ValueError, InvalidVersion, UnicodeDecodeError, LookupError, TypeError):
        raise _invalid(filename, f"{where} cannot be parsed") from None
    if not name or canonicalize_name(name) != meta.normalized_name:
        raise UploadError(
            f"The name in {where} ({name!r}) does not match the name in the upload form "
            f"({meta.name!r})."
        )
    if not isinstance(version, Version) or version != meta.version:
        raise UploadError(
            f"The version in {where} ({version}) does not match the version in the upload "
            f"form ({meta.version_string})."
        )


def _dist_info(filename: str, names: list[str], meta: ValidatedMetadata) -> str:
    """The wheel's top-level .dist-info directory for this project and version.

    Its spelling may differ from the filename's (older tools did not normalize one or the
    other), so names and versions are compared in their normalized forms.
    """
    found = set()
    for name in names:
        top, _, rest = name.partition("/")
        if not top.endswith(".dist-info") or not rest:
            continue
        project, _, version = top.removesuffix(".dist-info").rpartition("-")
        try:
            if (
                canonicalize_name(project) == meta.normalized_name
                and Version(version) == meta.version
            ):
                found.add(top)
        except InvalidVersion:
            continue
    if len(found) > 1:
        raise _invalid(filename, f"it has more than one .dist-info directory ({sorted(found)})")
    if not found:
        name_part, version_part = filename.split("-")[:2]
        return f"{name_part}-{version_part}.dist-info"
    return found.pop()


def inspect_wheel(
    source: BinaryIO, filename: str, archive_size: int, meta: ValidatedMetadata
) -> bytes:
    """Check a wheel and return the bytes of its METADATA."""
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _invalid(filename, "it has too many members")
            names = [info.filename for info in infos]
            if len(set(names)) != len(names):
                raise _invalid(filename, "the zip archive has duplicate members")
            for name in names:
                check_member_name(filename, name)
            _check_expansion(filename, sum(info.file_size for info in infos), archive_size)
            dist_info = _dist_info(filename, names, meta)
            for required in ("METADATA", "WHEEL"):
                if f"{dist_info}/{required}" not in names:
                    raise UploadError(
                        f"The wheel {filename!r} does not contain {dist_info}/{required}."
                    )
            info = archive.getinfo(f"{dist_info}/METADATA")
            if info.file_size > MAX_METADATA_SIZE:
                raise _invalid(filename, "its METADATA file is too large")
            with archive.open(info) as handle:
                data = handle.read(MAX_METADATA_SIZE + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as exc:
        raise _invalid(filename, f"it is not a readable zip archive ({exc})") from None
    except (ValueError, NotImplementedError, RuntimeError) as exc:
        raise _invalid(filename, f"the zip archive cannot be read ({exc})") from None
    _compare_metadata(filename, f"{dist_info}/METADATA", data, meta)
    return data


def _check_tar_member(filename: str, member: tarfile.TarInfo) -> None:
    check_member_name(filename, member.name)
    if member.issym() or member.islnk():
        try:
            check_member_name(filename, member.linkname)
        except UploadError:
            raise _invalid(
                filename, f"the link {member.name!r} points outside the archive"
            ) from None
    elif not (member.isreg() or member.isdir()):
        raise _invalid(filename, f"the archive member {member.name!r} is a device or FIFO")


def inspect_sdist(
    source: BinaryIO, filename: str, archive_size: int, meta: ValidatedMetadata
) -> None:
    """Check an sdist: a .tar.gz with {name}-{version}/PKG-INFO naming this release."""
    top = filename.removesuffix(".tar.gz")
    wanted = f"{top}/PKG-INFO"
    data = None
    total = 0
    try:
        with tarfile.open(fileobj=source, mode="r:gz") as archive:
            for count, member in enumerate(archive, start=1):
                if count > MAX_MEMBERS:
                    raise _invalid(filename, "it has too many members")
                _check_tar_member(filename, member)
                # Checked at each header, before the member's data is decompressed.
                total += member.size
                _check_expansion(filename, total, archive_size)
                if member.name.removeprefix("./") == wanted and member.isreg():
                    if member.size > MAX_METADATA_SIZE:
                        raise _invalid(filename, "its PKG-INFO file is too large")
                    handle = archive.extractfile(member)
                    data = handle.read() if handle is not None else None
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise _invalid(filename, f"it is not a readable .tar.gz archive ({exc})") from None
    if data is None:
        raise UploadError(f"The sdist {filename!r} does not contain {wanted}.")
    _compare_metadata(filename, wanted, data, meta)
