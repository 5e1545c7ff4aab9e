"""A project's collaborators: add an owner or maintainer by username, change a role, remove.

Collaborators are added directly (Warehouse sends an invitation first; this index trusts its
owners and tells the new collaborator by email). A project always keeps at least one owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from warehouse_lite.accounts.services import UserService
from warehouse_lite.authnz import Permissions
from warehouse_lite.manage.project_changes import CHANGE, record_change
from warehouse_lite.manage.project_forms import (
    AddCollaboratorForm,
    ChangeRoleForm,
    RemoveCollaboratorForm,
)
from warehouse_lite.packaging.models import Project, Role, RoleName

if TYPE_CHECKING:
    from pyramid.request import Request

_MANAGE = {"context": Project, "permission": Permissions.PROJECTS_MANAGE}
_TEMPLATE = "manage/project_collaboration.html"


def _roles(request: Request, project: Project) -> list[Role]:
    roles = request.db.scalars(
        select(Role).where(Role.project_id == project.id).options(selectinload(Role.user))
    )
    # Owners first, then by name.
    return sorted(roles, key=lambda r: (r.role_name != RoleName.OWNER, r.user.username.lower()))


def collaboration_context(
    request: Request, project: Project, *, error: str | None = None, **forms: Any
) -> dict[str, Any]:
    roles = _roles(request, project)
    return {
        "project": project,
        "section": "collaboration",
        "roles": roles,
        "owner_count": sum(1 for r in roles if r.role_name == RoleName.OWNER),
        "add_form": forms.get("add_form") or AddCollaboratorForm(),
        "error": error,
    }


def _refuse(request: Request, project: Project, status: int, message: str | None) -> Any:
    request.response.status = status
    return collaboration_context(request, project, error=message)


def _refuse_add(request: Request, project: Project, status: int, form: AddCollaboratorForm) -> Any:
    # The add form shows its own field errors.
    request.response.status = status
    return collaboration_context(request, project, add_form=form)


def _back(request: Request, project: Project, message: str) -> HTTPSeeOther:
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
    # Lock the project row, then count afresh: two owners demoting each other at the same
    # time must not leave the project without any owner (on SQLite, BEGIN IMMEDIATE already
    # serialises writers and FOR UPDATE is not rendered).
    request.db.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    owners = request.db.scalar(
        select(func.count())
        .select_from(Role)
        .where(Role.project_id == project.id, Role.role_name == RoleName.OWNER)
    )
    return (owners or 0) <= 1


@view_config(
    route_name="manage.project.collaboration",
    renderer=_TEMPLATE,
    request_method=("GET", "HEAD"),
    **_MANAGE,
)
def collaboration_page(project: Project, request: Request) -> dict[str, Any]:
    return collaboration_context(request, project)


@view_config(
    route_name="manage.project.collaboration.add",
    renderer=_TEMPLATE,
    **CHANGE,
)
def add_collaborator(project: Project, request: Request) -> Any:
    form = AddCollaboratorForm(request.POST)
    if not form.validate():
        return _refuse_add(request, project, 400, form)
    username = form.username.data.strip()
    user = request.find_service(UserService).get_user_by_username(username)
    if user is None or not user.is_active:
        form.username.errors = [f"There is no active account with the username '{username}'."]
        return _refuse_add(request, project, 400, form)
    existing = _role_of(project, user.username)
    if existing is not None:
        message = (
            f"{user.username} is already a {existing.role_name} of {project.name}; "
            "change their role below instead."
        )
        form.username.errors = [message]
        return _refuse_add(request, project, 409, form)
    role_name = RoleName(form.role_name.data)
    project.roles.append(Role(user=user, role_name=role_name))
    request.db.flush()
    record_change(
        request,
        project,
        tag="project:role:add",
        journal=f"add {role_name} {user.username}",
        email="collaborator-added",
        also_email=[user],
        target_user=user.username,
        role_name=str(role_name),
    )
    return _back(request, project, f"{user.username} was added as {role_name} of {project.name}.")


@view_config(
    route_name="manage.project.collaboration.change",
    renderer=_TEMPLATE,
    **CHANGE,
)
def change_role(project: Project, request: Request) -> Any:
    form = ChangeRoleForm(request.POST)
    if not form.validate():
        return _refuse(request, project, 400, form.first_error or "Check the form.")
    role = _role_of(project, form.username.data)
    if role is None:
        message = f"'{form.username.data}' is not a collaborator of {project.name}."
        return _refuse(request, project, 404, message)
    new_role = RoleName(form.role_name.data)
    if role.role_name == new_role:
        return _refuse(request, project, 409, f"{role.user.username} is already a {new_role}.")
    if _is_last_owner(request, project, role):
        message = (
            f"{role.user.username} is the only owner of {project.name}: make someone else an "
            "owner first."
        )
        return _refuse(request, project, 400, message)
    old_role = role.role_name
    role.role_name = new_role
    request.db.flush()
    record_change(
        request,
        project,
        tag="project:role:change",
        journal=f"change {old_role} {role.user.username} to {new_role}",
        email="role-changed",
        also_email=[role.user],
        target_user=role.user.username,
        role_name=str(new_role),
        old_role_name=str(old_role),
    )
    if role.user.id == request.user.id:
        # The actor gave up ownership and can no longer manage the project.
        request.session.flash(f"You are now a {new_role} of {project.name}.", queue="success")
        return HTTPSeeOther(request.route_path("manage.projects"))
    return _back(request, project, f"{role.user.username} is now a {new_role} of {project.name}.")


@view_config(
    route_name="manage.project.collaboration.remove",
    renderer=_TEMPLATE,
    **CHANGE,
)
def remove_collaborator(project: Project, request: Request) -> Any:
    form = RemoveCollaboratorForm(request.POST)
    if not form.validate():
        return _refuse(request, project, 400, form.first_error or "Check the form.")
    role = _role_of(project, form.username.data)
    if role is None:
        message = f"'{form.username.data}' is not a collaborator of {project.name}."
        return _refuse(request, project, 404, message)
    if _is_last_owner(request, project, role):
        message = (
            f"{role.user.username} is the only owner of {project.name} and cannot be removed "
            "(or leave): make someone else an owner first, or delete the project."
        )
        return _refuse(request, project, 400, message)
    user, role_name = role.user, role.role_name
    project.roles.remove(role)
    request.db.flush()
    record_change(
        request,
        project,
        tag="project:role:remove",
        journal=f"remove {role_name} {user.username}",
        email="collaborator-removed",
        also_email=[user],
        target_user=user.username,
        role_name=str(role_name),
    )
    if user.id == request.user.id:
        request.session.flash(f"You left {project.name}.", queue="success")
        return HTTPSeeOther(request.route_path("manage.projects"))
    return _back(request, project, f"{user.username} was removed from {project.name}.")
