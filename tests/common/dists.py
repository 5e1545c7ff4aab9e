"""Build real, small wheels and sdists in memory, with the upload form fields that describe them.

    dist = make_wheel("sample", "1.0", requires_dist=["other>=1"])
    dist.filename, dist.content, dist.fields        # fields include every digest

The archive's METADATA/PKG-INFO and the form are made from the same values, so they agree
unless a test overrides one side (``form_overrides``) or breaks the archive on purpose
(``members`` adds or replaces members, ``omit`` drops some).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass
class Dist:
    filename: str
    content: bytes
    fields: list[tuple[str, str]]
    metadata: bytes
    filetype: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def blake2_256(self) -> str:
        return hashlib.blake2b(self.content, digest_size=32).hexdigest()

    def form(self, **overrides: Any) -> list[tuple[str, str]]:
        """The form fields with some replaced (a list value repeats the key; None drops it)."""
        fields = [(k, v) for k, v in self.fields if k not in overrides]
        for key, value in overrides.items():
            if value is None:
                continue
            values = value if isinstance(value, list | tuple) else [value]
            fields.extend((key, str(v)) for v in values)
        return fields


@dataclass
class Meta:
    """Core metadata of a test distribution; ``form_fields`` and ``email`` render it."""

    name: str
    version: str
    metadata_version: str = "2.4"
    summary: str = "A small test package"
    description: str = "# Sample\n\nA *test* package.\n"
    description_content_type: str = "text/markdown"
    requires_python: str | None = ">=3.8"
    requires_dist: list[str] = field(default_factory=list)
    provides_extra: list[str] = field(default_factory=list)
    classifiers: list[str] = field(default_factory=list)
    project_urls: list[str] = field(default_factory=list)
    author_email: str | None = "Sample Author <author@example.com>"
    license_expression: str | None = "MIT"
    keywords: str | None = "sample,test"

    def form_fields(self) -> list[tuple[str, str]]:
        fields = [
            ("metadata_version", self.metadata_version),
            ("name", self.name),
            ("version", self.version),
            ("summary", self.summary),
            ("description", self.description),
            ("description_content_type", self.description_content_type),
        ]
        for key in ("requires_python", "author_email", "license_expression", "keywords"):
            value = getattr(self, key)
            if value is not None:
                fields.append((key, value))
        fields += [("requires_dist", r) for r in self.requires_dist]
        fields += [("provides_extra", e) for e in self.provides_extra]
        fields += [("classifiers", c) for c in self.classifiers]
        fields += [("project_urls", u) for u in self.project_urls]
        return fields

    def email(self) -> bytes:
        lines = [
            f"Metadata-Version: {self.metadata_version}",
            f"Name: {self.name}",
            f"Version: {self.version}",
            f"Summary: {self.summary}",
        ]
        if self.author_email:
            lines.append(f"Author-email: {self.author_email}")
        if self.license_expression:
            lines.append(f"License-Expression: {self.license_expression}")
        if self.keywords:
            lines.append(f"Keywords: {self.keywords}")
        if self.requires_python:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines += [f"Requires-Dist: {r}" for r in self.requires_dist]
        lines += [f"Provides-Extra: {e}" for e in self.provides_extra]
        lines += [f"Classifier: {c}" for c in self.classifiers]
        lines += [f"Project-URL: {u}" for u in self.project_urls]
        lines.append(f"Description-Content-Type: {self.description_content_type}")
        return ("\n".join(lines) + "\n\n" + self.description).encode()


def escaped(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "_", name).lower()


def _digest_fields(content: bytes) -> list[tuple[str, str]]:
    return [
        ("md5_digest", hashlib.md5(content).hexdigest()),
        ("sha256_digest", hashlib.sha256(content).hexdigest()),
        ("blake2_256_digest", hashlib.blake2b(content, digest_size=32).hexdigest()),
    ]


def zip_bytes(
    members: Iterable[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def tar_gz_bytes(members: Iterable[tuple[str, bytes] | tarfile.TarInfo]) -> bytes:
    """A gzipped tar of ``members``; the same members always give the same bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1577836800
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def make_wheel(
    name: str = "sample",
    version: str = "1.0",
    *,
    tag: str = "py3-none-any",
    members: dict[str, bytes] | None = None,
    omit: Iterable[str] = (),
    filename: str | None = None,
    **meta_fields: Any,
) -> Dist:
    """A pure-Python wheel with a module, METADATA, WHEEL and RECORD."""
    meta = Meta(name, version, **meta_fields)
    stem = f"{escaped(name)}-{version}"
    dist_info = f"{stem}.dist-info"
    module = escaped(name)
    content: dict[str, bytes] = {
        f"{module}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": meta.email(),
        f"{dist_info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
    }
    content.update(members or {})
    for name_to_drop in omit:
        content.pop(name_to_drop.replace("{dist_info}", dist_info), None)
    record = "".join(f"{n},,\n" for n in content) + f"{dist_info}/RECORD,,\n"
    content.setdefault(f"{dist_info}/RECORD", record.encode())
    data = zip_bytes(content.items())
    wheel_name = filename or f"{stem}-{tag}.whl"
    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("filetype", "bdist_wheel")]
    fields += [("pyversion", tag.split("-")[0])]
    fields += meta.form_fields() + _digest_fields(data)
    return Dist(wheel_name, data, fields, meta.email(), "bdist_wheel")


