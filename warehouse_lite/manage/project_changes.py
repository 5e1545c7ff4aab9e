"""What every project management action does besides its change: a project event, a journal
entry (which bumps the project's serial) and an email to the project's owners."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from warehouse_lite.accounts.models import User
from warehouse_lite.email import send_email
from warehouse_lite.events import record_project_event
from warehouse_lite.packaging.journal import record_journal
from warehouse_lite.packaging.models import Role, RoleName

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.packaging.models import Project


def project_owners(request: Request, project: Project) -> list[User]:
    """The users who own ``project`` now (pending changes of this request included)."""
    query = (
        select(User)
        .join(Role, Role.user_id == User.id)
        .where(Role.project_id == project.id, Role.role_name == RoleName.OWNER)
        .order_by(User.username)
    )
    return list(request.db.scalars(query))


def email_owners(
    request: Request,
    owners: Iterable[User],
    email: str,
    context: dict[str, Any],
    *,
    also: Iterable[User] = (),
) -> None:
    """Send the email ``email`` to each of ``owners`` and ``also``, once per person."""
    seen: set[Any] = set()
    for user in [*owners, *also]:
        if user.id in seen:
            continue
        seen.add(user.id)
        send_email(request, email, user, context=context)


def record_change(
    request: Request,
    project: Project,
    *,
    tag: str,
    journal: str,
    email: str,
    version: str | None = None,
    also_email: Iterable[User] = (),
    **details: Any,
) -> None:
    """Record a change already made to ``project`` by the logged-in user.

    ``details`` go into the event's ``additional`` and into the email's context.
    """
    actor = request.user
    if version is not None:
        details = {"version": version, **details}
    record_project_event(request, project, tag, submitted_by=actor.username, **details)
    record_journal(request, project, journal, version=version)
    context = {
        "project_name": project.name,
        "project_url": request.route_url("packaging.project", name=project.normalized_name),
        "actor": actor.username,
        **details,
    }
    email_owners(request, project_owners(request, project), email, context, also=also_email)
