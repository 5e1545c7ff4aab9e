"""Stored bytes are removed only after the transaction that deleted the rows commits."""

from __future__ import annotations

from dataclasses import dataclass, field

import transaction
from zope.interface import implementer

from warehouse_lite.packaging.deletion import delete_stored_after_commit, stored_paths
from warehouse_lite.packaging.models import File
from warehouse_lite.packaging.storage import IFileStorage


@implementer(IFileStorage)
@dataclass
class RecordingStorage:
    deleted: list[str] = field(default_factory=list)
    fail_on: str | None = None

    def delete(self, path: str) -> None:
        if path == self.fail_on:
            raise OSError("disk on fire")
        self.deleted.append(path)


@dataclass
class FakeRequest:
    storage: RecordingStorage
    tm: transaction.TransactionManager = field(default_factory=transaction.TransactionManager)

    def find_service(self, iface: object) -> RecordingStorage:
        assert iface is IFileStorage
        return self.storage


def test_deleted_after_commit_only():
    request = FakeRequest(RecordingStorage())
    request.tm.begin()
    delete_stored_after_commit(request, ["a/b/x.whl", "a/b/x.whl.metadata"])
    assert request.storage.deleted == []
    request.tm.commit()
    assert request.storage.deleted == ["a/b/x.whl", "a/b/x.whl.metadata"]


def test_nothing_deleted_when_the_transaction_aborts():
    request = FakeRequest(RecordingStorage())
    request.tm.begin()
    delete_stored_after_commit(request, ["a/b/x.whl"])
    request.tm.abort()
    assert request.storage.deleted == []


def test_a_failing_delete_does_not_stop_the_others():
    request = FakeRequest(RecordingStorage(fail_on="first"))
    request.tm.begin()
    delete_stored_after_commit(request, ["first", "second"])
    request.tm.commit()
    assert request.storage.deleted == ["second"]


def test_stored_paths_include_pep658_metadata():
    wheel = File(path="ab/cd/ef/x-1-py3-none-any.whl", metadata_sha256="0" * 64)
    sdist = File(path="ab/cd/ef/x-1.tar.gz", metadata_sha256=None)
    assert stored_paths(wheel) == [wheel.path, wheel.path + ".metadata"]
    assert stored_paths(sdist) == [sdist.path]
