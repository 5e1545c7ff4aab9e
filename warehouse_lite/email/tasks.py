"""Celery tasks that deliver the outbox (email/delivery.py)."""

from __future__ import annotations

import logging
import smtplib
import uuid
from typing import Any

from warehouse_lite.email.delivery import deliver
from warehouse_lite.email.senders import build_message, sender_for
from warehouse_lite.tasks import celery_app

logger = logging.getLogger(__name__)


@celery_app.task(bind=True, name="warehouse_lite.email.deliver")
def deliver_email_task(self: Any, email_id: str) -> str:
    """Send one stored email now. It is not retried by Celery: a failed attempt makes the row
    due again later, and the sweep (background.py) takes it then, so no retry waits in the
    broker where a killed worker would hold it for the visibility timeout."""
    return deliver(self.sessionmaker, self.settings, uuid.UUID(email_id))


@celery_app.task(
    bind=True,
    name="warehouse_lite.email.send",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=12,
)
def send_email_task(self: Any, to: str, rendered: dict[str, str], name: str) -> None:
    """The task of versions before the outbox, kept so that a worker upgraded while such
    messages wait in the broker still delivers them. Nothing queues it any more."""
    settings = self.settings
    message_id = f"<{self.request.id or 'eager'}@{settings.domain}>"
    sender_for(settings).send(build_message(settings, to, rendered, message_id))
    logger.info("sent email %s (%s)", name, message_id)
