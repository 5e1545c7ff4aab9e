"""File storage: content-addressed paths, atomic writes, and undo when a transaction aborts."""

from __future__ import annotations

import contextlib
import errno
import io
import os
from pathlib import Path

import pytest
import transaction

from warehouse_lite.packaging import storage_local
from warehouse_lite.packaging.storage import (
    IFileStorage,
    TransactionalStorage,
    file_path,
    metadata_path,
)
from warehouse_lite.packaging.storage_local import LocalFileStorage

DIGEST = "ab" * 32


@pytest.fixture
def backend(tmp_path):
    return LocalFileStorage(tmp_path / "files")


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    yield manager
    with contextlib.suppress(transaction.interfaces.NoTransaction):
        manager.abort()


def _all_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_paths_are_content_addressed():
    assert file_path(DIGEST, "x-1.0.tar.gz") == f"ab/ab/{'ab' * 30}/x-1.0.tar.gz"
    assert metadata_path("a/b.whl") == "a/b.whl.metadata"
    for bad_digest in ["ab", "zz" * 32]:
        with pytest.raises(ValueError):
            file_path(bad_digest, "x.whl")
    for bad_name in ["", "a/b.whl", "..", "a\\b.whl"]:
        with pytest.raises(ValueError):
            file_path(DIGEST, bad_name)


def test_local_store_open_exists_delete(backend):
    assert IFileStorage.providedBy(backend)
    receipt = backend.store("ab/cd/x.whl", io.BytesIO(b"content"))
    assert backend.exists("ab/cd/x.whl")
    with backend.open("ab/cd/x.whl") as handle:
        assert handle.read() == b"content"
    assert backend.local_path("ab/cd/x.whl") == receipt.path
    assert oct(receipt.path.stat().st_mode & 0o777) == "0o644"
    # No temporary files are left next to the object.
    assert _all_files(backend.base_dir) == ["ab/cd/x.whl"]
    backend.delete("ab/cd/x.whl")
    backend.delete("ab/cd/x.whl")  # already gone: fine
    assert not backend.exists("ab/cd/x.whl")
    assert not (backend.base_dir / "ab").exists()  # empty directories are pruned
    with pytest.raises(FileNotFoundError):
        backend.open("ab/cd/x.whl")


@pytest.mark.parametrize("path", ["", "/abs", "../up", "a/../../b", "a\\b", "a\x00b"])
def test_local_refuses_paths_outside_its_directory(backend, path):
    with pytest.raises(ValueError):
        backend.store(path, io.BytesIO(b"x"))


def test_a_failed_write_leaves_nothing(backend):
    class Broken(io.BytesIO):
        def read(self, *args):
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        backend.store("ab/cd/x.whl", Broken())
    assert _all_files(backend.base_dir) == []


def test_store_many_syncs_each_directory_once(backend, monkeypatch):
    synced = []
    monkeypatch.setattr(storage_local, "_fsync_dir", synced.append)
    receipts = backend.store_many(
        [
            ("ab/cd/x.whl", io.BytesIO(b"wheel")),
            ("ab/cd/x.whl.metadata", io.BytesIO(b"metadata")),
            ("ef/01/y.whl", io.BytesIO(b"other")),
        ]
    )
    assert [r.path for r in receipts] == [
        backend.local_path(p) for p in ("ab/cd/x.whl", "ab/cd/x.whl.metadata", "ef/01/y.whl")
    ]
    assert (backend.base_dir / "ab/cd/x.whl.metadata").read_bytes() == b"metadata"
    # The wheel and its metadata share a directory: its entries are made durable by one sync.
    assert synced == [backend.base_dir / "ab/cd", backend.base_dir / "ef/01"]


def test_store_many_that_fails_part_way_leaves_nothing(backend):
    class Broken(io.BytesIO):
        def read(self, *args):
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        backend.store_many(
            [("ab/cd/x.whl", io.BytesIO(b"wheel")), ("ab/cd/x.whl.metadata", Broken())]
        )
    assert _all_files(backend.base_dir) == []


def test_discard_removes_only_the_object_it_wrote(backend):
    first = backend.store("ab/cd/x.whl", io.BytesIO(b"one"))
    second = backend.store("ab/cd/x.whl", io.BytesIO(b"one"))  # another writer, same path
    backend.discard(first)
    assert backend.exists("ab/cd/x.whl")  # the newer object survives the older undo
    backend.discard(second)
    assert not backend.exists("ab/cd/x.whl")
    backend.discard(second)  # twice is harmless


