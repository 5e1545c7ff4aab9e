"""Small, valid, distinct distributions (a wheel and an sdist per release), made in memory.

Running `python -m build` per project would cost seconds each; these archives are written
directly with zipfile/tarfile and carry valid core metadata (2.1), a RECORD with real hashes
and a PEP 625 sdist name, so every index accepts and installs them. The content depends on the
project name and version, so no two files anywhere share a digest.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

_NORMALIZE = re.compile(r"[-_.]+")

# A fixed timestamp keeps the archives reproducible between runs.
_EPOCH = 1_700_000_000
_ZIP_DATE = time.gmtime(_EPOCH)[:6]


def normalize(name: str) -> str:
    """PEP 503 normalized name."""
    return _NORMALIZE.sub("-", name).lower()


def _dist_name(name: str) -> str:
    """The name as it appears in wheel and sdist filenames (PEP 427 / PEP 625)."""
    return _NORMALIZE.sub("_", name).lower()


@dataclass(frozen=True)
class Dist:
    """One distribution file: its name, bytes and what an index needs to know about it."""

    project: str
    version: str
    filename: str
    content: bytes
    packagetype: str  # "bdist_wheel" | "sdist"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def md5(self) -> str:
        return hashlib.md5(self.content, usedforsecurity=False).hexdigest()

    @property
    def pyversion(self) -> str:
        return "py3" if self.packagetype == "bdist_wheel" else "source"

    def write(self, directory: Path) -> Path:
        path = directory / self.filename
        path.write_bytes(self.content)
        return path


def metadata(name: str, version: str) -> str:
    """Core metadata 2.1 with a Markdown description, shared by the wheel and the sdist."""
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {name}\n"
        f"Version: {version}\n"
        f"Summary: Benchmark package {name} {version}\n"
        "Author: Bench Mark\n"
        "Author-email: bench@example.invalid\n"
        "License: MIT\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: License :: OSI Approved :: MIT License\n"
        "Requires-Python: >=3.8\n"
        "Description-Content-Type: text/markdown\n"
        "\n"
        f"# {name}\n\n"
        f"Release **{version}** of a generated package used by the warehouse_lite benchmark.\n"
    )


def _module_source(name: str, version: str) -> str:
    return f'"""{name} {version}"""\n\n__version__ = "{version}"\nNAME = "{name}"\n'


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def make_wheel(name: str, version: str) -> Dist:
    """A pure-Python ``py3-none-any`` wheel with METADATA, WHEEL and a hashed RECORD."""
    dist = _dist_name(name)
    info = f"{dist}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{dist}/__init__.py": _module_source(name, version).encode(),
        f"{info}/METADATA": metadata(name, version).encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: warehouse_lite-bench\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/top_level.txt": f"{dist}\n".encode(),
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    filename = f"{dist}-{version}-py3-none-any.whl"
    return Dist(name, version, filename, buffer.getvalue(), "bdist_wheel")


def make_sdist(name: str, version: str) -> Dist:
    """A PEP 625 ``.tar.gz`` sdist with PKG-INFO, pyproject.toml and the module."""
    dist = _dist_name(name)
    root = f"{dist}-{version}"
    files: dict[str, bytes] = {
        f"{root}/PKG-INFO": metadata(name, version).encode(),
        f"{root}/pyproject.toml": (
            '[build-system]\nrequires = ["flit_core>=3.2,<4"]\n'
            'build-backend = "flit_core.buildapi"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n'
            f'description = "Benchmark package {name} {version}"\n'
        ).encode(),
        f"{root}/{dist}/__init__.py": _module_source(name, version).encode(),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for directory in (root, f"{root}/{dist}"):
            entry = tarfile.TarInfo(directory)
            entry.type = tarfile.DIRTYPE
            entry.mode = 0o755
            entry.mtime = _EPOCH
            archive.addfile(entry)
        for path, data in files.items():
            entry = tarfile.TarInfo(path)
            entry.size = len(data)
            entry.mode = 0o644
            entry.mtime = _EPOCH
            archive.addfile(entry, io.BytesIO(data))
    # gzip with a fixed header mtime, so the same input always gives the same bytes.
    content = gzip.compress(raw.getvalue(), mtime=_EPOCH)
    return Dist(name, version, f"{root}.tar.gz", content, "sdist")


def make_release(name: str, version: str) -> list[Dist]:
    """The wheel and the sdist of one release (wheel first, as twine uploads them)."""
    return [make_wheel(name, version), make_sdist(name, version)]


def project_names(prefix: str, count: int) -> list[str]:
    """``count`` distinct project names, e.g. ``bench-seq-0001``."""
    width = max(4, len(str(count)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]


def make_projects(prefix: str, count: int, version: str = "1.0.0") -> list[Dist]:
    """One release (wheel + sdist) of each of ``count`` distinct projects."""
    return [dist for name in project_names(prefix, count) for dist in make_release(name, version)]


def many_versions(name: str, releases: int) -> list[Dist]:
    """``releases`` releases of one project, 2 files each, in upload order."""
    return [dist for i in range(releases) for dist in make_release(name, f"1.{i}.0")]
