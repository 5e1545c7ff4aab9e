"""API tokens: one row per macaroon, and which projects a project-scoped one is for."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse_lite.db import Base, UUIDPrimaryKey, utcnow

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project


class Macaroon(UUIDPrimaryKey, Base):
    """An API token. ``id`` is the macaroon's identifier; ``key`` (32 random bytes) is the HMAC
    root key and never leaves the server. Deleting the row revokes the token."""

    __tablename__ = "macaroons"
    __table_args__ = (
        UniqueConstraint("user_id", "description", name="uq_macaroons_user_description"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(100))
    key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The caveats minted into the token (JSON values); verification checks them again.
    caveats: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    last_used: Mapped[datetime.datetime | None]
    expires: Mapped[datetime.datetime | None]
    # For display only: normalized names of the projects a project-scoped token is for
    # (empty: the whole account). Authorization always comes from the caveats.
    project_names: Mapped[list[str]] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship()
    projects: Mapped[list[Project]] = relationship(secondary="macaroon_projects")

    @property
    def is_user_scoped(self) -> bool:
        return not self.project_names

    @property
    def scope_summary(self) -> str:
        if self.is_user_scoped:
            return "Entire account (all projects)"
        return "Project: " + ", ".join(self.project_names)


class MacaroonProject(Base):
    """Links a project-scoped token to its projects, so a project's page can list them."""

    __tablename__ = "macaroon_projects"

    macaroon_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("macaroons.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True
    )
