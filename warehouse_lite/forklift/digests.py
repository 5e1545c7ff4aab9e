"""Hashing the upload in one streaming pass, and checking every digest the client sent."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import BinaryIO

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.packaging.presenters import human_size

CHUNK = 1024 * 1024
_HEX_LENGTHS = {"md5": 32, "sha256": 64, "blake2_256": 64}


@dataclass(frozen=True)
class FileDigests:
    size: int
    md5: str
    sha256: str
    blake2_256: str

    def get(self, name: str) -> str:
        return str(getattr(self, name))


def hash_file(source: BinaryIO, max_size: int) -> FileDigests:
    """md5, sha256 and blake2b-256 of ``source`` (from its start); UploadError past
    ``max_size`` bytes, without reading the rest."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    blake2 = hashlib.blake2b(digest_size=32)
    size = 0
    source.seek(0)
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > max_size:
            raise UploadError(
                f"File too large: the limit is {human_size(max_size)} per file.", status=400
            )
        md5.update(chunk)
        sha256.update(chunk)
        blake2.update(chunk)
    source.seek(0)
    if size == 0:
        raise UploadError("The uploaded file is empty.")
    return FileDigests(size, md5.hexdigest(), sha256.hexdigest(), blake2.hexdigest())


def check_digests(sent: dict[str, str], computed: FileDigests) -> None:
    """Every digest the client sent must match (a client that sends a wrong one uploaded
    something other than what it meant to)."""
    for name, value in sent.items():
        if len(value) != _HEX_LENGTHS[name] or any(c not in "0123456789abcdef" for c in value):
            raise UploadError(f"The {name} digest {value!r} is not a hexadecimal {name} digest.")
        if not hmac.compare_digest(value, computed.get(name)):
            raise UploadError(
                f"The {name} digest of the uploaded file does not match the one sent: "
                "the file was changed or truncated in transit."
            )
