"""The Celery task that delivers an email, with retries and exponential backoff."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from warehouse_lite.email.senders import build_message, sender_for
from warehouse_lite.tasks import celery_app

logger = logging.getLogger(__name__)


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
    settings = self.settings
    # A stable Message-ID across retries lets receivers drop a duplicate delivery.
    message_id = f"<{self.request.id or 'eager'}@{settings.domain}>"
    message = build_message(settings, to, rendered, message_id)
    sender_for(settings).send(message)
    logger.info("sent email %s (%s)", name, message_id)
