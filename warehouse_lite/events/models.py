"""Event rows: what happened to a user, when, and from where."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse_lite.db import Base, UUIDPrimaryKey, utcnow

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import User


class UserEvent(UUIDPrimaryKey, Base):
    __tablename__ = "user_events"
    __table_args__ = (Index("ix_user_events_user_id_time", "user_id", "time"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    additional: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User] = relationship(back_populates="events")
