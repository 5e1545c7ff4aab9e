"""The local filesystem backend of IFileStorage."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from zope.interface import implementer

from warehouse_lite.packaging.storage import IFileStorage

# store() writes to <directory>/.upload-XXXX.tmp, then renames it into place.
TEMPORARY_PREFIX = ".upload-"
TEMPORARY_SUFFIX = ".tmp"


@dataclass(frozen=True)
class LocalReceipt:
    """What store() wrote: the file and the inode it got, so discard() removes only that."""

    path: Path
    device: int
    inode: int


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@implementer(IFileStorage)
class LocalFileStorage:
    """Files under one directory; each write goes to a temporary file that is fsynced and then
    renamed into place, so a reader never sees half of a file."""

    def __init__(self, base_dir: Path | str) -> None:
        self.base_dir = Path(base_dir)
        self.description = f"local directory {self.base_dir}"

    def _full(self, path: str) -> Path:
        parts = PurePosixPath(path).parts
        if not parts or PurePosixPath(path).is_absolute() or any(p in {"..", "."} for p in parts):
            raise ValueError(f"invalid storage path: {path!r}")
        if "\\" in path or "\x00" in path:
            raise ValueError(f"invalid storage path: {path!r}")
        return self.base_dir.joinpath(*parts)

    def store(self, path: str, source: BinaryIO) -> LocalReceipt:
        return self.store_many([(path, source)])[0]

    def store_many(self, items: Sequence[tuple[str, BinaryIO]]) -> list[LocalReceipt]:
        # Each object is fsynced and renamed into place; then each directory that got one is
        # fsynced once (a wheel and its .metadata share theirs), which makes the renames
        # durable. If anything fails, the objects already placed are removed again.
        receipts: list[LocalReceipt] = []
        try:
            for path, source in items:
                receipts.append(self._place(self._full(path), source))
            for directory in dict.fromkeys(receipt.path.parent for receipt in receipts):
                _fsync_dir(directory)
        except BaseException:
            for receipt in reversed(receipts):
                self.discard(receipt)
            raise
        return receipts

    def _place(self, target: Path, source: BinaryIO) -> LocalReceipt:
        try:
            fd, tmp_name = self._temporary_file(target.parent)
        except BaseException:
            self._prune(target.parent)  # e.g. a full disk: no empty digest directories left
            raise
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            self._prune(target.parent)
            raise
        stat = target.stat()
        return LocalReceipt(target, stat.st_dev, stat.st_ino)

    @staticmethod
    def _temporary_file(directory: Path) -> tuple[int, str]:
        # A concurrent discard()/delete() may prune the empty directory between our mkdir and
        # mkstemp; once our temporary file is in it, it is no longer empty and stays.
        for attempt in range(5):
            directory.mkdir(parents=True, exist_ok=True)
            try:
                return tempfile.mkstemp(
                    dir=directory, prefix=TEMPORARY_PREFIX, suffix=TEMPORARY_SUFFIX
                )
            except FileNotFoundError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def discard(self, receipt: LocalReceipt) -> None:
        # Another transaction may have stored the same content-addressed path after us (and
        # committed); its file is a different inode and must survive our rollback.
        try:
            stat = receipt.path.stat()
        except FileNotFoundError:
            return
        if (stat.st_dev, stat.st_ino) == (receipt.device, receipt.inode):
            with contextlib.suppress(FileNotFoundError):
                receipt.path.unlink()
            self._prune(receipt.path.parent)

    def _prune(self, directory: Path) -> None:
        # Remove the now-empty digest directories, never the base directory itself. One that
        # is missing (a mkdir that failed half-way, or a concurrent prune) is skipped.
        while directory != self.base_dir and self.base_dir in directory.parents:
            try:
                directory.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                return
            directory = directory.parent

    def open(self, path: str) -> BinaryIO:
        return self._full(path).open("rb")

    def exists(self, path: str) -> bool:
        return self._full(path).is_file()

    def delete(self, path: str) -> None:
        target = self._full(path)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        self._prune(target.parent)

    def local_path(self, path: str) -> Path | None:
        return self._full(path)

    def _walk(self) -> Iterator[tuple[Path, bool]]:
        """(path, is temporary) of every file under the base directory."""
        for directory, _, names in os.walk(self.base_dir):
            for name in names:
                temporary = name.startswith(TEMPORARY_PREFIX) and name.endswith(TEMPORARY_SUFFIX)
                yield Path(directory, name), temporary

    def objects(self) -> Iterator[str]:
        """The storage path of every stored object (temporary files left out)."""
        for path, temporary in self._walk():
            if not temporary:
                yield path.relative_to(self.base_dir).as_posix()

    def temporary_files(self) -> Iterator[tuple[str, float]]:
        """(path, seconds since last written) of every temporary file: stores in progress,
        or left by a process killed in the middle of one."""
        now = time.time()
        for path, temporary in self._walk():
            if temporary:
                with contextlib.suppress(FileNotFoundError):  # renamed into place meanwhile
                    age = now - path.stat().st_mtime
                    yield path.relative_to(self.base_dir).as_posix(), age

    def sweep_temporary_files(self, older_than: float) -> list[str]:
        """Remove the temporary files not written to for ``older_than`` seconds, and the
        digest directories they leave empty. Younger ones may be stores in progress (in
        another worker, or on another host sharing the directory) and stay."""
        removed = []
        for path, age in list(self.temporary_files()):
            if age >= older_than:
                full = self.base_dir / path
                with contextlib.suppress(FileNotFoundError):
                    full.unlink()
                    removed.append(path)
                self._prune(full.parent)
        return removed
