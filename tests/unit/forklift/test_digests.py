"""Streaming hashes, the size limit and digest comparison."""

from __future__ import annotations

import hashlib
import io

import pytest

from warehouse_lite.forklift.digests import check_digests, hash_file
from warehouse_lite.forklift.errors import UploadError

DATA = b"some distribution bytes" * 100_000  # spans several read chunks


def test_hash_file_computes_all_three_digests_and_rewinds():
    source = io.BytesIO(DATA)
    digests = hash_file(source, max_size=len(DATA))
    assert digests.size == len(DATA)
    assert digests.md5 == hashlib.md5(DATA).hexdigest()
    assert digests.sha256 == hashlib.sha256(DATA).hexdigest()
    assert digests.blake2_256 == hashlib.blake2b(DATA, digest_size=32).hexdigest()
    assert source.tell() == 0


def test_size_limit_and_empty_files():
    with pytest.raises(UploadError, match="File too large: the limit is 1 MiB"):
        hash_file(io.BytesIO(DATA), max_size=1024 * 1024)
    with pytest.raises(UploadError, match="empty"):
        hash_file(io.BytesIO(b""), max_size=10)


def test_every_sent_digest_must_match():
    digests = hash_file(io.BytesIO(DATA), max_size=len(DATA))
    good = {"md5": digests.md5, "sha256": digests.sha256, "blake2_256": digests.blake2_256}
    check_digests(good, digests)
    check_digests({"sha256": digests.sha256}, digests)
    for name in good:
        wrong = dict(good, **{name: "0" * len(good[name])})
        with pytest.raises(UploadError, match=f"The {name} digest of the uploaded file"):
            check_digests(wrong, digests)


@pytest.mark.parametrize("value", ["xyz", "0" * 63, "g" * 64, "0" * 65])
def test_malformed_digests(value):
    digests = hash_file(io.BytesIO(DATA), max_size=len(DATA))
    with pytest.raises(UploadError, match="not a hexadecimal sha256 digest"):
        check_digests({"sha256": value}, digests)
