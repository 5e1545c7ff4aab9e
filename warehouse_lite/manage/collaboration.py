"""A project's collaborators: the owners' page, changing a role, removing someone, leaving.

People join a project only by accepting an owner's invitation (manage/invitation_views.py).
Changing a role and removing someone take a confirmation step in which the owner types the
collaborator's username; leaving, one in which the collaborator types the project's name. A
project always keeps at least one owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from warehouse_lite.accounts.recent_auth import require_recent_auth
from warehouse_lite.authnz import Permissions
from warehouse_lite.db import utcnow
from warehouse_lite.email import throttle
from warehouse_lite.manage.project_changes import changes_project, record_collaboration_change
from warehouse_lite.manage.project_forms import (
    ChangeRoleForm,
    InviteCollaboratorForm,
    LeaveProjectForm,
    RemoveCollaboratorForm,
)
from warehouse_lite.packaging.invitations import InvitationService
from warehouse_lite.packaging.models import Project, Role, RoleName

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

MANAGE = {"context": Project, "permission": Permissions.PROJECTS_MANAGE}
TEMPLATE = "manage/project_collaboration.html"
_CONFIRM_TEMPLATE = "manage/collaboration_confirm.html"


def _roles(request: Request, project: Project) -> list[Role]:
    roles = request.db.scalars(
        select(Role).where(Role.project_id == project.id).options(selectinload(Role.user))
    )
    # Owners first, then by name.
    return sorted(roles, key=lambda r: (r.role_name != RoleName.OWNER, r.user.username.lower()))


def collaboration_context(
    request: Request,
    project: Project,
    *,
    error: str | None = None,
    invite_form: InviteCollaboratorForm | None = None,
) -> dict[str, Any]:
    """What the collaboration page shows: roles, invitations (expired ones marked), the form."""
    roles = _roles(request, project)
    now = utcnow()
    invitations = request.find_service(InvitationService).for_project(project)
    return {
        "project": project,
        "section": "collaboration",
        "roles": roles,
        "owner_count": sum(1 for r in roles if r.role_name == RoleName.OWNER),
        "invitations": [{"invitation": i, "expired": i.expired(now)} for i in invitations],
        "invite_form": invite_form or InviteCollaboratorForm(),
        "error": error,
    }


def refuse(request: Request, project: Project, status: int, message: str | None) -> Any:
    """The collaboration page again, with ``message`` and the HTTP ``status``."""
    request.response.status = status
    return collaboration_context(request, project, error=message)


def back(request: Request, project: Project, message: str) -> HTTPSeeOther:
    """To the collaboration page, with a success message."""
    request.session.flash(message, queue="success")
    return HTTPSeeOther(
        request.route_path("manage.project.collaboration", project_name=project.normalized_name)
    )


def _role_of(project: Project, username: str) -> Role | None:
    wanted = username.strip().lower()
    return next((r for r in project.roles if r.user.username.lower() == wanted), None)


def _is_last_owner(request: Request, project: Project, role: Role) -> bool:
    if role.role_name != RoleName.OWNER:
        return False
    # Count afresh, under the project's row lock (changes_project took it): two owners
    # demoting each other at the same time must not leave the project without any owner.
    owners = request.db.scalar(
        select(func.count())
        .select_from(Role)
        .where(Role.project_id == project.id, Role.role_name == RoleName.OWNER)
    )
    return (owners or 0) <= 1


def _confirm_page(
    request: Request, project: Project, *, status: int = 200, **page: Any
) -> Response:
    """The confirmation step: what will happen, and a form that repeats the request with the
    typed confirmation (``page``: title, question, route, hidden, field, label, expected,
    button; error; or only ``refusal``, a message why it cannot be done). Cancelling leads to
    the collaboration page from there, else to the user's projects."""
    from_collaboration = page.get("route") in (
        "manage.project.collaboration.change",
        "manage.project.collaboration.remove",
    )
    cancel = (
        request.route_path("manage.project.collaboration", project_name=project.normalized_name)
        if from_collaboration
        else request.route_path("manage.projects")
    )
    values = {
        "project": project,
        "error": None,
        "refusal": None,
        "hidden": {},
        "cancel": cancel,
        **page,
    }
    response = render_to_response(_CONFIRM_TEMPLATE, values, request=request)
    response.status = status
    return response


