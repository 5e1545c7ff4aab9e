"""The database side of an upload: project, owner role, release, file, journal and events.

Concurrency: an upload checks and inspects its file without locks, then locks its project row
(SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE) and
repeats the permission and duplicate checks before writing, so the writes to one project run
one after the other and journal serials grow in commit order. Two first uploads of one new name
race on the unique normalized_name: the loser's insert fails inside a savepoint and it
continues with the winner's project (subject to the permission check like any upload).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from packaging.version import Version
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from warehouse_lite.events import record_project_event
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.packaging.journal import record_journal
from warehouse_lite.packaging.models import (
    File,
    FilenameRegistry,
    Project,
    Release,
    Role,
    RoleName,
)

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session

    from warehouse_lite.forklift.digests import FileDigests
    from warehouse_lite.forklift.metadata import ValidatedMetadata

log = logging.getLogger(__name__)


def find_project(db: Session, normalized_name: str, *, lock: bool = False) -> Project | None:
    """The project with this PEP 503 name; with ``lock``, its row is locked (FOR NO KEY UPDATE)
    until the end of the transaction (uploads to one project then write one after the other)."""
    query = select(Project).where(Project.normalized_name == normalized_name)
    return db.scalar(query.with_for_update(key_share=True) if lock else query)


def lock_project(db: Session, project: Project) -> Project:
    """Lock ``project``'s row and reload it (and its roles) as committed now; UploadError
    if it was deleted since it was read."""
    locked = db.scalar(
        select(Project)
        .where(Project.id == project.id)
        # FOR NO KEY UPDATE on PostgreSQL: uploads to one project still queue behind each
        # other, but rows that merely reference the project (a token's project links being
        # deleted at revocation) no longer wait on it, which could deadlock with the token lock.
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise UploadError(
            f"The project {project.name!r} was deleted during the upload; try again.", status=409
        )
    db.expire(locked, ["roles"])
    return locked


def create_project(request: Request, meta: ValidatedMetadata) -> Project | None:
    """A new project owned by the uploader, or None if a concurrent upload created it first."""
    db = request.db
    user = request.user
    try:
        with db.begin_nested():
            project = Project(name=meta.name, normalized_name=meta.normalized_name)
            db.add(project)
            db.flush()
    except IntegrityError:
        log.info("project %s was created by a concurrent upload", meta.normalized_name)
        return None
    db.add(Role(user=user, project=project, role_name=RoleName.OWNER))
    record_journal(request, project, "create")
    record_journal(request, project, f"add {RoleName.OWNER} {user.username}")
    record_project_event(request, project, "project:create", created_by=user.username)
    record_project_event(
        request,
        project,
        "project:role:add",
        role_name=str(RoleName.OWNER),
        target_user=user.username,
        submitted_by=user.username,
    )
    return project


def _file_like(db: Session, filename: str, digests: FileDigests) -> File | None:
    return db.scalar(
        select(File)
        .where(
            or_(
                File.filename == filename,
                File.sha256_digest == digests.sha256,
                File.blake2_256_digest == digests.blake2_256,
            )
        )
        .limit(1)
    )


def find_conflict(db: Session, filename: str, digests: FileDigests) -> tuple[File | None, bool]:
    """(a stored file with this name or this content, whether the name is reserved).

    A reserved name without a file normally means the file was deleted; but the file and its
    reservation commit together, so a concurrent upload may have committed both between our
    two look-ups: then look for the file once more rather than call it deleted.
    """
    file = _file_like(db, filename, digests)
    if file is not None:
        return file, file.filename == filename
    reserved = db.get(FilenameRegistry, filename) is not None
    if reserved:
        file = _file_like(db, filename, digests)
    return file, reserved


def is_same_upload(file: File | None, filename: str, digests: FileDigests) -> bool:
    """True when the exact file is already there: uploading it again changes nothing."""
    return file is not None and file.filename == filename and file.sha256_digest == digests.sha256


def check_not_reused(file: File | None, reserved: bool, filename: str, help_url: str) -> None:
    """UploadError if the name or the content is taken (now, or by a deleted file)."""
    if file is not None and file.filename == filename:
        raise UploadError(
            f"File already exists ({filename!r}, with sha256 hash {file.sha256_digest!r}). "
            f"See {help_url} for more information."
        )
    if file is not None:
        raise UploadError(
            f"File already exists: the same content was uploaded as {file.filename!r}. "
            f"See {help_url} for more information."
        )
    if reserved:
        raise UploadError(
            f"This filename ({filename!r}) has already been used by a file that was deleted, "
            f"and filenames can never be reused: use a different version. See {help_url}"
        )


def _reorder(db: Session, project: Project) -> None:
    # sort_key lets listings order releases by PEP 440 without parsing every version.
    releases = db.scalars(select(Release).where(Release.project_id == project.id)).all()
    for index, release in enumerate(sorted(releases, key=lambda r: Version(r.version))):
        release.sort_key = index


def get_or_create_release(
    request: Request, project: Project, meta: ValidatedMetadata, rendered: str | None
) -> Release:
    """The release of this version; a new one takes its metadata from this upload."""
    db = request.db
    release = db.scalar(
        select(Release).where(
            Release.project_id == project.id,
            Release.canonical_version == meta.canonical_version,
        )
    )
    if release is not None:
        return release
    release = Release(
        project=project,
        version=meta.version_string,
        canonical_version=meta.canonical_version,
        rendered_description=rendered,
        uploader_id=request.user.id,
        **meta.release_fields,
    )
    db.add(release)
    db.flush()
    _reorder(db, project)
    record_journal(request, project, "new release", version=release.version)
    record_project_event(
        request,
        project,
        "release:create",
        version=release.version,
        submitted_by=request.user.username,
    )
    return release


def check_release_limits(
    release: Release, project: Project, filetype: str, size: int, max_project_size: int
) -> None:
    """One sdist per release; the project's total size stays under the limit."""
    if filetype == "sdist" and any(f.packagetype == "sdist" for f in release.files):
        raise UploadError(
            f"Only one sdist may be uploaded per release; {project.name} {release.version} "
            "already has one."
        )
    if (project.total_size or 0) + size > max_project_size:
        from warehouse_lite.forklift.digests import human_size

        raise UploadError(
            f"Project size too large: the total size of all files of {project.name!r} may not "
            f"exceed {human_size(max_project_size)}."
        )


