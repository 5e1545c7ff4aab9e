"""A project's collaborators: the owners' page, inviting and revoking invitations, changing a
role, removing someone, leaving.

People join a project only by accepting an owner's invitation (views/invitations.py).
Changing a role and removing someone take a confirmation step in which the owner types the
collaborator's username; leaving, one in which the collaborator types the project's name
(views/confirm.py). A project always keeps at least one owner. The changes themselves are
ProjectService's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config, view_defaults
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from warehouse_lite.accounts.recent_auth import require_recent_auth
from warehouse_lite.accounts.services import UserService
from warehouse_lite.authnz import Permissions
from warehouse_lite.db import utcnow
from warehouse_lite.email import throttle
from warehouse_lite.manage.forms import (
    ChangeRoleForm,
    InvitationForm,
    InviteCollaboratorForm,
    LeaveProjectForm,
    RemoveCollaboratorForm,
)
from warehouse_lite.manage.views.base import CHANGE, MANAGE, ProjectViews, changes_project
from warehouse_lite.manage.views.confirm import confirm_page, unconfirmed
from warehouse_lite.packaging.invitations import InvitationError, InvitationService
from warehouse_lite.packaging.models import Project, Role, RoleName
from warehouse_lite.packaging.presenters import with_article

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyramid.request import Request
    from pyramid.response import Response

    from warehouse_lite.accounts.models import User


TEMPLATE = "manage/project_collaboration.html"


@view_defaults(renderer=TEMPLATE, **MANAGE)
class CollaborationViews(ProjectViews):
    """The collaboration page and its changes. The owners' changes are sudo-mode views,
    registered below as functions (the view registry records a class view as its class, where
    ``is_guarded`` would not see the guard)."""

    route = "manage.project.collaboration"

    def page(self, **values: Any) -> dict[str, Any]:
        """Roles (owners first, then by name), invitations (expired ones marked), the invite
        form (``invite_form``, with its errors) and an ``error`` message."""
        project = self.project
        roles = sorted(
            self.request.db.scalars(
                select(Role).where(Role.project_id == project.id).options(selectinload(Role.user))
            ),
            key=lambda r: (r.role_name != RoleName.OWNER, r.user.username.lower()),
        )
        now = utcnow()
        invitations = self.request.find_service(InvitationService).for_project(project)
        return {
            "project": project,
            "section": "collaboration",
            "roles": roles,
            "owner_count": sum(1 for r in roles if r.role_name == RoleName.OWNER),
            "invitations": [{"invitation": i, "expired": i.expired(now)} for i in invitations],
            "invite_form": values.get("invite_form") or InviteCollaboratorForm(),
            "error": values.get("error"),
        }

    @view_config(route_name="manage.project.collaboration", request_method=("GET", "HEAD"))
    def collaboration_page(self) -> dict[str, Any]:
        return self.page()

    # ---- helpers -------------------------------------------------------------------------

    def _collaborator(self, username: str) -> Role | None:
        wanted = username.strip().lower()
        return next((r for r in self.project.roles if r.user.username.lower() == wanted), None)

    def _is_last_owner(self, role: Role) -> bool:
        if role.role_name != RoleName.OWNER:
            return False
        # Count afresh, under the project's row lock (changes_project took it): two owners
        # demoting each other at the same time must not leave the project without any owner.
        owners = self.request.db.scalar(
            select(func.count())
            .select_from(Role)
            .where(Role.project_id == self.project.id, Role.role_name == RoleName.OWNER)
        )
        return (owners or 0) <= 1

    def _target(self, form: ChangeRoleForm | RemoveCollaboratorForm) -> Role | dict[str, Any]:
        """The collaborator the form names, or the refusal (bad form, no such collaborator)."""
        if not form.validate():
            return self.refuse(400, error=form.first_error or "Check the form.")
        role = self._collaborator(form.username.data)
        if role is None:
            message = f"'{form.username.data}' is not a collaborator of {self.project.name}."
            return self.refuse(404, error=message)
        return role

    def _unconfirmed(
        self, form: ChangeRoleForm | RemoveCollaboratorForm, user: User, **page: Any
    ) -> Response | None:
        """The confirmation step of a change about ``user``: the owner types their name."""
        typed = form.confirm_username.data
        return unconfirmed(
            self.request, self.project, typed, user.username, field="confirm_username", **page
        )

    def _refuse_invite(self, status: int, form: InviteCollaboratorForm, message: str) -> Any:
        form.username.errors = [message]
        return self.refuse(status, invite_form=form)

    # ---- an owner's changes (sudo mode: see the functions below) -------------------------

    def change_role(self) -> Any:
        form = self.form(ChangeRoleForm)
        role = self._target(form)
        if not isinstance(role, Role):
            return role
        user, project, new_role = role.user, self.project, RoleName(form.role_name.data)
        if role.role_name == new_role:
            return self.refuse(409, error=f"{user.username} is already {with_article(new_role)}.")
        if self._is_last_owner(role):
            message = (
                f"{user.username} is the only owner of {project.name}: make someone else an "
                "owner first."
            )
            return self.refuse(400, error=message)
        asked = self._unconfirmed(
            form,
            user,
            title=f"Change the role of {user.username}",
            question=(
                f"Make {user.username} {with_article(new_role)} of {project.name} instead of "
                f"{with_article(role.role_name)}? They and the project's owners are told by email."
            ),
            route="manage.project.collaboration.change",
            hidden={"username": user.username, "role_name": str(new_role)},
            button="Change role",
        )
        if asked is not None:
            return asked
        limited = throttle.refusal(self.request)
        if limited is not None:
            return self.refuse(429, error=str(limited))
        self.projects.change_role(role, new_role, self.actor)
        if user.id == self.request.user.id:
            # The actor gave up ownership and can no longer manage the project.
            return self.to_projects(f"You are now {with_article(new_role)} of {project.name}.")
        return self.back(f"{user.username} is now {with_article(new_role)} of {project.name}.")

    def remove_collaborator(self) -> Any:
        form = self.form(RemoveCollaboratorForm)
        role = self._target(form)
        if not isinstance(role, Role):
            return role
        user, project = role.user, self.project
        if user.id == self.request.user.id:
            return self.refuse(400, error="To remove yourself, use “Leave project”.")
        asked = self._unconfirmed(
            form,
            user,
            title=f"Remove {user.username}",
            question=(
                f"Remove {user.username} ({role.role_name}) from {project.name}? They lose "
                "access at once; they and the project's owners are told by email."
            ),
            route="manage.project.collaboration.remove",
            hidden={"username": user.username},
            button="Remove",
        )
        if asked is not None:
            return asked
        if self._is_last_owner(role):
            message = (
                f"{user.username} is the only owner of {project.name} and cannot be removed: "
                "make someone else an owner first, or delete the project."
            )
            return self.refuse(400, error=message)
        limited = throttle.refusal(self.request)
        if limited is not None:
            return self.refuse(429, error=str(limited))
        self.projects.remove_role(role, self.actor)
        return self.back(f"{user.username} was removed from {project.name}.")

    def invite(self) -> Any:
        form = self.form(InviteCollaboratorForm)
        if not form.validate():
            return self.refuse(400, invite_form=form)
        username = form.username.data.strip()
        user = self.request.find_service(UserService).get_user_by_username(username)
        if user is None or not user.is_active:
            message = f"There is no active account with the username '{username}'."
            return self._refuse_invite(400, form, message)
        primary = user.primary_email
        if primary is None or not primary.verified:
            # The invitation goes by email: only to an address its owner has shown is theirs.
            message = (
                f"{user.username} has no verified email address yet, so they cannot be "
                "invited; ask them to verify their address first."
            )
            return self._refuse_invite(400, form, message)
        limited = throttle.refusal(self.request, primary.email)
        if limited is not None:
            return self._refuse_invite(429, form, str(limited))
        role_name = RoleName(form.role_name.data)
        try:
            invitation = self.projects.invite(self.project, user, role_name, self.actor)
        except InvitationError as exc:  # already a collaborator, or already invited (409)
            return self._refuse_invite(exc.status, form, str(exc))
        return self.back(
            f"{user.username} was invited to join {self.project.name} as {role_name}. They "
            "become a collaborator when they accept (before "
            f"{invitation.expires:%Y-%m-%d %H:%M} UTC)."
        )

    def revoke_invitation(self) -> Any:
        form = self.form(InvitationForm)
        if not form.validate():
            return self.refuse(400, error=form.first_error)
        limited = throttle.refusal(self.request)
        if limited is not None:
            return self.refuse(429, error=str(limited))
        try:
            invitation = self.projects.revoke_invitation(
                self.project, form.invitation_id.data, self.actor
            )
        except InvitationError as exc:  # not found (404)
            return self.refuse(exc.status, error=str(exc))
        return self.back(f"The invitation of {invitation.user.username} was revoked.")

    # ---- any collaborator ----------------------------------------------------------------

    @view_config(
        route_name="manage.project.collaboration.leave",
        # Any collaborator (owners and maintainers have PROJECTS_READ), through the website.
        permission=Permissions.PROJECTS_READ,
        request_method="POST",
        decorator=changes_project,
    )
    def leave(self) -> Response:
        project, user = self.project, self.request.user
        role = self._collaborator(user.username)
        if role is None:  # the permission came from a role that another request just removed
            raise HTTPNotFound(f"You are not a collaborator of {project.name}.")
        title = f"Leave {project.name}"
        if self._is_last_owner(role):
            refusal = (
                f"You are the only owner of {project.name} and cannot leave it: make someone "
                "else an owner first (invite them, then change their role), or delete the "
                "project."
            )
            return confirm_page(self.request, project, status=400, title=title, refusal=refusal)
        asked = unconfirmed(
            self.request,
            project,
            self.form(LeaveProjectForm).confirm_project_name.data,
            project.name,
            title=title,
            question=(
                f"Stop being {with_article(role.role_name)} of {project.name}? You lose "
                "access at once and only an owner's new invitation can bring you back. The "
                "owners are told by email."
            ),
            route="manage.project.collaboration.leave",
            field="confirm_project_name",
            button="Leave project",
        )
        if asked is not None:
            return asked
        limited = throttle.refusal(self.request)
        if limited is not None:
            return confirm_page(
                self.request, project, status=429, title=title, refusal=str(limited)
            )
        self.projects.leave(role, self.actor)
        return self.to_projects(f"You left {project.name}.")


# The owners' changes need a recent password (accounts/recent_auth.py).
_SUDO = {"renderer": TEMPLATE, **CHANGE}


def _sudo_view(change: str) -> Callable[[Project, Request], Any]:
    """CollaborationViews' method ``change`` as a function view behind require_recent_auth."""

    def view(project: Project, request: Request) -> Any:
        return getattr(CollaborationViews(project, request), change)()

    view.__name__ = view.__qualname__ = change
    return require_recent_auth(view)


change_role = view_config(route_name="manage.project.collaboration.change", **_SUDO)(
    _sudo_view("change_role")
)
remove_collaborator = view_config(route_name="manage.project.collaboration.remove", **_SUDO)(
    _sudo_view("remove_collaborator")
)
invite_collaborator = view_config(route_name="manage.project.collaboration.invite", **_SUDO)(
    _sudo_view("invite")
)
revoke_invitation = view_config(route_name="manage.project.collaboration.revoke", **_SUDO)(
    _sudo_view("revoke_invitation")
)
