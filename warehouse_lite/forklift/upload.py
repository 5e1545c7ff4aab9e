"""One file upload, step by step. Each step is a small function in its own module; this one
only orders them. Every refusal is an UploadError (the transaction then rolls back, and the
storage undoes its writes), so a refused upload leaves no row and no stored object.
"""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING, BinaryIO

from pyramid.authorization import ACLDenied
from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import Response

from warehouse_lite.authnz import Permissions
from warehouse_lite.db import defer_write_lock, take_write_lock
from warehouse_lite.forklift import archives, records
from warehouse_lite.forklift.bounds import check_form_bounds
from warehouse_lite.forklift.digests import FileDigests, check_digests, hash_file
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.filenames import check_filename
from warehouse_lite.forklift.form import UploadForm, ignored_fields_note, parse_upload_form
from warehouse_lite.forklift.metadata import ValidatedMetadata, validate_metadata
from warehouse_lite.forklift.notices import notify_unnormalized_sdist
from warehouse_lite.forklift.render_worker import render_in_worker
from warehouse_lite.packaging.contexts import NewProject
from warehouse_lite.packaging.storage import IFileStorage, file_path, metadata_path
from warehouse_lite.security_policy import forget_cached_identity

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.packaging.models import Project
    from warehouse_lite.settings import Settings


def check_upload_permission(
    request: Request, project: Project | None, meta: ValidatedMetadata
) -> None:
    """403 unless the identity may upload to ``project`` (or create it when it is None)."""
    context = project if project is not None else NewProject(meta.name, meta.normalized_name)
    result = request.has_permission(Permissions.PROJECTS_UPLOAD, context)
    if result:
        return
    message = getattr(result, "msg", None)
    if isinstance(result, ACLDenied) or not message:
        name = project.name if project is not None else meta.name
        message = (
            f"The user {request.user.username!r} isn't allowed to upload to the project "
            f"{name!r}: only its owners and maintainers can."
        )
    raise UploadError(message, status=403)


def check_verified_email(request: Request) -> None:
    """400 unless the uploader's primary email address is verified (as PyPI requires)."""
    primary = request.user.primary_email
    if primary is None or not primary.verified:
        account_url = request.route_url("manage.account", _anchor="emails")
        raise UploadError(
            f"User {request.user.username!r} does not have a verified primary email address. "
            f"Add and verify a primary email address before uploading. See {account_url} "
            "for more information."
        )


def _create_project(request: Request, meta: ValidatedMetadata) -> tuple[Project, bool]:
    """(a new project owned by the uploader, True); if a concurrent upload created it between
    our look-up and our insert, (theirs, False) when this uploader may upload to it."""
    project = records.create_project(request, meta)
    if project is not None:
        return project, True
    project = records.find_project(request.db, meta.normalized_name, lock=True)
    if project is None:
        raise UploadError(
            f"The project {meta.name!r} could not be created; try the upload again.",
            status=409,
        )
    check_upload_permission(request, project, meta)
    return project, False


def _check_duplicate(request: Request, form: UploadForm, digests: FileDigests) -> Response | None:
    """A 200 "nothing changed" for a re-upload of the same file; UploadError when its name or
    content is taken (now, or by a deleted file); None for a new file."""
    existing, reserved = records.find_conflict(request.db, form.filename, digests)
    if records.is_same_upload(existing, form.filename, digests):
        return _ok(f"{form.filename} was already uploaded; nothing changed.")
    help_url = request.route_url("help", _anchor="file-name-reuse")
    records.check_not_reused(existing, reserved, form.filename, help_url)
    return None


def _taken_meanwhile(request: Request, form: UploadForm, digests: FileDigests) -> Response | None:
    """The duplicate check again, under the project lock, for when a write step failed: a file
    with this name or content committed after the first check answers as that check would
    have (UploadError, or the 200 of an identical re-upload, for which the transaction is
    doomed so that nothing this request wrote is kept); None when there is none."""
    already = _check_duplicate(request, form, digests)
    if already is not None:
        request.tm.doom()
    return already


def _inspect(form: UploadForm, size: int, meta: ValidatedMetadata) -> bytes | None:
    if form.filetype == "bdist_wheel":
        return archives.inspect_wheel(form.content, form.filename, size, meta)
    archives.inspect_sdist(form.content, form.filename, size, meta)
    return None


