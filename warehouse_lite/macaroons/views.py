"""/manage/account/token/: create, list and remove API tokens; the account-page panel; the
project page's list of project-scoped tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from warehouse_lite.accounts.password_check import (
    TOO_MANY_PASSWORDS,
    PasswordCheck,
    check_current_password,
)
from warehouse_lite.authnz import Permissions
from warehouse_lite.macaroons import notify
from warehouse_lite.macaroons.forms import CreateMacaroonForm, DeleteMacaroonForm
from warehouse_lite.macaroons.issuing import issue_upload_token
from warehouse_lite.macaroons.services import DuplicateDescription, MacaroonService
from warehouse_lite.packaging.models import Project, Role

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.macaroons.models import Macaroon


def uploadable_projects(request: Request, user: User) -> list[Project]:
    """Projects ``user`` may upload to (Owner or Maintainer): the possible token scopes."""
    return list(
        request.db.scalars(
            select(Project)
            .join(Role, Role.project_id == Project.id)
            .where(Role.user_id == user.id)
            .order_by(Project.normalized_name)
        )
    )


def tokens_for_project(request: Request, project: Project) -> list[Macaroon]:
    """Project-scoped tokens of ``project`` (any collaborator's), for its owners' manage page."""
    return request.find_service(MacaroonService).macaroons_for_project(project)


def account_panel(request: Request) -> dict[str, Any]:
    """The API tokens section of /manage/account/."""
    return {"macaroons": request.find_service(MacaroonService).macaroons_for_user(request.user)}


def primary_email_verified(user: User) -> bool:
    """Tokens are only for accounts whose primary address is verified: an upload or a leaked
    token must be able to reach a person who actually reads that address."""
    email = user.primary_email
    return email is not None and email.verified


def _page(request: Request, **extra: Any) -> dict[str, Any]:
    user = request.user
    macaroons = request.find_service(MacaroonService)
    projects = uploadable_projects(request, user)
    context: dict[str, Any] = {
        "user": user,
        "email_verified": primary_email_verified(user),
        "macaroons": macaroons.macaroons_for_user(user),
        "projects": projects,
        "create_form": None,
        "delete_form": None,
        "delete_id": None,
    }
    context.update(extra)
    if context["create_form"] is None:
        context["create_form"] = _create_form(request, None, projects)
    if context["delete_form"] is None:
        context["delete_form"] = DeleteMacaroonForm()
    return context


def _create_form(request: Request, formdata: Any, projects: list[Project]) -> CreateMacaroonForm:
    service = request.find_service(MacaroonService)
    user = request.user
    return CreateMacaroonForm(
        formdata, projects=projects, taken=lambda d: service.description_taken(user, d)
    )


@view_config(
    route_name="manage.account.token",
    renderer="macaroons/manage.html",
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="GET",
)
def manage_tokens(request: Request) -> dict[str, Any]:
    return _page(request)


@view_config(
    route_name="manage.account.token",
    renderer="macaroons/manage.html",
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="POST",
)
def create_token(request: Request) -> Any:
    user = request.user
    form = _create_form(request, request.POST, uploadable_projects(request, user))
    if not primary_email_verified(user):
        # The page shows why and links to the email settings (template: email_verified).
        request.response.status = 403
        return _page(request, create_form=form)
    if not form.validate():
        request.response.status = 400
        return _page(request, create_form=form)
    try:
        raw, macaroon = issue_upload_token(request, user, form)
    except DuplicateDescription:
        # Another request created a token with this name since the form was validated.
        form.description.errors = ["You already have a token with this name. Pick another one."]
        request.response.status = 400
        return _page(request, create_form=form)
    # The token is in this response only: never cached, never stored in plain text.
    request.response.headers["Cache-Control"] = "no-store"
    return _page(
        request,
        new_token=raw,
        new_macaroon=macaroon,
        upload_url=request.route_url("forklift.legacy"),
    )


@view_config(
    route_name="manage.account.token.delete",
    renderer="macaroons/manage.html",
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="POST",
)
def delete_token(request: Request) -> Any:
    user = request.user
    form = DeleteMacaroonForm(request.POST)
    service = request.find_service(MacaroonService)
    macaroon = service.get_macaroon(form.macaroon_id.data or "")
    if macaroon is None or macaroon.user_id != user.id:
        request.response.status = 404
        request.session.flash("That API token does not exist (any more).", queue="error")
        return _page(request)
    ok = form.validate()
    if ok:
        checked = check_current_password(request, user, form.password.data)
        if checked is PasswordCheck.RATE_LIMITED:
            request.response.status = 429
            form.password.errors = [TOO_MANY_PASSWORDS]
            return _page(request, delete_form=form, delete_id=str(macaroon.id))
        if checked is PasswordCheck.WRONG:
            form.password.errors = ["The password is invalid. Try again."]
            ok = False
    if not ok:
        request.response.status = 400
        return _page(request, delete_form=form, delete_id=str(macaroon.id))
    notify.token_removed(request, macaroon)
    service.delete_macaroon(macaroon)
    request.session.flash(f"API token '{macaroon.description}' removed.", queue="success")
    return HTTPSeeOther(request.route_path("manage.account.token"))
