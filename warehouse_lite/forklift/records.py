"""The database side of an upload: project, owner role, release, file, journal and events.

Concurrency: an upload checks and inspects its file without locks, then locks its project row
(SELECT ... FOR NO KEY UPDATE on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE)
and repeats the permission check before writing, so the writes to one project run one after
the other and journal serials grow in commit order. A file committed by someone else after the
first duplicate check is caught by the unique constraints of the file and filename rows, which
are inserted with ON CONFLICT DO NOTHING: the caller then checks for duplicates again. Two first
uploads of one new name race on the unique normalized_name: the loser's insert does nothing
and it continues with the winner's project (subject to the permission check like any upload).
No step needs a savepoint.

Each helper here costs one statement where it can (project and roles together, the name and
content look-up together): tests/functional/forklift/test_upload_queries.py counts them.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from packaging.version import Version
from sqlalchemy import exists, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import defer, joinedload, load_only

from warehouse_lite.events import record_project_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.packaging import project_lock
from warehouse_lite.packaging.journal import record_journal
from warehouse_lite.packaging.models import (
    File,
    FilenameRegistry,
    Project,
    Release,
    Role,
    RoleName,
)
from warehouse_lite.packaging.project_lock import for_change

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session

    from warehouse_lite.forklift.digests import FileDigests
    from warehouse_lite.forklift.form import UploadForm
    from warehouse_lite.forklift.metadata import ValidatedMetadata

log = logging.getLogger(__name__)


def _project_with_roles(db: Session, condition: Any, *, lock: bool) -> Project | None:
    # The roles (the project's ACL) come in the same statement, joined.
    query = select(Project).options(joinedload(Project.roles)).where(condition)
    if lock:
        query = for_change(query)  # uploads to one project queue behind each other
    return db.scalars(query).unique().one_or_none()


def find_project(db: Session, normalized_name: str, *, lock: bool = False) -> Project | None:
    """The project with this PEP 503 name, its roles loaded; with ``lock``, its row is locked
    (FOR NO KEY UPDATE) until the end of the transaction (uploads to one project then write
    one after the other)."""
    return _project_with_roles(db, Project.normalized_name == normalized_name, lock=lock)


def lock_project(db: Session, project: Project) -> Project:
    """Lock ``project``'s row and reload it (and its roles) as committed now; UploadError
    if it was deleted since it was read."""
    locked = project_lock.lock_project(db, project)
    if locked is None:
        raise UploadError(
            f"The project {project.name!r} was deleted during the upload; try again.", status=409
        )
    return locked


def _insert_ignoring_conflicts(db: Session, model: type[Any]) -> Any:
    # INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite): a unique violation inserts
    # nothing and leaves the transaction usable, without a savepoint and its round trips.
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()


def create_project(request: Request, meta: ValidatedMetadata) -> Project | None:
    """A new project owned by the uploader, or None if a concurrent upload created it first."""
    db = request.db
    user = request.user
    # The loser of a race on the unique name inserts nothing and gets no row back; the
    # winner's row comes back as the persistent Project (no savepoint, no second look-up).
    insert = _insert_ignoring_conflicts(db, Project).values(
        name=meta.name, normalized_name=meta.normalized_name
    )
    project = db.scalars(insert.returning(Project)).first()
    if project is None:
        log.info("project %s was created by a concurrent upload", meta.normalized_name)
        return None
    db.add(Role(user=user, project=project, role_name=RoleName.OWNER))
    record_journal(request, project, "create")
    record_journal(request, project, f"add {RoleName.OWNER} {user.username}")
    record_project_event(request, project, EventTag.PROJECT_CREATE, created_by=user.username)
    record_project_event(
        request,
        project,
        EventTag.PROJECT_ROLE_ADD,
        role_name=str(RoleName.OWNER),
        target_user=user.username,
        submitted_by=user.username,
    )
    return project


def find_conflict(db: Session, filename: str, digests: FileDigests) -> tuple[File | None, bool]:
    """(a stored file with this name or this content, whether the name is reserved).

    One statement, so one snapshot: a file and its name's reservation commit together, and a
    reserved name without a file means the file was deleted (never a concurrent upload caught
    between two look-ups).
    """
    reserved = exists().where(FilenameRegistry.filename == filename).label("reserved")
    # The outer join from a one-row source yields a row (file None) when no file matches.
    one_row = select(literal(1).label("one")).subquery()
    matches = or_(
        File.filename == filename,
        File.sha256_digest == digests.sha256,
        File.blake2_256_digest == digests.blake2_256,
    )
    file, is_reserved = db.execute(
        select(File, reserved).select_from(one_row).outerjoin(File, matches).limit(1)
    ).one()
    return file, bool(is_reserved)


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


def _sort_key_for(db: Session, project: Project, version: str) -> int:
    # sort_key lets listings order releases by PEP 440 without parsing every version. The
    # project's releases are numbered afresh around the new one, whose key is returned; an
    # UPDATE is sent only for keys that change (none when the new version is the newest).
    # Only the two columns this needs are loaded (not every release's description).
    new = Version(version)
    releases = db.scalars(
        select(Release)
        .options(load_only(Release.version, Release.sort_key))
        .where(Release.project_id == project.id)
    ).all()
    ordered = sorted(((Version(r.version), r) for r in releases), key=lambda pair: pair[0])
    position = sum(1 for parsed, _ in ordered if parsed < new)
    for index, (_, release) in enumerate(ordered):
        release.sort_key = index if index < position else index + 1
    return position


def _existing_release(
    db: Session, project: Project, meta: ValidatedMetadata
) -> tuple[Release | None, bool]:
    # The release and whether it has an sdist already, in one statement. The description and
    # its HTML (often the largest values of the row) stay in the database: a release's later
    # files (dozens of wheels from one CI run) only need its id, version and Requires-Python.
    has_sdist = (
        exists().where(File.release_id == Release.id, File.packagetype == "sdist").label("sdist")
    )
    row = db.execute(
        select(Release, has_sdist)
        .options(defer(Release.description), defer(Release.rendered_description))
        .where(
            Release.project_id == project.id,
            Release.canonical_version == meta.canonical_version,
        )
    ).first()
    return (row[0], bool(row[1])) if row is not None else (None, False)


def get_or_create_release(
    request: Request,
    project: Project,
    meta: ValidatedMetadata,
    rendered: str | None,
    *,
    new_project: bool = False,
) -> tuple[Release, bool]:
    """(the release of this version, whether it has an sdist); a new release takes its
    metadata from this upload. ``new_project``: the project was created by this upload, so it
    has no releases yet (nothing to look up or reorder)."""
    db = request.db
    if not new_project:
        release, has_sdist = _existing_release(db, project, meta)
        if release is not None:
            return release, has_sdist
    release = Release(
        # The id now, not at the flush: add_file() refers to the release by id.
        id=uuid.uuid4(),
        project=project,
        version=meta.version_string,
        canonical_version=meta.canonical_version,
        sort_key=0 if new_project else _sort_key_for(db, project, meta.version_string),
        rendered_description=rendered,
        uploader_id=request.user.id,
        **meta.release_fields,
    )
    db.add(release)
    record_journal(request, project, "new release", version=release.version)
    record_project_event(
        request,
        project,
        EventTag.RELEASE_CREATE,
        version=release.version,
        submitted_by=request.user.username,
    )
    return release, False


def check_release_limits(
    release: Release,
    project: Project,
    *,
    filetype: str,
    has_sdist: bool,
    size: int,
    max_project_size: int,
) -> None:
    """One sdist per release; the project's total size stays under the limit."""
    if filetype == "sdist" and has_sdist:
        raise UploadError(
            f"Only one sdist may be uploaded per release; {project.name} {release.version} "
            "already has one."
        )
    if (project.total_size or 0) + size > max_project_size:
        from warehouse_lite.packaging.presenters import human_size

        raise UploadError(
            f"Project size too large: the total size of all files of {project.name!r} may not "
            f"exceed {human_size(max_project_size)}."
        )


