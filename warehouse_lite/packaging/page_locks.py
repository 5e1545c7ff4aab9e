"""The file locks that order publishing and withdrawing simple pages (see static_pages.py).

Every process that publishes or withdraws pages in one SIMPLE_PAGES_DIR (gunicorn workers,
their threads, the admin CLI, gunicorn's master clearing the directory) takes ``flock`` locks
on files in ``<dir>/locks/``:

- one of ``STRIPES`` files per page key (a project's normalized name, or the project list),
  chosen by hash: a publisher holds it across "re-check the serial, then place the page", a
  withdrawer across "remove the page";
- ``all.lock``: publishers hold it shared while they place a page; ``clear()`` holds it
  exclusively, so a clear cannot run between a publisher's re-check and its placing.

flock locks belong to an open file description, so two threads of one process exclude each
other too (fcntl locks would not). A fixed set of files, made together by the first process
that needs them (gunicorn's start clears the directory, so normally then): no lock file is
ever deleted (a lock on a deleted file excludes nobody), and later withdrawals never need to
create one, which could fail on a full disk. They are opened read-only, so a lock file
created by another user (e.g. root running the CLI) can still be locked by the service user.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

STRIPES = 64
ALL = "all.lock"


def _stripe_name(key: str) -> str:
    return f"{zlib.crc32(key.encode()) % STRIPES:02d}.lock"


class PageLocks:
    """The lock files of one pages directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in [ALL, *(f"{n:02d}.lock" for n in range(STRIPES))]:
            path = self.directory / name
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            except FileExistsError:
                continue
            os.close(fd)
            os.chmod(path, 0o644)  # whatever the umask: other users lock it too

    def _open(self, name: str) -> int:
        flags = os.O_RDONLY | os.O_CLOEXEC
        try:
            return os.open(self.directory / name, flags)
        except FileNotFoundError:
            self._create()
            return os.open(self.directory / name, flags)

    @contextlib.contextmanager
    def _hold(self, name: str, operation: int) -> Iterator[None]:
        fd = self._open(name)
        try:
            fcntl.flock(fd, operation)
            yield
        finally:
            os.close(fd)  # releases the lock

    def key(self, key: str) -> contextlib.AbstractContextManager[None]:
        """Exclusive lock of one page key (a withdrawal holds only this)."""
        return self._hold(_stripe_name(key), fcntl.LOCK_EX)

    @contextlib.contextmanager
    def publishing(self, key: str) -> Iterator[None]:
        """What a publisher holds across its re-check and placing: ``all`` shared, the key's
        lock exclusive (always in this order; nothing takes them the other way round)."""
        with self._hold(ALL, fcntl.LOCK_SH), self.key(key):
            yield

    def everything(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive ``all``: no publisher is between its re-check and its placing."""
        return self._hold(ALL, fcntl.LOCK_EX)
