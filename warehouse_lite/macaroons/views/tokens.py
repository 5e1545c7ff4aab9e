"""/manage/account/token/: create, list and remove the logged-in user's API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config, view_defaults

from warehouse_lite.accounts.password_check import (
    TOO_MANY_PASSWORDS,
    PasswordCheck,
    check_current_password,
)
from warehouse_lite.accounts.recent_auth import GUARD_MARK, require_recent_auth
from warehouse_lite.authnz import Permissions
from warehouse_lite.events.actor import Actor
from warehouse_lite.macaroons.forms import CreateMacaroonForm, DeleteMacaroonForm
from warehouse_lite.macaroons.services import (
    DuplicateDescription,
    MacaroonService,
    RemovedByOwner,
)

if TYPE_CHECKING:
    from pyramid.request import Request


@view_defaults(
    route_name="manage.account.token",
    renderer="macaroons/manage.html",
    permission=Permissions.ACCOUNT_MANAGE,
    # Every view here shows or changes tokens: all need a recent password (sudo mode).
    decorator=require_recent_auth,
)
class TokenViews:
    """The token page (GET), its create form (POST) and the remove form of each token."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.user = request.user
        self.macaroons = request.find_service(MacaroonService)
        self.projects = self.macaroons.token_scopes(self.user)

    def _create_form(self, formdata: Any = None) -> CreateMacaroonForm:
        return CreateMacaroonForm(
            formdata,
            projects=self.projects,
            taken=lambda d: self.macaroons.description_taken(self.user, d),
        )

    def _page(self, **extra: Any) -> dict[str, Any]:
        """The page's context: the empty forms unless ``extra`` brings filled-in ones."""
        context: dict[str, Any] = {
            "user": self.user,
            "email_verified": self.macaroons.can_hold_tokens(self.user),
            "macaroons": self.macaroons.macaroons_for_user(self.user),
            "projects": self.projects,
            "create_form": self._create_form(),
            "delete_form": DeleteMacaroonForm(),
            "delete_id": None,
        }
        context.update(extra)
        return context

    def _refuse(self, status: int, **extra: Any) -> dict[str, Any]:
        """The page again, with the form that failed, under ``status``."""
        self.request.response.status = status
        return self._page(**extra)

    @view_config(request_method="GET")
    def show(self) -> dict[str, Any]:
        return self._page()

    @view_config(request_method="POST")
    def create(self) -> dict[str, Any]:
        form = self._create_form(self.request.POST)
        if not self.macaroons.can_hold_tokens(self.user):
            # The page shows why and links to the email settings (template: email_verified).
            return self._refuse(403, create_form=form)
        if not form.validate():
            return self._refuse(400, create_form=form)
        try:
            raw, macaroon = self.macaroons.issue_upload_token(
                self.user,
                form.description.data,
                Actor.from_request(self.request),
                projects=form.selected_projects,
                expires=form.expires_at,
            )
        except DuplicateDescription:
            # Another request created a token with this name since the form was validated.
            form.description.errors = ["You already have a token with this name. Pick another one."]
            return self._refuse(400, create_form=form)
        # The token is in this response only: never cached, never stored in plain text.
        self.request.response.headers["Cache-Control"] = "no-store"
        return self._page(
            new_token=raw,
            new_macaroon=macaroon,
            upload_url=self.request.route_url("forklift.legacy"),
        )

    @view_config(route_name="manage.account.token.delete", request_method="POST")
    def delete(self) -> Any:
        request = self.request
        form = DeleteMacaroonForm(request.POST)
        macaroon = self.macaroons.get_macaroon(form.macaroon_id.data or "")
        if macaroon is None or macaroon.user_id != self.user.id:
            request.session.flash("That API token does not exist (any more).", queue="error")
            return self._refuse(404)
        refused = {"delete_form": form, "delete_id": str(macaroon.id)}
        if not form.validate():
            return self._refuse(400, **refused)
        checked = check_current_password(request, self.user, form.password.data)
        if checked is PasswordCheck.RATE_LIMITED:
            form.password.errors = [TOO_MANY_PASSWORDS]
            return self._refuse(429, **refused)
        if checked is PasswordCheck.WRONG:
            form.password.errors = ["The password is invalid. Try again."]
            return self._refuse(400, **refused)
        if not self.macaroons.revoke(macaroon, RemovedByOwner(), Actor.from_request(request)):
            request.session.flash("That API token does not exist (any more).", queue="error")
            return self._refuse(404)
        request.session.flash(f"API token '{macaroon.description}' removed.", queue="success")
        return HTTPSeeOther(request.route_path("manage.account.token"))


# Pyramid registers the class itself as each view's callable; the mark lets
# accounts.recent_auth.is_guarded see what the view_defaults decorator does to all of them.
setattr(TokenViews, GUARD_MARK, True)
