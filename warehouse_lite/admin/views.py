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
from pyramid.view import view_config, view_defaults
from sqlalchemy import select

from warehouse_lite.accounts.login import session_passed_second_factor
from warehouse_lite.accounts.services import UserService
from warehouse_lite.admin.forms import ReasonForm, RemoveProjectForm
from warehouse_lite.admin.services import AdminError, AdminService, NotFound
from warehouse_lite.authnz import Permissions
from warehouse_lite.events.actor import Actor
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import Role

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project

View = Callable[[Any, Any], Any]

# Actions on a user: route suffix -> (AdminService method, past tense for the message).
USER_ACTIONS: dict[str, tuple[str, str]] = {
    "disable": ("disable_user", "disabled"),
    "enable": ("enable_user", "re-enabled"),
    "reset-2fa": ("reset_two_factor", "had their two-factor authentication reset"),
    "revoke-tokens": ("revoke_tokens", "had all their API tokens revoked"),
}


def require_second_factor(view: View) -> View:
    """View decorator (runs after the permission check): only a session that logged in with a
    second factor, of an account that still has one, gets through. Otherwise the action is
    not run and the admin gets a page telling them to enroll a second factor, or, if they
    have one, to log in again with it."""

    def wrapper(context: Any, request: Request) -> Any:
        has_two_factor = request.find_service(UserService).has_two_factor(request.user)
        if has_two_factor and session_passed_second_factor(request):
            return view(context, request)
        template = "admin/login_again_2fa.html" if has_two_factor else "admin/enroll_2fa.html"
        response = render_to_response(template, {}, request=request)
        response.status = 403
        return response

    return wrapper


# The view_defaults of every admin page: ADMIN_ACCESS, then the second-factor requirement.
ADMIN_PAGE = {"permission": Permissions.ADMIN_ACCESS, "decorator": require_second_factor}


@view_defaults(**ADMIN_PAGE)
class AdminViews:
    """The admin area's front page and the full log of actions."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.admin = request.find_service(AdminService)

    @view_config(
        route_name="admin.index", renderer="admin/index.html", request_method=("GET", "HEAD")
    )
    def index(self) -> dict[str, Any]:
        query = " ".join(self.request.params.get("q", "").split())[:200]
        return {
            "query": query,
            "users": self.admin.find_users(query),
            "projects": self.admin.find_projects(query),
            "actions": self.admin.recent_actions(limit=20),
        }

    @view_config(route_name="admin.actions", renderer="admin/actions.html", request_method="GET")
    def actions(self) -> dict[str, Any]:
        return {"actions": self.admin.recent_actions(limit=500)}


class _SubjectViews:
    """Shared by the pages about one user or one project: the look-up (404 when the name in
    the URL matches nothing) and the refusal that shows the page again with the form."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.admin = request.find_service(AdminService)
        self.actor = Actor.from_request(request)

    def _find(self, get: Callable[[str], Any], key: str) -> Any:
        try:
            return get(self.request.matchdict[key])
        except NotFound as exc:
            raise HTTPNotFound(str(exc)) from None

    def _refuse(self, context: dict[str, Any]) -> dict[str, Any]:
        self.request.response.status = 400
        return context


@view_defaults(renderer="admin/user.html", **ADMIN_PAGE)
class AdminUserViews(_SubjectViews):
    """/admin/user/<name>/: the account, its history, and the actions of USER_ACTIONS."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.user: User = self._find(self.admin.get_user, "username")

    def _context(self, **forms: ReasonForm) -> dict[str, Any]:
        user, request = self.user, self.request
        roles = request.db.scalars(select(Role).where(Role.user_id == user.id))
        return {
            "user": user,
            "two_factor": self.admin.two_factor_methods(user),
            "tokens": request.find_service(MacaroonService).macaroons_for_user(user),
            "roles": sorted(roles, key=lambda r: r.project.normalized_name),
            "events": request.find_service(UserService).recent_events(user, limit=100),
            "actions": self.admin.recent_actions(kind="user", name=user.username),
            "forms": {name: forms.get(name) or ReasonForm() for name in USER_ACTIONS},
            "is_self": user.id == request.user.id,
        }

    @view_config(route_name="admin.user", request_method="GET")
    def show(self) -> dict[str, Any]:
        return self._context()

    @view_config(route_name="admin.user.disable", request_method="POST")
    @view_config(route_name="admin.user.enable", request_method="POST")
    @view_config(route_name="admin.user.reset-2fa", request_method="POST")
    @view_config(route_name="admin.user.revoke-tokens", request_method="POST")
    def act(self) -> Any:
        """Run the action the route names (USER_ACTIONS), or show the form's refusal."""
        action = self.request.matched_route.name.removeprefix("admin.user.")
        method, done = USER_ACTIONS[action]
        form = ReasonForm(self.request.POST)
        if form.validate():
            try:
                getattr(self.admin, method)(self.user, self.actor, form.reason.data)
            except AdminError as exc:
                form.reason.errors = [str(exc)]
            else:
                self.request.session.flash(f"{self.user.username} {done}.", queue="success")
                url = self.request.route_path("admin.user", username=self.user.username)
                return HTTPSeeOther(url)
        return self._refuse(self._context(**{action: form}))


@view_defaults(renderer="admin/project.html", **ADMIN_PAGE)
class AdminProjectViews(_SubjectViews):
    """/admin/project/<name>/: the project, its history, and its removal."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.project: Project = self._find(self.admin.get_project, "project_name")

    def _context(self, form: RemoveProjectForm | None = None) -> dict[str, Any]:
        project = self.project
        return {
            "project": project,
            "roles": sorted(project.roles, key=lambda r: (r.role_name, r.user.username)),
            "releases": len(project.releases),
            "files": sum(len(release.files) for release in project.releases),
            "tokens": self.request.find_service(MacaroonService).macaroons_for_project(project),
            "events": project.events[:100],
            "actions": self.admin.recent_actions(kind="project", name=project.normalized_name),
            "form": form or RemoveProjectForm(),
        }

    @view_config(route_name="admin.project", request_method="GET")
    def show(self) -> dict[str, Any]:
        return self._context()

    @view_config(route_name="admin.project.remove", request_method="POST")
    def remove(self) -> Any:
        project = self.project
        form = RemoveProjectForm(self.request.POST)
        ok = form.validate()
        typed = (form.confirm_project_name.data or "").strip()
        if typed and typed != project.name:
            form.confirm_project_name.errors = [
                f"That is not the project's name: type '{project.name}' exactly to remove it."
            ]
            ok = False
        if ok:
            try:
                summary = self.admin.remove_project(project, self.actor, form.reason.data)
            except AdminError as exc:
                form.reason.errors = [str(exc)]
            else:
                self.request.session.flash(
                    f"The project '{summary['name']}' was removed ({summary['files']} file(s)). "
                    "Its filenames stay reserved.",
                    queue="success",
                )
                return HTTPSeeOther(self.request.route_path("admin.index"))
        return self._refuse(self._context(form))