def _ok(message: str) -> Response:
    return Response(message + "\n", content_type="text/plain", charset="utf-8")


def _check_uploader(request: Request) -> None:
    if request.identity is None:
        # The forbidden view answers 401, or 403 with the reason the credentials failed.
        raise HTTPForbidden()
    check_verified_email(request)


def _check_uploader_again(request: Request) -> None:
    """Under the write lock, read the credentials again: a token revoked (or a password
    changed, an account disabled) while the upload was checked without the lock must not
    commit anything after that."""
    request.db.expunge_all()  # what the first look loaded; nothing was written yet
    forget_cached_identity(request)
    request.__dict__.pop("user", None)  # request.user is reified from the first look
    _check_uploader(request)


def file_upload(request: Request) -> Response:
    """Validate and store one distribution file (`:action=file_upload`).

    Two phases. First everything that costs time is checked (form, metadata, hashes, the
    description's rendering, the archive) while nothing is locked; then the write phase locks
    the project and writes. With SQLite, where the write lock is the whole database's, the
    first phase reads in autocommit (db.defer_write_lock) and the write phase takes the lock
    and reads the credentials again, so no reader ever waits on an upload's checks.
    """
    settings: Settings = request.settings
    deferred = defer_write_lock(request.db)
    _check_uploader(request)
    check_form_bounds(request.POST, settings.max_description_size)
    form = parse_upload_form(request.POST)
    meta = validate_metadata(form.raw)
    normalized_sdist = check_filename(
        form.filename,
        form.filetype,
        form.pyversion,
        meta,
        strict_sdist_names=settings.strict_sdist_names,
        allow_linux_wheels=settings.allow_linux_wheels,
    )
    project = records.find_project(request.db, meta.normalized_name)
    check_upload_permission(request, project, meta)

    digests = hash_file(form.content, settings.max_file_size)
    check_digests(form.digests, digests)
    if (already := _check_duplicate(request, form, digests)) is not None:
        return already
    rendered = render_in_worker(
        form.raw.get("description"),
        form.raw.get("description_content_type"),
        settings.description_render_seconds,
    )
    core_metadata = _inspect(form, digests.size, meta)

    # The write phase: from here on we hold the project's row lock. What was checked so far
    # against the database may have changed meanwhile: a concurrent upload created the project
    # (create_project notices), an owner removed the uploader (checked again here), or someone
    # committed a file with this name or content (add_file's unique constraints notice).
    if deferred:
        take_write_lock(request.db)
        _check_uploader_again(request)
    if project is None:
        project, new_project = _create_project(request, meta)
    else:
        project, new_project = records.lock_project(request.db, project), False
        check_upload_permission(request, project, meta)
    release, has_sdist = records.get_or_create_release(
        request, project, meta, rendered, new_project=new_project
    )
    try:
        records.check_release_limits(
            release,
            project,
            filetype=form.filetype,
            has_sdist=has_sdist,
            size=digests.size,
            max_project_size=settings.max_project_size,
        )
    except UploadError:
        # "File already exists" (or 200) comes first, as without a concurrent upload.
        if (already := _taken_meanwhile(request, form, digests)) is not None:
            return already
        raise
    path = file_path(digests.blake2_256, form.filename)
    metadata_sha256 = hashlib.sha256(core_metadata).hexdigest() if core_metadata else None
    if not records.add_file(request, project, release, form, path, digests, metadata_sha256):
        if (already := _taken_meanwhile(request, form, digests)) is not None:
            return already
        # The conflicting row is gone again (deleted meanwhile): still refused (nothing of this
        # request may commit now); a new attempt gets the full answer.
        raise UploadError(f"File already exists ({form.filename!r}); try the upload again.")
    if normalized_sdist is not None:
        notify_unnormalized_sdist(request, project, form.filename, normalized_sdist)
    # Bytes go to storage last, after every check and the row inserts have passed; if the
    # commit still fails, the storage's data manager removes them again.
    form.content.seek(0)
    objects: list[tuple[str, BinaryIO]] = [(path, form.content)]
    if core_metadata is not None:
        objects.append((metadata_path(path), io.BytesIO(core_metadata)))
    request.find_service(IFileStorage).store_many(objects)
    return _ok(f"Uploaded {form.filename}.{ignored_fields_note(form)}")