def _drop_role(request: Request, project: Project, role: Role, *, tag: str, email: str) -> None:
    """Delete ``role`` (someone removed, or leaving), then record and tell as ``tag``/``email``."""
    user, role_name = role.user, role.role_name
    project.roles.remove(role)
    # Their pending invitations go with their ownership (an owner on the way out must not
    # leave an invitation that brings them or an accomplice back).
    request.find_service(InvitationService).void_sent_by(project, user)
    request.db.flush()
    record_collaboration_change(
        request,
        project,
        user,
        tag=tag,
        journal=f"remove {role_name} {user.username}",
        email=email,
        role_name=str(role_name),
    )


_LABELS = {
    "confirm_username": "Type the username to confirm",
    "confirm_project_name": "Type the project name to confirm",
}


def _unconfirmed(
    request: Request, project: Project, typed: str | None, expected: str, **page: Any
) -> Response | None:
    """None once ``typed`` is ``expected`` exactly; else the confirmation page (400 with an
    error when something else was typed). ``page`` as for _confirm_page, without label."""
    typed = (typed or "").strip()
    if typed == expected:
        return None
    return _confirm_page(
        request,
        project,
        status=400 if typed else 200,
        error=f"Type '{expected}' exactly to confirm." if typed else None,
        expected=expected,
        label=_LABELS[page["field"]],
        **page,
    )


@view_config(
    route_name="manage.project.collaboration",
    renderer=TEMPLATE,
    request_method=("GET", "HEAD"),
    **MANAGE,
)
def collaboration_page(project: Project, request: Request) -> dict[str, Any]:
    return collaboration_context(request, project)


@view_config(
    route_name="manage.project.collaboration.change",
    renderer=TEMPLATE,
    request_method="POST",
    decorator=changes_project,
    **MANAGE,
)
@require_recent_auth
def change_role(project: Project, request: Request) -> Any:
    form = ChangeRoleForm(request.POST)
    if not form.validate():
        return refuse(request, project, 400, form.first_error or "Check the form.")
    role = _role_of(project, form.username.data)
    if role is None:
        message = f"'{form.username.data}' is not a collaborator of {project.name}."
        return refuse(request, project, 404, message)
    new_role = RoleName(form.role_name.data)
    if role.role_name == new_role:
        return refuse(request, project, 409, f"{role.user.username} is already a {new_role}.")
    if _is_last_owner(request, project, role):
        message = (
            f"{role.user.username} is the only owner of {project.name}: make someone else an "
            "owner first."
        )
        return refuse(request, project, 400, message)
    user = role.user
    unconfirmed = _unconfirmed(
        request,
        project,
        form.confirm_username.data,
        user.username,
        title=f"Change the role of {user.username}",
        question=(
            f"Make {user.username} a {new_role} of {project.name} instead of a "
            f"{role.role_name}? They and the project's owners are told by email."
        ),
        route="manage.project.collaboration.change",
        hidden={"username": user.username, "role_name": str(new_role)},
        field="confirm_username",
        button="Change role",
    )
    if unconfirmed is not None:
        return unconfirmed
    limited = throttle.refusal(request)
    if limited is not None:
        return refuse(request, project, 429, str(limited))
    old_role = role.role_name
    role.role_name = new_role
    if new_role != RoleName.OWNER:
        request.find_service(InvitationService).void_sent_by(project, user)
    request.db.flush()
    record_collaboration_change(
        request,
        project,
        user,
        tag="project:role:change",
        journal=f"change {old_role} {user.username} to {new_role}",
        email="role-changed",
        role_name=str(new_role),
        old_role_name=str(old_role),
    )
    if user.id == request.user.id:
        # The actor gave up ownership and can no longer manage the project.
        request.session.flash(f"You are now a {new_role} of {project.name}.", queue="success")
        return HTTPSeeOther(request.route_path("manage.projects"))
    return back(request, project, f"{user.username} is now a {new_role} of {project.name}.")


