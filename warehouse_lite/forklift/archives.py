"""Looking inside the uploaded archive before accepting it.

A wheel must be a valid zip and an sdist a valid gzipped tar; no member may escape the
extraction directory; the declared uncompressed size may not exceed a multiple of the upload
(zip/gzip bombs); the wheel's .dist-info/METADATA (kept for PEP 658) or the sdist's PKG-INFO
must exist and name the same project and version as the form. Only the metadata file itself
is decompressed, so a hostile archive costs us little.
"""

from __future__ import annotations

import gzip
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from packaging.metadata import Metadata, RawMetadata, parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from warehouse_lite.forklift import bounds
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.metadata import ValidatedMetadata

# An archive may expand to MAX_RATIO times its size, or BOMB_FLOOR, whichever is larger.
MAX_RATIO = 50
BOMB_FLOOR = 16 * 1024 * 1024
MAX_METADATA_SIZE = 8 * 1024 * 1024
MAX_MEMBERS = 100_000
# A PAX extended header or GNU long name holds a path, a link target, times and such;
# tarfile reads it whole into memory, so anything larger than this is refused unread.
MAX_TAR_HEADER_SIZE = 64 * 1024
# Extended headers chained in front of one member (tarfile reads them recursively).
MAX_HEADER_CHAIN = 8
_EXTENDED_HEADER_TYPES = {
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
    tarfile.SOLARIS_XHDTYPE,
}


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


def _expansion_limit(archive_size: int) -> int:
    return max(BOMB_FLOOR, MAX_RATIO * archive_size)


def _bomb(filename: str) -> UploadError:
    return _invalid(
        filename, f"it expands to more than {MAX_RATIO} times its size (a compression bomb?)"
    )


def _check_expansion(filename: str, total: int, archive_size: int) -> None:
    if total > _expansion_limit(archive_size):
        raise _bomb(filename)


def _requirements(values: list[str]) -> set[Requirement]:
    # Requirement equality ignores spelling: name and extras normalized, specifiers as sets.
    return {Requirement(value) for value in values}


def _extras(values: list[str]) -> set[str]:
    return {canonicalize_name(value) for value in values}


def _specifiers(value: str | None) -> SpecifierSet | None:
    return SpecifierSet(value) if value and value.strip() else None


def _within_form_bounds(raw_name: str, value: object) -> bool:
    """Whether a field of the file's metadata fits the bounds of the form's (bounds.py)."""
    if isinstance(value, str):
        return len(value) <= bounds.SINGLE_LINE[raw_name]
    if not isinstance(value, list):
        return value is None
    limit = bounds.REPEATED[raw_name]
    return len(value) <= bounds.MAX_VALUES and all(
        len(item) <= limit and item.count("(") <= bounds.MAX_REQUIREMENT_PARENTHESES
        for item in value
    )


# Fields the index shows from the form that also have to be what the file itself says:
# (field name, RawMetadata key, how to compare).
_SHOWN_FIELDS: tuple[tuple[str, str, Callable[[Any], object]], ...] = (
    ("Requires-Python", "requires_python", _specifiers),
    ("Requires-Dist", "requires_dist", lambda v: _requirements(v or [])),
    ("Provides-Extra", "provides_extra", lambda v: _extras(v or [])),
)


def _compare_shown_fields(
    where: str, raw: RawMetadata, meta: ValidatedMetadata, *, sdist: bool
) -> None:
    """UploadError naming the first field the index would show differently from the file.

    An sdist's PKG-INFO only binds from Metadata-Version 2.2 (PEP 643), and then not for the
    fields it lists as Dynamic (the build decides those)."""
    if sdist:
        try:
            if Version(raw.get("metadata_version", "1.0")) < Version("2.2"):
                return
        except ValueError:  # InvalidVersion, or a number too long for int()
            return
    dynamic = {value.lower() for value in raw.get("dynamic", [])}
    form = meta.release_fields
    for field, raw_name, normalize in _SHOWN_FIELDS:
        if sdist and field.lower() in dynamic:
            continue
        in_file = raw.get(raw_name)
        if not _within_form_bounds(raw_name, in_file):
            # The form's value is bounded, so this one cannot match it: refused unparsed.
            raise UploadError(
                f"The {field} in {where} has more or longer values than an upload form may "
                "have, so it cannot match the form's."
            )
        try:
            file_value = normalize(in_file)
        except (InvalidRequirement, InvalidSpecifier, ValueError):
            raise UploadError(f"{field} in {where} cannot be parsed: {in_file!r}.") from None
        if file_value != normalize(form.get(raw_name)):
            shown = in_file if in_file else "(none)"
            raise UploadError(
                f"The {field} in {where} ({shown}) does not match the {field} in the upload "
                f"form ({form.get(raw_name) or '(none)'}); both must say the same."
            )


