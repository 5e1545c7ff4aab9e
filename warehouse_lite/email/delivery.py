"""Delivering the outbox (email/models.py): claim a due row, send it, record the outcome.

Delivery is at least once: a process killed after the SMTP server took a message but before
the row was marked sent loses its claim when the lease ends, and the message goes out again
with the same Message-ID, by which receivers drop the duplicate. Nothing here needs the
broker: the sweep reads due rows from the database, so an email committed while Redis was down
goes out all the same.

Retries: a temporary failure (the SMTP server is down, answers 4xx, or times out) makes the row
due again after a backoff of 2, 4, 8 ... seconds, capped at ``MAX_BACKOFF``; so once the server
is back, a waiting email goes out within that cap plus one sweep interval. A permanent refusal
(5xx) and an email still undelivered after ``GIVE_UP_AFTER`` are given up, and logged.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select, update

from warehouse_lite.background import Job, every
from warehouse_lite.db import task_session, utcnow
from warehouse_lite.email.models import OutgoingEmail
from warehouse_lite.email.senders import EmailSender, build_message, sender_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from warehouse_lite.settings import Settings

logger = logging.getLogger(__name__)

MAX_BACKOFF = datetime.timedelta(minutes=5)
GIVE_UP_AFTER = datetime.timedelta(days=3)
KEEP_FINISHED = datetime.timedelta(days=30)
SWEEP_BATCH = 100


def queue_email(db: Session, name: str, to_address: str, rendered: dict[str, str]) -> OutgoingEmail:
    """Store a rendered email in ``db``'s transaction: it exists exactly if that commits."""
    row = OutgoingEmail(
        id=uuid.uuid4(),
        name=name,
        to_address=to_address,
        subject=rendered["subject"],
        body_text=rendered["text"],
        body_html=rendered["html"],
        due=utcnow(),
        attempts=0,
    )
    db.add(row)
    return row


def message_id(settings: Settings, email_id: uuid.UUID) -> str:
    """The Message-ID of every attempt at one email: receivers drop repeats by it."""
    return f"<{email_id}@{settings.domain}>"


def _lease(settings: Settings) -> datetime.timedelta:
    # Longer than one SMTP conversation can take (connect, TLS, login, send: each bounded by
    # SMTP_TIMEOUT), so a claim ends only for a process that died.
    return datetime.timedelta(seconds=max(60, 4 * settings.smtp_timeout))


def _claim(db: Session, email_id: uuid.UUID, lease: datetime.timedelta) -> OutgoingEmail | None:
    """Take the row for this process if it is due and nobody holds it (one UPDATE, so two
    processes cannot both win)."""
    now = utcnow()
    claimed = db.execute(
        update(OutgoingEmail)
        .where(
            OutgoingEmail.id == email_id,
            OutgoingEmail.due <= now,
            or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < now),
        )
        .values(claimed_until=now + lease, attempts=OutgoingEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.get(OutgoingEmail, email_id, populate_existing=True)


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _backoff(attempts: int) -> datetime.timedelta:
    return min(MAX_BACKOFF, datetime.timedelta(seconds=2 ** min(attempts, 16)))


def deliver(
    factory: sessionmaker[Session],
    settings: Settings,
    email_id: uuid.UUID,
    sender: EmailSender | None = None,
) -> str:
    """Try to send one email now. Returns "sent", "retry", "gave up", or "skipped" when it is
    not due, already sent, or another process holds it."""
    with task_session(factory) as db:
        row = _claim(db, email_id, _lease(settings))
        if row is None:
            return "skipped"
        message = build_message(
            settings,
            row.to_address,
            {"subject": row.subject, "text": row.body_text, "html": row.body_html},
            message_id(settings, row.id),
        )
        name, attempts, created = row.name, row.attempts, row.created
    # The claim is committed: the SMTP conversation holds no database lock.
    try:
        (sender or sender_for(settings)).send(message)
    except (smtplib.SMTPException, OSError) as exc:
        now = utcnow()
        give_up = _permanent(exc) or now - created > GIVE_UP_AFTER
        values = {
            "claimed_until": None,
            "last_error": f"{type(exc).__name__}: {exc}"[:500],
            "due": None if give_up else now + _backoff(attempts),
            "gave_up": now if give_up else None,
        }
        with task_session(factory) as db:
            db.execute(update(OutgoingEmail).where(OutgoingEmail.id == email_id).values(values))
        if give_up:
            logger.error("gave up email %s to %s (%s): %s", name, email_id, attempts, exc)
            return "gave up"
        logger.warning("email %s (%s) failed, attempt %d: %s", name, email_id, attempts, exc)
        return "retry"
    with task_session(factory) as db:
        db.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id)
            .values(sent=utcnow(), due=None, claimed_until=None, last_error=None)
        )
    logger.info("sent email %s (%s)", name, message["Message-ID"])
    return "sent"


def due_emails(db: Session, limit: int = SWEEP_BATCH) -> list[uuid.UUID]:
    """Ids of emails that may be attempted now, oldest first."""
    now = utcnow()
    return list(
        db.scalars(
            select(OutgoingEmail.id)
            .where(
                OutgoingEmail.due <= now,
                or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < now),
            )
            .order_by(OutgoingEmail.due)
            .limit(limit)
        )
    )


def sweep(
    factory: sessionmaker[Session],
    settings: Settings,
    sender_factory: Callable[[Settings], EmailSender] = sender_for,
) -> dict[str, int]:
    """Deliver every email that is due now (one batch); returns how each attempt ended.

    The first temporary failure ends the batch: the server is likely down, and trying each
    remaining row would hold the sweep for up to SMTP_TIMEOUT apiece."""
    with task_session(factory) as db:
        ids = due_emails(db)
    outcomes: dict[str, int] = {}
    sender = sender_factory(settings) if ids else None
    for email_id in ids:
        outcome = deliver(factory, settings, email_id, sender)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == "retry":
            break
    return outcomes


def prune(factory: sessionmaker[Session], keep: datetime.timedelta = KEEP_FINISHED) -> int:
    """Delete emails sent or given up more than ``keep`` ago (the table would otherwise grow
    with every email ever sent); returns how many."""
    cutoff = utcnow() - keep
    with task_session(factory) as db:
        result = db.execute(
            delete(OutgoingEmail)
            .where(or_(OutgoingEmail.sent < cutoff, OutgoingEmail.gave_up < cutoff))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def outbox_jobs(factory: sessionmaker[Session], settings: Settings) -> dict[str, Job]:
    """The outbox's periodic jobs, for background.start: send what is due, prune what was
    sent long ago."""
    return {
        "email outbox": lambda: sweep(factory, settings),
        "prune sent emails": every(3600, lambda: prune(factory)),
    }
