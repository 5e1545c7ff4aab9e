"""Security history: user events and project events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warehouse_lite.events.models import UserEvent

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project, ProjectEvent


def request_origin(request: Request) -> tuple[str | None, str | None]:
    """The client IP and user agent of a request, truncated to what the columns hold."""
    agent = request.user_agent
    return request.client_addr, agent[:512] if agent else None


def record_event(request: Request, user: User, tag: str, **additional: Any) -> UserEvent:
    """Add a security-history event for ``user`` to the request's transaction."""
    ip_address, user_agent = request_origin(request)
    event = UserEvent(
        user=user, tag=tag, ip_address=ip_address, user_agent=user_agent, additional=additional
    )
    request.db.add(event)
    return event


def record_project_event(
    request: Request, project: Project, tag: str, **additional: Any
) -> ProjectEvent:
    """Add a security-history event for ``project`` to the request's transaction."""
    from warehouse_lite.packaging.models import ProjectEvent

    ip_address, user_agent = request_origin(request)
    event = ProjectEvent(
        project=project,
        tag=tag,
        ip_address=ip_address,
        user_agent=user_agent,
        additional=additional,
    )
    request.db.add(event)
    return event
