"""Security history: user events and project events.

Services record events with ``add_user_event`` / ``add_project_event``, given the ``Actor``
whose origin (IP address, user agent) the event keeps. Views that record an event about the
request's own client use the ``record_event`` / ``record_project_event`` wrappers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from warehouse_lite.events.actor import USER_AGENT_LENGTH, Actor
from warehouse_lite.events.models import ProjectEvent, UserEvent
from warehouse_lite.events.tags import EventTag

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session

    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project


def request_origin(request: Request) -> tuple[str | None, str | None]:
    """The client IP and user agent of a request, truncated to what the columns hold."""
    agent = request.user_agent
    return request.client_addr, agent[:USER_AGENT_LENGTH] if agent else None


EventT = TypeVar("EventT", UserEvent, ProjectEvent)


def _added(db: Session, event: EventT, actor: Actor) -> EventT:
    event.ip_address, event.user_agent = actor.ip_address, actor.user_agent
    db.add(event)
    return event


def add_user_event(
    db: Session, actor: Actor, user: User, tag: EventTag, **additional: Any
) -> UserEvent:
    """Add a security-history event for ``user``, from ``actor``'s origin, to ``db``'s
    transaction."""
    return _added(db, UserEvent(user=user, tag=tag, additional=additional), actor)


def add_project_event(
    db: Session, actor: Actor, project: Project, tag: EventTag, **additional: Any
) -> ProjectEvent:
    """add_user_event's counterpart for a project's security history."""
    return _added(db, ProjectEvent(project=project, tag=tag, additional=additional), actor)


def _client(request: Request) -> Actor:
    """The request's client as an origin only: no authentication is run to name it."""
    ip_address, user_agent = request_origin(request)
    return Actor(user=None, name="", via="web", ip_address=ip_address, user_agent=user_agent)


def record_event(request: Request, user: User, tag: EventTag, **additional: Any) -> UserEvent:
    """Add a security-history event for ``user``, from the request's client."""
    return add_user_event(request.db, _client(request), user, tag, **additional)


def record_project_event(
    request: Request, project: Project, tag: EventTag, **additional: Any
) -> ProjectEvent:
    """Add a security-history event for ``project``, from the request's client."""
    return add_project_event(request.db, _client(request), project, tag, **additional)