def insert_unless_taken(db: Session, model: type[Any], values: dict[str, Any]) -> bool:
    """Insert one row of ``model`` unless a unique key of it is taken (ON CONFLICT DO
    NOTHING); whether the row went in."""
    statement = _insert_ignoring_conflicts(db, model).values(values).returning(literal(1))
    return db.connection().execute(statement).first() is not None


def add_file(
    request: Request,
    project: Project,
    release: Release,
    form: UploadForm,
    path: str,
    digests: FileDigests,
    metadata_sha256: str | None,
) -> bool:
    """Reserve the file's name forever and insert its row; journal and event it. False when
    the name or the content was taken meanwhile: the caller must then check for duplicates
    again, say how, and not commit (the reservation may have gone in)."""
    db = request.db
    filename, filetype = form.filename, form.filetype
    python_version = form.pyversion if filetype == "bdist_wheel" else "source"
    # Journaled before the rows go in, so that the journal entries, the events and the
    # project's one UPDATE (new serial and size) go out with the flush below or the commit,
    # each in one statement. If a row does not go in, nothing of this is committed (above).
    record_journal(
        request, project, f"add {python_version} file {filename}", version=release.version
    )
    project.total_size = (project.total_size or 0) + digests.size
    record_project_event(
        request,
        project,
        EventTag.FILE_ADD,
        filename=filename,
        version=release.version,
        submitted_by=request.user.username,
    )
    if release in db.new or project in db.new:
        db.flush()  # the file row refers to both
    if not insert_unless_taken(db, FilenameRegistry, {"filename": filename}):
        log.info("file name %s was taken by a concurrent upload", filename)
        return False
    agent = request.user_agent
    values = {
        "release_id": release.id,
        "project_id": project.id,
        "filename": filename,
        "path": path,
        "size": digests.size,
        "sha256_digest": digests.sha256,
        "blake2_256_digest": digests.blake2_256,
        "md5_digest": digests.md5,
        "packagetype": filetype,
        "python_version": python_version,
        "requires_python": release.requires_python,
        "metadata_sha256": metadata_sha256,
        "uploaded_via": agent[:200] if agent else None,
        "comment_text": form.comment,
    }
    if not insert_unless_taken(db, File, values):
        log.info("the content of %s was taken by a concurrent upload", filename)
        return False
    return True