def make_sdist(
    name: str = "sample",
    version: str = "1.0",
    *,
    members: dict[str, bytes] | None = None,
    omit: Iterable[str] = (),
    filename: str | None = None,
    raw: bytes | None = None,
    **meta_fields: Any,
) -> Dist:
    """A PEP 625 sdist: {name}-{version}/ with PKG-INFO, pyproject.toml and a module."""
    meta = Meta(name, version, **meta_fields)
    top = f"{escaped(name)}-{version}"
    content: dict[str, bytes] = {
        f"{top}/PKG-INFO": meta.email(),
        f"{top}/pyproject.toml": b'[build-system]\nrequires = ["flit_core"]\n',
        f"{top}/{escaped(name)}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    content.update(members or {})
    for name_to_drop in omit:
        content.pop(name_to_drop.replace("{top}", top), None)
    data = raw if raw is not None else tar_gz_bytes(content.items())
    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("filetype", "sdist")]
    fields += [("pyversion", "source")]
    fields += meta.form_fields() + _digest_fields(data)
    return Dist(filename or f"{top}.tar.gz", data, fields, meta.email(), "sdist")


def make_old_style_sdist(
    name: str = "sample", version: str = "1.0", *, stem: str | None = None, **meta_fields: Any
) -> Dist:
    """An sdist named and laid out as setuptools < 69.3 does: ``{name as written}-{version}``
    (``My.Project-1.0.tar.gz`` with ``My.Project-1.0/PKG-INFO``), not PEP 625's form."""
    stem = stem or f"{name}-{version}"
    members = {f"{stem}/PKG-INFO": Meta(name, version, **meta_fields).email()}
    return make_sdist(
        name,
        version,
        filename=f"{stem}.tar.gz",
        members=members,
        omit=["{top}/PKG-INFO"],
        **meta_fields,
    )


def with_content(dist: Dist, content: bytes, *, filename: str | None = None) -> Dist:
    """The same form, another file body (digests recomputed to match it)."""
    fields = [(k, v) for k, v in dist.fields if not k.endswith("_digest")]
    return Dist(
        filename or dist.filename,
        content,
        fields + _digest_fields(content),
        dist.metadata,
        dist.filetype,
    )


def header_bomb_sdist_bytes(
    kind: str, size: int, name: str = "sample", version: str = "1.0"
) -> bytes:
    """A valid sdist followed by one member whose GNU long name (``kind="gnu"``) or PAX
    extended header (``kind="pax"``) is ``size`` bytes long: tiny compressed, huge unpacked.
    Written in chunks, so building it costs little memory."""
    top = f"{escaped(name)}-{version}"
    pkg_info = Meta(name, version).email()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(pkg_info)
        out.write(info.tobuf(tarfile.USTAR_FORMAT))
        out.write(pkg_info + bytes(-len(pkg_info) % tarfile.BLOCKSIZE))
        header = tarfile.TarInfo("././@LongLink" if kind == "gnu" else "././@PaxHeader")
        header.type = tarfile.GNUTYPE_LONGNAME if kind == "gnu" else tarfile.XHDTYPE
        header.size = size
        out.write(header.tobuf(tarfile.GNU_FORMAT))
        # GNU: the name itself; PAX: one record "<size> comment=aaa...\n" of exactly size bytes.
        prefix, suffix = (b"", b"") if kind == "gnu" else (f"{size} comment=".encode(), b"\n")
        out.write(prefix)
        remaining = size - len(prefix) - len(suffix)
        chunk = b"a" * (1024 * 1024)
        while remaining > 0:
            out.write(chunk[: min(remaining, len(chunk))])
            remaining -= len(chunk)
        out.write(suffix + bytes(-size % tarfile.BLOCKSIZE))
        out.write(tarfile.TarInfo(f"{top}/extra.txt").tobuf(tarfile.USTAR_FORMAT))
        out.write(bytes(2 * tarfile.BLOCKSIZE))
    return buffer.getvalue()
