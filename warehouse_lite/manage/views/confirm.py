"""The confirmation step of the collaboration changes: changing a role and removing someone
(the owner types the collaborator's username) and leaving (the collaborator types the
project's name). The first POST, without the typed confirmation, shows what will happen; the
page's form repeats the request with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.renderers import render_to_response

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

    from warehouse_lite.packaging.models import Project

_TEMPLATE = "manage/collaboration_confirm.html"
_FROM_COLLABORATION = ("manage.project.collaboration.change", "manage.project.collaboration.remove")
_LABELS = {
    "confirm_username": "Type the username to confirm",
    "confirm_project_name": "Type the project name to confirm",
}


def confirm_page(request: Request, project: Project, *, status: int = 200, **page: Any) -> Response:
    """The confirmation step: what will happen, and a form that repeats the request with the
    typed confirmation (``page``: title, question, route, hidden, field, label, expected,
    button; error; or only ``refusal``, a message why it cannot be done). Cancelling leads to
    the collaboration page from there, else to the user's projects."""
    cancel = (
        request.route_path("manage.project.collaboration", project_name=project.normalized_name)
        if page.get("route") in _FROM_COLLABORATION
        else request.route_path("manage.projects")
    )
    values = {
        "project": project,
        "error": None,
        "refusal": None,
        "hidden": {},
        "cancel": cancel,
        **page,
    }
    response = render_to_response(_TEMPLATE, values, request=request)
    response.status = status
    return response


def unconfirmed(
    request: Request, project: Project, typed: str | None, expected: str, **page: Any
) -> Response | None:
    """None once ``typed`` is ``expected`` exactly; else the confirmation page (400 with an
    error when something else was typed). ``page`` as for confirm_page, without label."""
    typed = (typed or "").strip()
    if typed == expected:
        return None
    return confirm_page(
        request,
        project,
        status=400 if typed else 200,
        error=f"Type '{expected}' exactly to confirm." if typed else None,
        expected=expected,
        label=_LABELS[page["field"]],
        **page,
    )