@view_config(
    route_name="manage.project.collaboration.remove",
    renderer=TEMPLATE,
    request_method="POST",
    decorator=changes_project,
    **MANAGE,
)
@require_recent_auth
def remove_collaborator(project: Project, request: Request) -> Any:
    form = RemoveCollaboratorForm(request.POST)
    if not form.validate():
        return refuse(request, project, 400, form.first_error or "Check the form.")
    role = _role_of(project, form.username.data)
    if role is None:
        message = f"'{form.username.data}' is not a collaborator of {project.name}."
        return refuse(request, project, 404, message)
    user, role_name = role.user, role.role_name
    if user.id == request.user.id:
        return refuse(request, project, 400, "To remove yourself, use “Leave project”.")
    unconfirmed = _unconfirmed(
        request,
        project,
        form.confirm_username.data,
        user.username,
        title=f"Remove {user.username}",
        question=(
            f"Remove {user.username} ({role_name}) from {project.name}? They lose access at "
            "once; they and the project's owners are told by email."
        ),
        route="manage.project.collaboration.remove",
        hidden={"username": user.username},
        field="confirm_username",
        button="Remove",
    )
    if unconfirmed is not None:
        return unconfirmed
    if _is_last_owner(request, project, role):
        message = (
            f"{user.username} is the only owner of {project.name} and cannot be removed: make "
            "someone else an owner first, or delete the project."
        )
        return refuse(request, project, 400, message)
    limited = throttle.refusal(request)
    if limited is not None:
        return refuse(request, project, 429, str(limited))
    _drop_role(request, project, role, tag="project:role:remove", email="collaborator-removed")
    return back(request, project, f"{user.username} was removed from {project.name}.")


@view_config(
    route_name="manage.project.collaboration.leave",
    context=Project,
    # Any collaborator (owners and maintainers have PROJECTS_READ), through the website only.
    permission=Permissions.PROJECTS_READ,
    request_method="POST",
    decorator=changes_project,
)
def leave_project(project: Project, request: Request) -> Response:
    user = request.user
    role = _role_of(project, user.username)
    if role is None:  # the permission came from a role that another request just removed
        raise HTTPNotFound(f"You are not a collaborator of {project.name}.")
    if _is_last_owner(request, project, role):
        return _confirm_page(
            request,
            project,
            status=400,
            title=f"Leave {project.name}",
            refusal=(
                f"You are the only owner of {project.name} and cannot leave it: make someone "
                "else an owner first (invite them, then change their role), or delete the "
                "project."
            ),
        )
    unconfirmed = _unconfirmed(
        request,
        project,
        LeaveProjectForm(request.POST).confirm_project_name.data,
        project.name,
        title=f"Leave {project.name}",
        question=(
            f"Stop being a {role.role_name} of {project.name}? You lose access at once and "
            "only an owner's new invitation can bring you back. The owners are told by email."
        ),
        route="manage.project.collaboration.leave",
        field="confirm_project_name",
        button="Leave project",
    )
    if unconfirmed is not None:
        return unconfirmed
    limited = throttle.refusal(request)
    if limited is not None:
        return _confirm_page(
            request, project, status=429, title=f"Leave {project.name}", refusal=str(limited)
        )
    _drop_role(request, project, role, tag="project:role:leave", email="collaborator-left")
    request.session.flash(f"You left {project.name}.", queue="success")
    return HTTPSeeOther(request.route_path("manage.projects"))
