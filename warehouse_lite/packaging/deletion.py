"""Removing files, releases and projects: rows go now, stored bytes after the commit.

A removed file's name stays in FilenameRegistry forever, so it can never be uploaded again
(what pip users rely on: a name always means the same bytes). The bytes are deleted from the
file storage only once the transaction has committed; if it rolls back, nothing was removed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from warehouse_lite.packaging.models import File, FilenameRegistry, Project, Release
from warehouse_lite.packaging.storage import IFileStorage, metadata_path

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def reserve_filenames(db: Session, filenames: Iterable[str]) -> None:
    """Make sure every name in ``filenames`` is in the registry (uploads normally add it)."""
    wanted = set(filenames)
    if not wanted:
        return
    known = set(
        db.scalars(select(FilenameRegistry.filename).where(FilenameRegistry.filename.in_(wanted)))
    )
    db.add_all(FilenameRegistry(filename=name) for name in sorted(wanted - known))


def stored_paths(file: File) -> list[str]:
    """Every storage path that belongs to ``file``: the file and its PEP 658 metadata."""
    paths = [file.path]
    if file.metadata_sha256:
        paths.append(metadata_path(file.path))
    return paths


def delete_stored_after_commit(request: Request, paths: list[str]) -> None:
    """Delete ``paths`` from the file storage once (and only if) the transaction commits."""
    if not paths:
        return
    storage = request.find_service(IFileStorage)

    def remove(committed: bool) -> None:
        if not committed:
            return
        for path in paths:
            try:
                storage.delete(path)
            except Exception:  # an orphaned object is harmless; a lost row would not be
                log.exception("could not delete %s from the file storage", path)

    request.tm.get().addAfterCommitHook(remove)


def _forget_files(request: Request, project: Project, files: list[File]) -> list[str]:
    reserve_filenames(request.db, (f.filename for f in files))
    project.total_size = max(0, (project.total_size or 0) - sum(f.size for f in files))
    return [path for f in files for path in stored_paths(f)]


def delete_file(request: Request, file: File) -> None:
    """Remove one file of a release (row now, bytes after commit)."""
    release = file.release
    paths = _forget_files(request, release.project, [file])
    release.files.remove(file)
    request.db.delete(file)
    delete_stored_after_commit(request, paths)


def delete_release(request: Request, release: Release) -> None:
    """Remove a release and all of its files."""
    project = release.project
    paths = _forget_files(request, project, list(release.files))
    project.releases.remove(release)
    request.db.delete(release)
    delete_stored_after_commit(request, paths)


def delete_project(request: Request, project: Project) -> None:
    """Remove a project with its releases, files, roles and events."""
    files = [f for release in project.releases for f in release.files]
    paths = _forget_files(request, project, files)
    request.db.delete(project)
    delete_stored_after_commit(request, paths)