def test_store_is_undone_when_the_transaction_aborts(backend, tm):
    storage = TransactionalStorage(backend, tm)
    storage.store("ab/cd/x.whl", io.BytesIO(b"x"))
    storage.store("ab/cd/x.whl.metadata", io.BytesIO(b"m"))
    assert backend.exists("ab/cd/x.whl")
    tm.abort()
    assert _all_files(backend.base_dir) == []


def test_store_many_is_undone_when_the_transaction_aborts(backend, tm):
    storage = TransactionalStorage(backend, tm)
    storage.store_many(
        [("ab/cd/x.whl", io.BytesIO(b"x")), ("ab/cd/x.whl.metadata", io.BytesIO(b"m"))]
    )
    assert _all_files(backend.base_dir) == ["ab/cd/x.whl", "ab/cd/x.whl.metadata"]
    tm.abort()
    assert _all_files(backend.base_dir) == []


def test_store_is_kept_when_the_transaction_commits(backend, tm):
    storage = TransactionalStorage(backend, tm)
    storage.store("ab/cd/x.whl", io.BytesIO(b"x"))
    tm.commit()
    assert backend.exists("ab/cd/x.whl")
    # The next transaction joins afresh; aborting it does not touch committed objects.
    tm.begin()
    storage.store("ab/cd/y.whl", io.BytesIO(b"y"))
    tm.abort()
    assert _all_files(backend.base_dir) == ["ab/cd/x.whl"]


class _FailingVote:
    """A resource whose commit fails at the vote, as a database commit can."""

    def __init__(self, manager):
        self.transaction_manager = manager

    def abort(self, txn):
        pass

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        raise RuntimeError("could not serialize access")

    def tpc_finish(self, txn):
        pass

    def tpc_abort(self, txn):
        pass

    def sortKey(self):
        return "~zzz"


def test_store_is_undone_when_the_commit_fails(backend, tm):
    storage = TransactionalStorage(backend, tm)
    storage.store("ab/cd/x.whl", io.BytesIO(b"x"))
    tm.get().join(_FailingVote(tm))
    with pytest.raises(RuntimeError, match="serialize"):
        tm.commit()
    assert _all_files(backend.base_dir) == []


def test_savepoint_rollback_undoes_later_stores(backend, tm):
    storage = TransactionalStorage(backend, tm)
    storage.store("ab/cd/kept.whl", io.BytesIO(b"k"))
    savepoint = tm.savepoint()
    storage.store("ab/cd/undone.whl", io.BytesIO(b"u"))
    savepoint.rollback()
    tm.commit()
    assert _all_files(backend.base_dir) == ["ab/cd/kept.whl"]


def test_delete_is_immediate(backend, tm):
    storage = TransactionalStorage(backend, tm)
    backend.store("ab/cd/x.whl", io.BytesIO(b"x"))
    storage.delete("ab/cd/x.whl")
    assert not storage.exists("ab/cd/x.whl")


def test_stored_bytes_are_durable_files_not_links_to_the_source(backend, tmp_path):
    source = tmp_path / "upload.tmp"
    source.write_bytes(b"abc")
    with source.open("rb") as handle:
        receipt = backend.store("ab/cd/x.whl", handle)
    os.unlink(source)
    assert receipt.path.read_bytes() == b"abc"


class _FullDisk:
    """A source whose copy fails as a write to a full disk does."""

    def read(self, size: int = -1) -> bytes:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_store_leaves_no_temporary_file_and_no_empty_directory(backend):
    backend.store(f"ab/cd/{'e' * 60}/kept.whl", io.BytesIO(b"kept"))
    with pytest.raises(OSError, match="No space"):
        backend.store_many(
            [
                (f"ab/cd/{'f' * 60}/x.whl", io.BytesIO(b"whole")),
                (f"ab/cd/{'f' * 60}/x.whl.metadata", _FullDisk()),
            ]
        )
    with pytest.raises(OSError, match="No space"):
        backend.store(f"12/34/{'5' * 60}/y.whl", _FullDisk())
    remaining = sorted(str(p.relative_to(backend.base_dir)) for p in backend.base_dir.rglob("*"))
    assert remaining == ["ab", "ab/cd", f"ab/cd/{'e' * 60}", f"ab/cd/{'e' * 60}/kept.whl"]


def test_directories_made_before_a_failed_mkdir_are_removed(backend, monkeypatch):
    """A full disk can stop ``mkdir -p`` half-way: the levels it made go again."""

    def mkdir_one_level(self: Path, *args: object, **kwargs: object) -> None:
        os.makedirs(backend.base_dir / "9a", exist_ok=True)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "mkdir", mkdir_one_level)
    with pytest.raises(OSError, match="No space"):
        backend.store(f"9a/bc/{'d' * 60}/z.whl", io.BytesIO(b"z"))
    monkeypatch.undo()
    assert list(backend.base_dir.iterdir()) == []
