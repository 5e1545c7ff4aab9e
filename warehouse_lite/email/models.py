"""The outbox: every email is a row written in the transaction of the change it reports.

A security email (a new token, a removed second factor, a password change) must not be lost
when the broker is down at commit time, nor held back when a worker dies while it waits to
retry. So the message is stored with the change, and delivery is a separate, repeatable step
(email/delivery.py): a Celery task started after the commit delivers it at once, and a sweep
that runs in every worker (and in the embedded server) delivers whatever is still due.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse_lite.db import Base, UUIDPrimaryKey, utcnow


class OutgoingEmail(UUIDPrimaryKey, Base):
    """One rendered message to one address, and where its delivery stands.

    ``due`` is when the next attempt may start (None once sent or given up); ``claimed_until``
    is the lease of the process that is sending it now, so that two sweeps never send one row
    at the same time, and a process that died mid-send loses its claim when the lease ends.
    """

    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_due", "due"),)

    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    name: Mapped[str] = mapped_column(String(100))  # the template, for logs
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    due: Mapped[datetime.datetime | None] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent: Mapped[datetime.datetime | None]
    gave_up: Mapped[datetime.datetime | None]
