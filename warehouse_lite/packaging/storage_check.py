"""`warehouse-lite storage check` and the sweep of abandoned temporary files at start-up.

A store writes a temporary file beside its target and renames it into place; a worker killed
in between (an OOM kill, a deploy's SIGKILL) leaves the temporary file behind. Nothing reads
those, but they take space. They are swept when gunicorn or `warehouse-lite serve` starts and
by `storage check --fix`, only once nobody has written to them for ``ABANDONED_AFTER``: other
workers, or other hosts sharing FILES_DIR, may be in the middle of a store right now.

The check also compares the storage with the database: a row whose object is missing
(downloads of it fail) and an object no row refers to (an upload killed between its rename
and its commit, or a deletion whose after-commit removal failed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from warehouse_lite.packaging.models import File
from warehouse_lite.packaging.storage import metadata_path
from warehouse_lite.packaging.storage_local import LocalFileStorage

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warehouse_lite.settings import Settings

log = logging.getLogger(__name__)

# An upload's temporary file is written from start to end within one request (gunicorn's
# --timeout is 120 s in docs/deployment.md); an hour without a write means nobody will finish it.
ABANDONED_AFTER = 3600.0


@dataclass
class StorageReport:
    """What `storage check` found (storage paths, sorted)."""

    missing: list[str] = field(default_factory=list)  # rows without their object
    unreferenced: list[str] = field(default_factory=list)  # objects without a row
    abandoned: list[str] = field(default_factory=list)  # old temporary files
    in_progress: int = 0  # recent temporary files: stores being written

    @property
    def has_problems(self) -> bool:
        return bool(self.missing or self.unreferenced or self.abandoned)


def expected_objects(db: Session) -> set[str]:
    """Every storage path the database refers to: each file and its PEP 658 metadata."""
    paths: set[str] = set()
    for path, metadata_sha256 in db.execute(select(File.path, File.metadata_sha256)):
        paths.add(path)
        if metadata_sha256:
            paths.add(metadata_path(path))
    return paths


def check_storage(db: Session, storage: LocalFileStorage) -> StorageReport:
    """Compare ``storage`` with the rows of ``db``; look for abandoned temporary files."""
    expected = expected_objects(db)
    stored = set(storage.objects())
    report = StorageReport(
        missing=sorted(expected - stored), unreferenced=sorted(stored - expected)
    )
    for path, age in storage.temporary_files():
        if age >= ABANDONED_AFTER:
            report.abandoned.append(path)
        else:
            report.in_progress += 1
    report.abandoned.sort()
    return report


def sweep_at_start(settings: Settings) -> None:
    """Remove abandoned temporary files of FILES_DIR (gunicorn's on_starting, `serve`).
    A failure is logged: it must not keep the server from starting."""
    try:
        removed = LocalFileStorage(settings.storage_dir).sweep_temporary_files(ABANDONED_AFTER)
    except OSError:
        log.exception("could not sweep the temporary files of %s", settings.storage_dir)
        return
    if removed:
        log.warning(
            "removed %d abandoned temporary upload files from %s",
            len(removed),
            settings.storage_dir,
        )
