"""Ways to deliver a rendered email: SMTP, or a development outbox folder."""

from __future__ import annotations

import email.utils
import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from warehouse_lite.settings import Settings


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def build_message(
    settings: Settings, to: str, rendered: dict[str, str], message_id: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = rendered["subject"]
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(rendered["text"])
    message.add_alternative(rendered["html"], subtype="html")
    return message


class SMTPSender:
    """Delivers through an SMTP server (plain, STARTTLS or implicit TLS, optional login)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        client: smtplib.SMTP
        if s.smtp_ssl:
            client = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        with client:
            if s.smtp_starttls and not s.smtp_ssl:
                client.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                client.login(s.smtp_username, s.smtp_password)
            client.send_message(message)


class OutboxSender:
    """Writes each message as an .eml file into a folder the developer can read (var/mail/)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = email.utils.parsedate_to_datetime(message["Date"]).strftime("%Y%m%dT%H%M%S")
        ident = message["Message-ID"].strip("<>").split("@")[0]
        target = self.directory / f"{stamp}-{ident}.eml"
        # Write then rename, so a reader never sees half a message.
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(tmp, target)


def sender_for(settings: Settings) -> EmailSender:
    if settings.mail_backend == "smtp":
        return SMTPSender(settings)
    return OutboxSender(settings.outbox_dir)
