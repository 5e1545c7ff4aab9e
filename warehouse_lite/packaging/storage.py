"""File storage for distributions: an interface, the path scheme and transaction glue.

Backends (storage_local.LocalFileStorage today, an S3-compatible one later) implement
``IFileStorage``. Views never talk to a backend directly: ``request.find_service(IFileStorage)``
returns a ``TransactionalStorage`` bound to the request's transaction, which undoes every
``store()`` if the transaction aborts, so a rolled-back upload leaves no object behind.

Paths are content addressed, as on PyPI: ``ab/cd/<rest of the blake2b-256 hex>/<filename>``.
The PEP 658 metadata of a wheel lives beside it at ``<path>.metadata``.
"""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from zope.interface import Attribute, Interface, implementer

from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response
    from transaction import TransactionManager

log = logging.getLogger(__name__)

METADATA_SUFFIX = ".metadata"
# Errors that mean "no room": the answer is 507 Insufficient Storage rather than 503.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class StorageUnavailable(Exception):
    """The file storage failed (full, over quota, permissions, I/O error): the server's fault,
    not the client's. Raised instead of the OSError, which gunicorn's sync worker would take
    for a broken client connection and answer by dropping it. The request's transaction
    rolls back, so nothing of an upload is kept."""

    def __init__(self, action: str, cause: OSError) -> None:
        super().__init__(f"could not {action}: {cause}")
        self.action = action
        self.cause = cause

    @property
    def full(self) -> bool:
        return self.cause.errno in FULL_ERRNOS


def file_path(blake2_256_digest: str, filename: str) -> str:
    """The storage path of a distribution file with this digest and name."""
    d = blake2_256_digest.lower()
    if len(d) != 64 or any(c not in "0123456789abcdef" for c in d):
        raise ValueError("a blake2b-256 digest is 64 hex characters")
    if not filename or "/" in filename or "\\" in filename or filename in {".", ".."}:
        raise ValueError(f"not a plain file name: {filename!r}")
    return f"{d[:2]}/{d[2:4]}/{d[4:]}/{filename}"


def metadata_path(path: str) -> str:
    """Where the PEP 658 core metadata of the file at ``path`` is stored."""
    return path + METADATA_SUFFIX


# The name of the backend's IFileStorage service; the unnamed one is the transactional storage.
BACKEND = "backend"


class IFileStorage(Interface):
    """Where distribution files live. Paths are relative, '/'-separated, never contain '..'."""

    def store(path: str, source: BinaryIO) -> Any:
        """Write everything readable from ``source`` to ``path``, atomically: readers see the
        old object (or none) until the new one is complete and durable. Returns a receipt
        that ``discard()`` accepts."""

    def store_many(items: Sequence[tuple[str, BinaryIO]]) -> list[Any]:  # type: ignore[empty-body]
        """``store()`` of several ``(path, source)`` objects, e.g. a wheel and its metadata, one
        receipt each, all durable on return; a backend may share work between them (the
        local one syncs a directory once). If it raises, none of them is left stored."""

    def discard(receipt: Any) -> None:
        """Undo one ``store()``: remove the object it wrote, unless it has been replaced
        since by another writer."""

    def open(path: str) -> BinaryIO:  # type: ignore[empty-body]
        """A readable, seekable binary file; FileNotFoundError if there is none."""

    def exists(path: str) -> bool:  # type: ignore[empty-body]
        """Whether an object is stored at ``path``."""

    def delete(path: str) -> None:
        """Remove ``path`` now (no error if it is already gone). Callers that delete rows
        defer this until their transaction committed (see packaging.deletion)."""

    def local_path(path: str) -> Path | None:
        """A filesystem path of the object when the backend has one, else None."""

    description = Attribute("A short human description of where files are kept.")


