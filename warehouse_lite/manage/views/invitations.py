"""The invitee's answer on /manage/projects/: accept or decline an invitation. (The owner's
side, inviting and revoking, is on the collaboration page: views/collaboration.py.) The rules
are InvitationService's, the records and emails ProjectService's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config, view_defaults

from warehouse_lite.authnz import Permissions
from warehouse_lite.email import throttle
from warehouse_lite.events.actor import Actor
from warehouse_lite.manage.forms import InvitationForm
from warehouse_lite.manage.views.projects import projects_context
from warehouse_lite.packaging.invitations import InvitationError
from warehouse_lite.packaging.presenters import with_article
from warehouse_lite.packaging.services import ProjectService

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyramid.request import Request


T = TypeVar("T")


class Refused(Exception):
    """The answer cannot be taken: ``message`` says why, ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@view_defaults(
    renderer="manage/projects.html",
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="POST",
)
class InvitationViews:
    """Accept or decline: back to the projects page, or that page again with the refusal."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.projects: ProjectService = request.find_service(ProjectService)

    def _answer(self, answer: Callable[[object, Actor], T]) -> T:
        """``answer`` (a ProjectService method) for the invitation the form names; Refused
        for a bad form, a used-up email budget (the answer's emails to the owners would
        spend it) or InvitationService's refusal: not found (404), voided (400), already a
        member (409), expired (400: its owners were told, in this transaction, that the
        invitee wanted to join)."""
        form = InvitationForm(self.request.POST)
        if not form.validate():
            raise Refused(400, form.first_error)
        limited = throttle.refusal(self.request)
        if limited is not None:
            raise Refused(429, str(limited))
        try:
            return answer(form.invitation_id.data, Actor.from_request(self.request))
        except InvitationError as exc:
            raise Refused(exc.status, str(exc)) from None

    def _refuse(self, refusal: Refused) -> dict[str, Any]:
        self.request.response.status = refusal.status
        return projects_context(self.request, error=refusal.message)

    def _done(self, message: str) -> HTTPSeeOther:
        self.request.session.flash(message, queue="success")
        return HTTPSeeOther(self.request.route_path("manage.projects"))

    @view_config(route_name="manage.projects.invitation.accept")
    def accept(self) -> Any:
        try:
            role = self._answer(self.projects.accept_invitation)
        except Refused as refusal:
            return self._refuse(refusal)
        return self._done(f"You are now {with_article(role.role_name)} of {role.project.name}.")

    @view_config(route_name="manage.projects.invitation.decline")
    def decline(self) -> Any:
        try:
            invitation = self._answer(self.projects.decline_invitation)
        except Refused as refusal:
            return self._refuse(refusal)
        return self._done(f"You declined the invitation to {invitation.project.name}.")
