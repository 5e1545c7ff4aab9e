"""What uploads remember besides files: the deprecation notices already sent about a project."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from warehouse_lite.db import Base, utcnow


class UploadNotice(Base):
    """A deprecation notice emailed about a project. The primary key (project, kind) is what
    makes each kind go out once per project, however many uploads race: only the upload whose
    insert went in sends it (forklift/notices.py)."""

    __tablename__ = "upload_notices"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The upload that prompted it, and to whom it went.
    filename: Mapped[str] = mapped_column(String(512))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
