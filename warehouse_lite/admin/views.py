"""/admin/: find users and projects, and act on them (disable, re-enable, reset 2FA, revoke
tokens, remove a project), each with a reason.

Who gets in: the view permission is ADMIN_ACCESS, which only a browser session of a user with
the admin flag has (security_policy: API tokens and Basic passwords can never grant it), and
``require_second_factor`` then refuses every session that did not log in with a second factor
(accounts/login.py records that at login). Having 2FA enrolled is not enough: an admin may have
logged in with the password alone and enrolled it afterwards in that same session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import select

from warehouse_lite.accounts.login import session_passed_second_factor
from warehouse_lite.accounts.services import UserService
from warehouse_lite.admin import services
from warehouse_lite.admin.forms import ReasonForm, RemoveProjectForm
from warehouse_lite.authnz import Permissions
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import Role

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project

View = Callable[[Any, Any], Any]

# Actions on a user: route suffix -> (service function, past tense for the message).
USER_ACTIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "disable": (services.disable_user, "disabled"),
    "enable": (services.enable_user, "re-enabled"),
    "reset-2fa": (services.reset_two_factor, "had their two-factor authentication reset"),
    "revoke-tokens": (services.revoke_tokens, "had all their API tokens revoked"),
}


def require_second_factor(view: View) -> View:
    """View decorator (runs after the permission check): only a session that logged in with a
    second factor gets through. Otherwise the action is not run and the admin gets a page
    telling them to enroll a second factor, or, if they have one, to log in again with it."""

    def wrapper(context: Any, request: Request) -> Any:
        if session_passed_second_factor(request):
            return view(context, request)
        if request.find_service(UserService).has_two_factor(request.user):
            template = "admin/login_again_2fa.html"
        else:
            template = "admin/enroll_2fa.html"
        response = render_to_response(template, {}, request=request)
        response.status = 403
        return response

    return wrapper


def admin_view(**settings: Any) -> view_config:
    """view_config for admin pages: ADMIN_ACCESS, then the second-factor requirement."""
    return view_config(
        permission=Permissions.ADMIN_ACCESS, decorator=require_second_factor, **settings
    )


def _user_or_404(request: Request) -> User:
    try:
        return services.get_user(request.db, request.matchdict["username"])
    except services.NotFound as exc:
        raise HTTPNotFound(str(exc)) from None


def _project_or_404(request: Request) -> Project:
    try:
        return services.get_project(request.db, request.matchdict["project_name"])
    except services.NotFound as exc:
        raise HTTPNotFound(str(exc)) from None


@admin_view(route_name="admin.index", renderer="admin/index.html", request_method=("GET", "HEAD"))
def admin_index(request: Request) -> dict[str, Any]:
    query = " ".join(request.params.get("q", "").split())[:200]
    return {
        "query": query,
        "users": services.find_users(request.db, query),
        "projects": services.find_projects(request.db, query),
        "actions": services.recent_actions(request.db, limit=20),
    }


@admin_view(route_name="admin.actions", renderer="admin/actions.html", request_method="GET")
def admin_actions(request: Request) -> dict[str, Any]:
    return {"actions": services.recent_actions(request.db, limit=500)}


def user_context(request: Request, user: User, **forms: ReasonForm) -> dict[str, Any]:
    roles = request.db.scalars(select(Role).where(Role.user_id == user.id))
    return {
        "user": user,
        "two_factor": services.two_factor_methods(request, user),
        "tokens": request.find_service(MacaroonService).macaroons_for_user(user),
        "roles": sorted(roles, key=lambda r: r.project.normalized_name),
        "events": request.find_service(UserService).recent_events(user, limit=100),
        "actions": services.recent_actions(request.db, kind="user", name=user.username),
        "forms": {name: forms.get(name) or ReasonForm() for name in USER_ACTIONS},
        "is_self": user.id == request.user.id,
    }


@admin_view(route_name="admin.user", renderer="admin/user.html", request_method="GET")
def admin_user(request: Request) -> dict[str, Any]:
    return user_context(request, _user_or_404(request))


def _user_action(request: Request, action: str) -> Any:
    user = _user_or_404(request)
    function, done = USER_ACTIONS[action]
    form = ReasonForm(request.POST)
    if form.validate():
        try:
            function(request, services.Actor.for_user(request.user), user, form.reason.data)
        except services.AdminError as exc:
            form.reason.errors = [str(exc)]
        else:
            request.session.flash(f"{user.username} {done}.", queue="success")
            return HTTPSeeOther(request.route_path("admin.user", username=user.username))
    request.response.status = 400
    return user_context(request, user, **{action: form})


@admin_view(route_name="admin.user.disable", renderer="admin/user.html", request_method="POST")
def admin_user_disable(request: Request) -> Any:
    return _user_action(request, "disable")


@admin_view(route_name="admin.user.enable", renderer="admin/user.html", request_method="POST")
def admin_user_enable(request: Request) -> Any:
    return _user_action(request, "enable")


@admin_view(route_name="admin.user.reset-2fa", renderer="admin/user.html", request_method="POST")
def admin_user_reset_2fa(request: Request) -> Any:
    return _user_action(request, "reset-2fa")


@admin_view(
    route_name="admin.user.revoke-tokens", renderer="admin/user.html", request_method="POST"
)
def admin_user_revoke_tokens(request: Request) -> Any:
    return _user_action(request, "revoke-tokens")


def project_context(
    request: Request, project: Project, form: RemoveProjectForm | None = None
) -> dict[str, Any]:
    return {
        "project": project,
        "roles": sorted(project.roles, key=lambda r: (r.role_name, r.user.username)),
        "releases": len(project.releases),
        "files": sum(len(release.files) for release in project.releases),
        "tokens": request.find_service(MacaroonService).macaroons_for_project(project),
        "events": project.events[:100],
        "actions": services.recent_actions(
            request.db, kind="project", name=project.normalized_name
        ),
        "form": form or RemoveProjectForm(),
    }


@admin_view(route_name="admin.project", renderer="admin/project.html", request_method="GET")
def admin_project(request: Request) -> dict[str, Any]:
    return project_context(request, _project_or_404(request))


@admin_view(route_name="admin.project.remove", renderer="admin/project.html", request_method="POST")
def admin_project_remove(request: Request) -> Any:
    project = _project_or_404(request)
    form = RemoveProjectForm(request.POST)
    ok = form.validate()
    typed = (form.confirm_project_name.data or "").strip()
    if typed and typed != project.name:
        form.confirm_project_name.errors = [
            f"That is not the project's name: type '{project.name}' exactly to remove it."
        ]
        ok = False
    if ok:
        try:
            summary = services.remove_project(
                request, services.Actor.for_user(request.user), project, form.reason.data
            )
        except services.AdminError as exc:
            form.reason.errors = [str(exc)]
        else:
            request.session.flash(
                f"The project '{summary['name']}' was removed ({summary['files']} file(s)). "
                "Its filenames stay reserved.",
                queue="success",
            )
            return HTTPSeeOther(request.route_path("admin.index"))
    request.response.status = 400
    return project_context(request, project, form)
