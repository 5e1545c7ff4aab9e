"""The change journal: every change to a project gets a serial (X-PyPI-Last-Serial)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.packaging.models import JournalEntry
from warehouse_lite.packaging.static_pages import forget_project_pages

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.events.actor import Actor
    from warehouse_lite.packaging.models import Project


def record_journal(
    request: Request,
    project: Project,
    action: str,
    *,
    version: str | None = None,
    actor: Actor | None = None,
) -> JournalEntry:
    """Append a journal entry about ``project``; its serial becomes the project's last_serial.

    Nothing is sent now: the next flush (any query, or the commit) inserts the entries of the
    request (in one statement on PostgreSQL) and then updates the project once, its
    last_serial set to the newest entry's id. Until then the entry's ``id`` is None and
    ``project.last_serial`` the old serial. Caches keyed on ``Project.last_serial`` (the
    simple page, ETags) see the change from the commit on, and the published copies of the
    project's page and of the project list are withdrawn.

    The entry names ``actor``'s account as the submitter; without an actor, the request's
    authenticated user.
    """
    user = actor.user if actor is not None else request.user
    entry = JournalEntry(
        name=project.name,
        version=version,
        action=action,
        submitted_by_id=user.id if user is not None else None,
    )
    request.db.add(entry)
    # Entries are inserted in the order they were added, so the last one recorded has the
    # highest serial of its flush; the flush copies its id into project.last_serial.
    project.newest_journal_entry = entry
    forget_project_pages(request, project.normalized_name)
    return entry
