"""/manage/projects/ (every project the user has a role on, and the invitations they received)
and a project's settings page, where an owner may delete the whole project."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.view import view_config, view_defaults
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from warehouse_lite.accounts.recent_auth import require_recent_auth
from warehouse_lite.authnz import Permissions
from warehouse_lite.db import utcnow
from warehouse_lite.macaroons.views import tokens_for_project
from warehouse_lite.manage.forms import DeleteProjectForm
from warehouse_lite.manage.views.base import CHANGE, MANAGE, ProjectViews
from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.invitations import InvitationService
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


@view_defaults(renderer="manage/project_settings.html", **MANAGE)
class ProjectSettingsViews(ProjectViews):
    """The settings page: the project's tokens, and the form that deletes the project."""

    def page(self, **forms: Any) -> dict[str, Any]:
        project = self.project
        return {
            "project": project,
            "section": "settings",
            "delete_form": forms.get("delete_form") or DeleteProjectForm(),
            "file_count": sum(len(release.files) for release in project.releases),
            "project_tokens": tokens_for_project(self.request, project),
        }

    @view_config(route_name="manage.project.settings", request_method=("GET", "HEAD"))
    def settings_page(self) -> dict[str, Any]:
        return self.page()

    @view_config(route_name="manage.project.delete", **CHANGE)
    @require_recent_auth
    def delete_project(self) -> Any:
        name = self.project.name
        form = self.form(DeleteProjectForm)
        if not self.confirmed(form, "confirm_project_name", name, "the project's name"):
            return self.refuse(400, delete_form=form)
        self.projects.delete(self.project, self.actor)
        return self.to_projects(
            f"The project '{name}' and all of its files were deleted. Its filenames stay reserved."
        )