def add_file(
    request: Request,
    project: Project,
    release: Release,
    *,
    filename: str,
    path: str,
    filetype: str,
    pyversion: str,
    digests: FileDigests,
    metadata_sha256: str | None,
) -> File:
    """Insert the File row and reserve its name forever; journal and event it."""
    db = request.db
    agent = request.user_agent
    # By id, not relationship: a refused insert must not linger in release.files.
    file = File(
        release_id=release.id,
        project_id=project.id,
        filename=filename,
        path=path,
        size=digests.size,
        sha256_digest=digests.sha256,
        blake2_256_digest=digests.blake2_256,
        md5_digest=digests.md5,
        packagetype=filetype,
        python_version=pyversion if filetype == "bdist_wheel" else "source",
        requires_python=release.requires_python,
        metadata_sha256=metadata_sha256,
        uploaded_via=agent[:200] if agent else None,
    )
    try:
        with db.begin_nested():
            db.add(file)
            db.add(FilenameRegistry(filename=filename))
            db.flush()
    except IntegrityError:
        raise UploadError(f"File already exists ({filename!r}).") from None
    project.total_size = (project.total_size or 0) + digests.size
    record_journal(
        request, project, f"add {file.python_version} file {filename}", version=release.version
    )
    record_project_event(
        request,
        project,
        "file:add",
        filename=filename,
        version=release.version,
        submitted_by=request.user.username,
    )
    return file
