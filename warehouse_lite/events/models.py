"""Security history: what happened to a user or a project, when, and from where.

A model with a history inherits HasEvents, which gives it ``events`` (newest first). Its event
model is declared here, named after it (``User`` -> ``UserEvent``, table ``user_events``), with
the shared columns of Event and a link back named after it in lower case (``UserEvent.user``).
So this module needs the models it serves only for type checking: accounts and packaging
import events, never the other way round.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from warehouse_lite.db import Base, UUIDPrimaryKey, utcnow
from warehouse_lite.events.actor import USER_AGENT_LENGTH

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project


class Event:
    """The columns of every event: what happened (``tag``, one of events/tags.py's EventTag),
    when, the client it came from, and the details of that kind of event."""

    tag: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_LENGTH))
    additional: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UserEvent(Event, UUIDPrimaryKey, Base):
    __tablename__ = "user_events"
    __table_args__ = (Index("ix_user_events_user_id_time", "user_id", "time"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="events")


class ProjectEvent(Event, UUIDPrimaryKey, Base):
    __tablename__ = "project_events"
    __table_args__ = (Index("ix_project_events_project_id_time", "project_id", "time"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))

    project: Mapped[Project] = relationship(back_populates="events")


EventT = TypeVar("EventT", bound=Event)


class HasEvents(Generic[EventT]):
    """Mixin of a model with a security history (``class User(HasEvents[UserEvent], ...)``).

    ``events`` lists them newest first; they go with their subject (the foreign key's ON DELETE
    CASCADE removes them, so deleting a subject does not load its history first).
    """

    @declared_attr
    def events(cls: Any) -> Mapped[list[EventT]]:  # cls: the mapped class being declared
        event_model = f"{cls.__name__}Event"
        return relationship(
            event_model,
            back_populates=cls.__name__.lower(),
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by=f"{event_model}.time.desc()",
        )
