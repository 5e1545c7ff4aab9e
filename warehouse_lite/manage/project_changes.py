"""What every project management action does besides its change: the project's row lock
first, then a project event, a journal entry (which bumps the project's serial) and an email
to the project's owners.

Emails to owners other than the actor count toward the actor's email rate limit
(email/throttle.py): over it, the whole action is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select

from warehouse_lite.accounts.models import User
from warehouse_lite.authnz import Permissions
from warehouse_lite.email import send_email
from warehouse_lite.events import record_event, record_project_event
from warehouse_lite.packaging.journal import record_journal
from warehouse_lite.packaging.models import Project, Role, RoleName
from warehouse_lite.packaging.project_lock import lock_project

if TYPE_CHECKING:
    from pyramid.request import Request


def changes_project(view: Callable[[Any, Request], Any]) -> Callable[[Any, Request], Any]:
    """View decorator (``view_config(decorator=...)``) for actions that change the project
    they are about: its row is locked before the view reads anything (packaging.project_lock),
    so concurrent changes to one project run one after the other, each sees the previous one,
    and their journal serials grow in commit order. Runs after the permission check."""

    def locked_view(context: Any, request: Request) -> Any:
        if isinstance(context, Project) and lock_project(request.db, context) is None:
            raise HTTPNotFound(f"The project '{context.name}' was just deleted.")
        return view(context, request)

    return locked_view


# view_config arguments of a project management action (a POST that changes the project).
CHANGE = {
    "context": Project,
    "permission": Permissions.PROJECTS_MANAGE,
    "request_method": "POST",
    "decorator": changes_project,
}


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
    journal: str | None,
    email: str,
    version: str | None = None,
    also_email: Iterable[User] = (),
    **details: Any,
) -> None:
    """Record a change already made to ``project`` by the logged-in user.

    ``details`` go into the event's ``additional`` and into the email's context. ``journal``
    is None for what the public index does not show (invitations).
    """
    actor = request.user
    if version is not None:
        details = {"version": version, **details}
    record_project_event(request, project, tag, submitted_by=actor.username, **details)
    if journal is not None:
        record_journal(request, project, journal, version=version)
    context = {
        "project_name": project.name,
        "project_url": request.route_url("packaging.project", name=project.normalized_name),
        "actor": actor.username,
        **details,
    }
    email_owners(request, project_owners(request, project), email, context, also=also_email)


def record_collaboration_change(
    request: Request,
    project: Project,
    person: User,
    *,
    tag: str,
    journal: str | None,
    email: str,
    role_name: str,
    email_person: bool = True,
    **details: Any,
) -> None:
    """record_change for a change about one person (a collaborator or an invitee): also kept
    in that person's own security history (``account:`` + the tag after ``project:``), and
    emailed to them unless ``email_person`` is False."""
    record_change(
        request,
        project,
        tag=tag,
        journal=journal,
        email=email,
        also_email=[person] if email_person else [],
        target_user=person.username,
        role_name=role_name,
        **details,
    )
    record_event(
        request,
        person,
        "account:" + tag.removeprefix("project:"),
        project_name=project.name,
        role_name=role_name,
        submitted_by=request.user.username,
        **details,
    )
