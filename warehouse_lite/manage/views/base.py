"""What the project management views share: the project's row lock before a change, and
ProjectViews, the base of their view classes (the project, the actor, the form, the refusal
and the way back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther

from warehouse_lite.authnz import Permissions
from warehouse_lite.events.actor import Actor
from warehouse_lite.packaging.models import Project
from warehouse_lite.packaging.project_lock import lock_project
from warehouse_lite.packaging.services import ProjectService
from warehouse_lite.web.forms import Form

if TYPE_CHECKING:
    from pyramid.request import Request

F = TypeVar("F", bound=Form)


def changes_project(view: Callable[[Any, Request], Any]) -> Callable[[Any, Request], Any]:
    """View decorator (``view_config(decorator=...)``) for actions that change the project
    they are about: its row is locked before the view reads anything (packaging.project_lock),
    so concurrent changes to one project run one after the other, each sees the previous one,
    and their journal serials grow in commit order. Runs after the permission check."""

    def locked_view(context: Any, request: Request) -> Any:
        if isinstance(context, Project) and lock_project(request.db, context) is None:
            raise HTTPNotFound(f"The project '{context.name}' was just deleted.")
        return view(context, request)

    return locked_view


# view_config arguments of the pages about one project, for its owners.
MANAGE = {"context": Project, "permission": Permissions.PROJECTS_MANAGE}
# ... and of an action that changes it (a POST).
CHANGE = {**MANAGE, "request_method": "POST", "decorator": changes_project}


class ProjectViews:
    """Base of the view classes about one project (the route's context).

    A subclass says what its page shows (``page``) and where ``back`` leads (``route``);
    ``refuse`` shows the page again with an HTTP status.
    """

    route = "manage.project.settings"

    def __init__(self, project: Project, request: Request) -> None:
        self.project = project
        self.request = request

    @property
    def actor(self) -> Actor:
        return Actor.from_request(self.request)

    @property
    def projects(self) -> ProjectService:
        service: ProjectService = self.request.find_service(ProjectService)
        return service

    def form(self, form_class: type[F]) -> F:
        """``form_class`` filled from the POST; empty on a GET (nothing was sent yet)."""
        return form_class(self.request.POST if self.request.method == "POST" else None)

    def page(self, **values: Any) -> dict[str, Any]:
        raise NotImplementedError

    def refuse(self, status: int, **values: Any) -> dict[str, Any]:
        """The page again (``values`` as for ``page``), answered with ``status``."""
        self.request.response.status = status
        return self.page(**values)

    def back(self, message: str, route: str | None = None, **parts: Any) -> HTTPSeeOther:
        """To ``route`` of this project (default: the class's page), with a success message."""
        self.request.session.flash(message, queue="success")
        url = self.request.route_path(
            route or self.route, project_name=self.project.normalized_name, **parts
        )
        return HTTPSeeOther(url)

    def to_projects(self, message: str) -> HTTPSeeOther:
        """To the user's projects (where one goes after losing access), with a message."""
        self.request.session.flash(message, queue="success")
        return HTTPSeeOther(self.request.route_path("manage.projects"))

    @staticmethod
    def confirmed(form: Form, field: str, expected: str, what: str) -> bool:
        """Whether ``form`` is valid and its ``field`` repeats ``expected`` exactly (a
        deletion's confirmation); else the field carries the error to show."""
        typed = form[field]
        if form.validate() and typed.data.strip() != expected:
            typed.errors = [f"That is not {what}: type '{expected}' exactly to delete it."]
        return not typed.errors
