"""The change journal: every change to a project gets a serial (X-PyPI-Last-Serial)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.packaging.models import JournalEntry
from warehouse_lite.packaging.static_pages import forget_project_pages

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.packaging.models import Project


def record_journal(
    request: Request, project: Project, action: str, *, version: str | None = None
) -> JournalEntry:
    """Append a journal entry about ``project`` and make its serial the project's last_serial.

    Caches keyed on ``Project.last_serial`` (the simple page, ETags) see the change at once,
    and the published copies of the project's page and of the project list are withdrawn.
    """
    user = request.user
    entry = JournalEntry(
        name=project.name,
        version=version,
        action=action,
        submitted_by_id=user.id if user is not None else None,
    )
    request.db.add(entry)
    request.db.flush()  # assigns the serial
    project.last_serial = entry.id
    forget_project_pages(request, project.normalized_name)
    return entry
