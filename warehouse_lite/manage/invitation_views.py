"""Invitations, both sides: an owner invites a user or revokes the invitation (collaboration
page); the invitee accepts or declines it (/manage/projects/). The rules live in
packaging/invitations.py; these views parse the form, call the service, record the events on
the project and on the invitee's account, and send the emails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from warehouse_lite.accounts.recent_auth import require_recent_auth
from warehouse_lite.accounts.services import UserService
from warehouse_lite.authnz import Permissions
from warehouse_lite.email import send_email, throttle
from warehouse_lite.manage.collaboration import MANAGE, TEMPLATE, back, collaboration_context
from warehouse_lite.manage.project_changes import changes_project, record_collaboration_change
from warehouse_lite.manage.project_forms import InvitationForm, InviteCollaboratorForm
from warehouse_lite.manage.projects import projects_context
from warehouse_lite.packaging.invitations import (
    InvitationError,
    InvitationExpired,
    InvitationNotFound,
    InvitationService,
)
from warehouse_lite.packaging.models import Project, RoleName

if TYPE_CHECKING:
    from pyramid.request import Request

_PROJECTS_TEMPLATE = "manage/projects.html"


def _refuse_invite(
    request: Request, project: Project, status: int, form: InviteCollaboratorForm, message: str
) -> Any:
    form.username.errors = [message]
    request.response.status = status
    return collaboration_context(request, project, invite_form=form)


@view_config(
    route_name="manage.project.collaboration.invite",
    renderer=TEMPLATE,
    request_method="POST",
    decorator=changes_project,
    **MANAGE,
)
@require_recent_auth
def invite_collaborator(project: Project, request: Request) -> Any:
    form = InviteCollaboratorForm(request.POST)
    if not form.validate():
        request.response.status = 400
        return collaboration_context(request, project, invite_form=form)
    username = form.username.data.strip()
    user = request.find_service(UserService).get_user_by_username(username)
    if user is None or not user.is_active:
        message = f"There is no active account with the username '{username}'."
        return _refuse_invite(request, project, 400, form, message)
    primary = user.primary_email
    if primary is None or not primary.verified:
        # The invitation goes by email: only to an address its owner has shown to be theirs.
        message = (
            f"{user.username} has no verified email address yet, so they cannot be invited; "
            "ask them to verify their address first."
        )
        return _refuse_invite(request, project, 400, form, message)
    limited = throttle.refusal(request, primary.email)
    if limited is not None:
        return _refuse_invite(request, project, 429, form, str(limited))
    role_name = RoleName(form.role_name.data)
    try:
        invitation = request.find_service(InvitationService).invite(
            project, user, role_name, request.user
        )
    except InvitationError as exc:  # already a collaborator, or already invited (409)
        return _refuse_invite(request, project, exc.status, form, str(exc))
    send_email(
        request,
        "project-invitation",
        user,
        context={
            "project_name": project.name,
            "project_url": request.route_url("packaging.project", name=project.normalized_name),
            "actor": request.user.username,
            "role_name": str(role_name),
            "expires": invitation.expires,
            "link": request.route_url("manage.projects", _anchor="invitations"),
        },
        requested=True,
    )
    record_collaboration_change(
        request,
        project,
        user,
        tag="project:role:invite",
        journal=None,
        email="project-invitation-sent",
        role_name=str(role_name),
        email_person=False,  # they got the invitation itself
    )
    return back(
        request,
        project,
        f"{user.username} was invited to join {project.name} as {role_name}. They become a "
        f"collaborator when they accept (before {invitation.expires:%Y-%m-%d %H:%M} UTC).",
    )


@view_config(
    route_name="manage.project.collaboration.revoke",
    renderer=TEMPLATE,
    request_method="POST",
    decorator=changes_project,
    **MANAGE,
)
@require_recent_auth
def revoke_invitation(project: Project, request: Request) -> Any:
    form = InvitationForm(request.POST)
    if not form.validate():
        request.response.status = 400
        return collaboration_context(request, project, error=form.first_error)
    limited = throttle.refusal(request)
    if limited is not None:
        request.response.status = 429
        return collaboration_context(request, project, error=str(limited))
    try:
        invitation = request.find_service(InvitationService).revoke(
            project, form.invitation_id.data
        )
    except InvitationNotFound as exc:
        request.response.status = exc.status
        return collaboration_context(request, project, error=str(exc))
    user = invitation.user
    record_collaboration_change(
        request,
        project,
        user,
        tag="project:role:invite:revoke",
        journal=None,
        email="project-invitation-revoked",
        role_name=str(invitation.role_name),
    )
    return back(request, project, f"The invitation of {user.username} was revoked.")


def _refuse_invitee(request: Request, status: int, message: str | None) -> dict[str, Any]:
    request.response.status = status
    return projects_context(request, error=message)


def _invitation_form(request: Request) -> InvitationForm | dict[str, Any]:
    """The posted form, or the refusal to answer with (bad form; too many emails)."""
    form = InvitationForm(request.POST)
    if not form.validate():
        return _refuse_invitee(request, 400, form.first_error)
    limited = throttle.refusal(request)
    if limited is not None:
        return _refuse_invitee(request, 429, str(limited))
    return form


@view_config(
    route_name="manage.projects.invitation.accept",
    renderer=_PROJECTS_TEMPLATE,
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="POST",
)
def accept_invitation(request: Request) -> Any:
    form = _invitation_form(request)
    if not isinstance(form, InvitationForm):
        return form
    user = request.user
    try:
        role = request.find_service(InvitationService).accept(form.invitation_id.data, user)
    except InvitationExpired as exc:
        # The expired invitation is gone now (committed with these events): the owners
        # learn that the invitee wanted to join and can invite them again.
        expired = exc.invitation
        record_collaboration_change(
            request,
            expired.project,
            user,
            tag="project:role:invite:expired",
            journal=None,
            email="project-invitation-expired",
            role_name=str(expired.role_name),
            email_person=False,
        )
        return _refuse_invitee(request, exc.status, str(exc))
    except InvitationError as exc:  # not found (404), voided (400), already a member (409)
        return _refuse_invitee(request, exc.status, str(exc))
    project = role.project
    # accept() took the project's lock, so the journal entry's serial is taken under it.
    record_collaboration_change(
        request,
        project,
        user,
        tag="project:role:add",
        journal=f"add {role.role_name} {user.username}",
        email="project-invitation-accepted",
        role_name=str(role.role_name),
    )
    request.session.flash(f"You are now a {role.role_name} of {project.name}.", queue="success")
    return HTTPSeeOther(request.route_path("manage.projects"))


@view_config(
    route_name="manage.projects.invitation.decline",
    renderer=_PROJECTS_TEMPLATE,
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="POST",
)
def decline_invitation(request: Request) -> Any:
    form = _invitation_form(request)
    if not isinstance(form, InvitationForm):
        return form
    user = request.user
    try:
        invitation = request.find_service(InvitationService).decline(form.invitation_id.data, user)
    except InvitationNotFound as exc:
        return _refuse_invitee(request, exc.status, str(exc))
    project = invitation.project
    record_collaboration_change(
        request,
        project,
        user,
        tag="project:role:invite:decline",
        journal=None,
        email="project-invitation-declined",
        role_name=str(invitation.role_name),
        email_person=False,
    )
    request.session.flash(f"You declined the invitation to {project.name}.", queue="success")
    return HTTPSeeOther(request.route_path("manage.projects"))
