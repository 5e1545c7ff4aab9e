"""/manage/projects/ (every project the user has a role on, and the invitations they received)
and a project's settings page, where an owner may delete the whole project."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from warehouse_lite.authnz import Permissions
from warehouse_lite.db import utcnow
from warehouse_lite.events import record_event
from warehouse_lite.macaroons.views import tokens_for_project
from warehouse_lite.manage.project_changes import CHANGE, email_owners, project_owners
from warehouse_lite.manage.project_forms import DeleteProjectForm
from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.deletion import delete_project
from warehouse_lite.packaging.invitations import InvitationService
from warehouse_lite.packaging.journal import record_journal
from warehouse_lite.packaging.models import Project, Role, RoleName

if TYPE_CHECKING:
    from pyramid.request import Request


def projects_context(request: Request, *, error: str | None = None) -> dict[str, Any]:
    """Every project the user has a role on, and the invitations they received."""
    roles = request.db.scalars(
        select(Role)
        .where(Role.user_id == request.user.id)
        .options(selectinload(Role.project).selectinload(Project.releases))
    )
    rows = [
        {
            "project": role.project,
            "role_name": role.role_name,
            "is_owner": role.role_name == RoleName.OWNER,
            "latest": presenters.latest_release(role.project.releases),
            "release_count": len(role.project.releases),
        }
        for role in roles
    ]
    rows.sort(key=lambda row: row["project"].normalized_name)
    now = utcnow()
    invitations = request.find_service(InvitationService).for_user(request.user)
    return {
        "rows": rows,
        "invitations": [{"invitation": i, "expired": i.expired(now)} for i in invitations],
        "error": error,
    }


@view_config(
    route_name="manage.projects",
    renderer="manage/projects.html",
    permission=Permissions.ACCOUNT_MANAGE,
    request_method=("GET", "HEAD"),
)
def manage_projects(request: Request) -> dict[str, Any]:
    return projects_context(request)


def settings_context(
    request: Request, project: Project, form: DeleteProjectForm | None = None
) -> dict[str, Any]:
    return {
        "project": project,
        "section": "settings",
        "delete_form": form or DeleteProjectForm(),
        "file_count": sum(len(release.files) for release in project.releases),
        "project_tokens": tokens_for_project(request, project),
    }


@view_config(
    route_name="manage.project.settings",
    context=Project,
    renderer="manage/project_settings.html",
    permission=Permissions.PROJECTS_MANAGE,
    request_method=("GET", "HEAD"),
)
def project_settings(project: Project, request: Request) -> dict[str, Any]:
    return settings_context(request, project)


@view_config(
    route_name="manage.project.delete",
    renderer="manage/project_settings.html",
    **CHANGE,
)
def delete_project_view(project: Project, request: Request) -> Any:
    form = DeleteProjectForm(request.POST)
    if form.validate() and form.confirm_project_name.data.strip() != project.name:
        form.confirm_project_name.errors = [
            f"That is not the project's name: type '{project.name}' exactly to delete it."
        ]
    if form.confirm_project_name.errors:
        request.response.status = 400
        return settings_context(request, project, form)

    name = project.name
    owners = project_owners(request, project)
    # The journal outlives the project (it is keyed by name): mirrors see the removal.
    record_journal(request, project, "remove project")
    # Project events go with the project, so the deletion is kept in the actor's own history.
    record_event(request, request.user, "project:destroy", project_name=name)
    email_owners(
        request, owners, "project-deleted", {"project_name": name, "actor": request.user.username}
    )
    delete_project(request, project)
    request.session.flash(
        f"The project '{name}' and all of its files were deleted. Its filenames stay reserved.",
        queue="success",
    )
    return HTTPSeeOther(request.route_path("manage.projects"))