@dataclass
class _StorageDataManager:
    """A zope.transaction data manager that discards objects stored during a transaction
    which then aborts (before commit, or when the database commit itself fails)."""

    transaction_manager: TransactionManager
    backend: Any
    receipts: list[Any] = field(default_factory=list)
    on_finish: Any = None

    def _undo(self, receipts: list[Any]) -> None:
        for receipt in reversed(receipts):
            self.backend.discard(receipt)

    def _done(self) -> None:
        self.receipts = []
        if self.on_finish is not None:
            self.on_finish()

    def abort(self, txn: Any) -> None:
        self._undo(self.receipts)
        self._done()

    def tpc_begin(self, txn: Any) -> None:
        pass

    def commit(self, txn: Any) -> None:
        pass

    def tpc_vote(self, txn: Any) -> None:
        pass

    def tpc_finish(self, txn: Any) -> None:
        self._done()

    def tpc_abort(self, txn: Any) -> None:
        self._undo(self.receipts)
        self._done()

    def sortKey(self) -> str:  # the IDataManager interface names it so
        # Vote before SQLAlchemy ("~sqlalchemy:..."), which commits in its vote: if that
        # commit fails, tpc_abort() still reaches us and the objects are removed.
        return f"warehouse_lite.storage:{id(self)}"

    def savepoint(self) -> _Savepoint:
        return _Savepoint(self, len(self.receipts))


@dataclass
class _Savepoint:
    manager: _StorageDataManager
    mark: int

    def rollback(self) -> None:
        undone = self.manager.receipts[self.mark :]
        del self.manager.receipts[self.mark :]
        self.manager._undo(undone)


@implementer(IFileStorage)
class TransactionalStorage:
    """An ``IFileStorage`` whose ``store()`` is undone if the transaction aborts."""

    def __init__(self, backend: Any, transaction_manager: TransactionManager) -> None:
        self.backend = backend
        self.transaction_manager = transaction_manager
        self._manager: _StorageDataManager | None = None
        self.description = backend.description

    def _data_manager(self) -> _StorageDataManager:
        if self._manager is None:
            manager = _StorageDataManager(self.transaction_manager, self.backend)

            def forget() -> None:
                self._manager = None

            manager.on_finish = forget
            self.transaction_manager.get().join(manager)
            self._manager = manager
        return self._manager

    def store(self, path: str, source: BinaryIO) -> Any:
        return self.store_many([(path, source)])[0]

    def store_many(self, items: Sequence[tuple[str, BinaryIO]]) -> list[Any]:
        manager = self._data_manager()
        try:
            receipts = list(self.backend.store_many(items))
        except OSError as exc:
            raise StorageUnavailable("store " + ", ".join(path for path, _ in items), exc) from exc
        manager.receipts.extend(receipts)
        return receipts

    def discard(self, receipt: Any) -> None:
        self.backend.discard(receipt)

    def open(self, path: str) -> BinaryIO:
        try:
            return self.backend.open(path)
        except FileNotFoundError:
            raise  # no object: the caller decides (a 404)
        except OSError as exc:
            raise StorageUnavailable(f"read {path}", exc) from exc

    def exists(self, path: str) -> bool:
        return bool(self.backend.exists(path))

    def delete(self, path: str) -> None:
        self.backend.delete(path)

    def local_path(self, path: str) -> Path | None:
        return self.backend.local_path(path)


def _storage_factory(context: Any, request: Request) -> TransactionalStorage:
    return TransactionalStorage(request.find_service(IFileStorage, name=BACKEND), request.tm)


def storage_unavailable(exc: StorageUnavailable, request: Request) -> Response:
    """507 when the storage is full (or over quota), else 503 with Retry-After; a message
    either way (in the reason phrase and the body, as every API error)."""
    from warehouse_lite.web.errors import server_fault

    log.error("file storage: %s (%s %s)", exc, request.method, request.path)
    reading = exc.action.startswith("read")
    what = "serve this file" if reading else "store files"
    if exc.full:
        message = (
            f"The index cannot {what} right now: its storage is full. Nothing was uploaded; "
            "try again later, or tell the index's administrators."
        )
        return server_fault(request, 507, message)
    outcome = "" if reading else " Nothing was uploaded."
    message = (
        f"The index cannot {what} right now (a storage error on the server).{outcome} "
        "Try again in a moment."
    )
    return server_fault(request, 503, message, retry_after=30)


def includeme(config: Configurator) -> None:
    """Register the configured backend (the service named BACKEND; tests replace it) and the
    transactional storage views use."""
    from warehouse_lite.packaging.storage_local import LocalFileStorage

    settings = get_settings(config.registry)
    config.register_service(LocalFileStorage(settings.storage_dir), IFileStorage, name=BACKEND)
    config.register_service_factory(_storage_factory, IFileStorage)
    config.add_exception_view(storage_unavailable, context=StorageUnavailable)