def _compare_metadata(
    filename: str, where: str, data: bytes, meta: ValidatedMetadata, *, sdist: bool = False
) -> None:
    try:
        raw, _unparsed = parse_email(data)
        parsed = Metadata.from_raw(raw, validate=False)
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
    _compare_shown_fields(where, raw, meta, sdist=sdist)


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
        except ValueError:  # InvalidVersion, or a number too long for int()
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


class _CountingReader:
    """The decompressed sdist, read for tarfile; refuses to give out more than ``limit`` bytes.

    tarfile reads some things whole (extended headers) and skips member data by reading it, so
    the declared member sizes alone do not bound the work: this counts every byte it decompresses.
    """

    def __init__(self, source: BinaryIO, filename: str, limit: int) -> None:
        self._gzip = gzip.GzipFile(fileobj=source, mode="rb")
        self._filename = filename
        self._limit = limit
        self.total = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self._limit - self.total + 1:
            # Never decompress more than one byte beyond the limit in one call.
            size = self._limit - self.total + 1
        data = self._gzip.read(size)
        self.total += len(data)
        if self.total > self._limit:
            raise _bomb(self._filename)
        return data

    def close(self) -> None:
        self._gzip.close()


class _BoundedTarInfo(tarfile.TarInfo):
    """A TarInfo that refuses oversized or endlessly chained extended headers before tarfile
    reads them into memory."""

    def _proc_member(self, archive: Any) -> Any:
        filename = getattr(archive, "_wl_filename", "the sdist")
        if self.type in _EXTENDED_HEADER_TYPES:
            chain = getattr(archive, "_wl_chain", 0) + 1
            archive._wl_chain = chain
            if self.size > MAX_TAR_HEADER_SIZE:
                raise _invalid(
                    filename,
                    f"it has a {self.size}-byte extended tar header (PAX or GNU long name); "
                    f"at most {MAX_TAR_HEADER_SIZE} bytes are allowed",
                )
            if chain > MAX_HEADER_CHAIN:
                raise _invalid(filename, "it has too many extended tar headers in a row")
        else:
            archive._wl_chain = 0
        return super()._proc_member(archive)  # type: ignore[misc]  # private, but documented as overridable


def inspect_sdist(
    source: BinaryIO, filename: str, archive_size: int, meta: ValidatedMetadata
) -> None:
    """Check an sdist: a .tar.gz with {name}-{version}/PKG-INFO naming this release.

    The gzip stream is decompressed by a counting reader under tarfile (in stream mode), so the
    whole archive -- headers, skipped data and all -- may expand only as far as a zip may.
    """
    top = filename.removesuffix(".tar.gz")
    wanted = f"{top}/PKG-INFO"
    data = None
    total = 0
    stream = _CountingReader(source, filename, _expansion_limit(archive_size))
    try:
        with tarfile.open(fileobj=cast(Any, stream), mode="r|", tarinfo=_BoundedTarInfo) as archive:
            archive._wl_filename = filename  # type: ignore[attr-defined]
            for count, member in enumerate(archive, start=1):
                if count > MAX_MEMBERS:
                    raise _invalid(filename, "it has too many members")
                _check_tar_member(filename, member)
                # The declared sizes: refused at the header, before the data is decompressed.
                total += member.size
                _check_expansion(filename, total, archive_size)
                if member.name.removeprefix("./") == wanted and member.isreg():
                    if member.size > MAX_METADATA_SIZE:
                        raise _invalid(filename, "its PKG-INFO file is too large")
                    handle = archive.extractfile(member)
                    data = handle.read() if handle is not None else None
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise _invalid(filename, f"it is not a readable .tar.gz archive ({exc})") from None
    finally:
        stream.close()
    if data is None:
        raise UploadError(f"The sdist {filename!r} does not contain {wanted}.")
    _compare_metadata(filename, wanted, data, meta, sdist=True)
