"""The log of administrator actions: who did what to which account or project, and why.

User and project events record the same action in the security history of their subject, but
a removed project takes its events with it and an operator wants one list of every
intervention; this table is that list. It keeps names, not foreign keys, for the target, so a
row outlives the project (or account) it is about.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from warehouse_lite.db import Base, UUIDPrimaryKey, utcnow


class AdminAction(UUIDPrimaryKey, Base):
    __tablename__ = "admin_actions"
    __table_args__ = (Index("ix_admin_actions_target", "target_kind", "target_name"),)

    time: Mapped[datetime.datetime] = mapped_column(default=utcnow, index=True)
    # The administrator's username as given (web: the logged-in admin; CLI: --admin, or "cli").
    admin_username: Mapped[str] = mapped_column(String(100))
    admin_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(10))  # "web" | "cli"
    action: Mapped[str] = mapped_column(String(32))
    target_kind: Mapped[str] = mapped_column(String(10))  # "user" | "project"
    target_name: Mapped[str] = mapped_column(String(200))
    target_id: Mapped[uuid.UUID | None]
    reason: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
