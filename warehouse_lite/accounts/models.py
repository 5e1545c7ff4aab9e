"""Users and their email addresses."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse_lite.db import Base, UUIDPrimaryKey, utcnow
from warehouse_lite.events.models import HasEvents, UserEvent


class User(HasEvents[UserEvent], UUIDPrimaryKey, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100), default="")
    password: Mapped[str] = mapped_column(String(256))
    # Changes whenever the password does: sessions and reset links minted before it die.
    password_date: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    date_joined: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    last_login: Mapped[datetime.datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))

    emails: Mapped[list[Email]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Email.email"
    )

    @property
    def primary_email(self) -> Email | None:
        return next((e for e in self.emails if e.primary), None)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Email(UUIDPrimaryKey, Base):
    __tablename__ = "user_emails"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    primary: Mapped[bool] = mapped_column(default=False)
    verified: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="emails")


# PyPI usernames and addresses are unique whatever their case: "Alice" blocks "alice".
Index("ix_users_username_lower", func.lower(User.username), unique=True)
Index("ix_user_emails_email_lower", func.lower(Email.email), unique=True)
