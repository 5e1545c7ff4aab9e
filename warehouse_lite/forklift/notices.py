"""Deprecation notices for uploads that are accepted today but use an old form, as PyPI sends
them: one email per project and kind, to the uploader who prompted it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.email import send_email
from warehouse_lite.forklift.models import UploadNotice
from warehouse_lite.forklift.records import insert_unless_taken

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.packaging.models import Project

UNNORMALIZED_SDIST_NAME = "sdist-name"


def _first_notice(request: Request, project: Project, kind: str, filename: str) -> bool:
    """Record that ``kind`` was sent for ``project``; False if it had been already.

    INSERT ... ON CONFLICT DO NOTHING on the (project, kind) key: of two uploads racing, the
    second waits for the first's transaction and inserts nothing if it committed. The email
    goes out only after this transaction commits, so a refused upload sends nothing and
    leaves the notice to the next upload."""
    values = {
        "project_id": project.id,
        "kind": kind,
        "filename": filename,
        "user_id": request.user.id,
    }
    return insert_unless_taken(request.db, UploadNotice, values)


def notify_unnormalized_sdist(
    request: Request, project: Project, filename: str, normalized: str
) -> None:
    """Email the uploader, once per project, that the sdist ``filename`` should have been
    named ``normalized`` (PEP 625) and how to get there."""
    if not _first_notice(request, project, UNNORMALIZED_SDIST_NAME, filename):
        return
    project_url = request.route_url("packaging.project", name=project.normalized_name)
    send_email(
        request,
        "sdist-name-deprecated",
        request.user,
        context={
            "project_name": project.name,
            "project_url": project_url,
            "filename": filename,
            "normalized": normalized,
        },
    )
