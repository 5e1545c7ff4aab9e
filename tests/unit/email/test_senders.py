"""The two senders against the real thing: an aiosmtpd server on loopback and a folder."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from tests.e2e.servers import SMTPServer
from warehouse_lite.email.senders import OutboxSender, SMTPSender, build_message, sender_for
from warehouse_lite.settings import load_settings

RENDERED = {"subject": "Hello", "text": "plain body", "html": "<p>html body</p>"}


def test_smtp_sender_delivers(tmp_path: Path) -> None:
    server = SMTPServer()
    server.start()
    try:
        settings = load_settings(
            {}, var_dir=tmp_path, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=server.port
        )
        sender = sender_for(settings)
        assert isinstance(sender, SMTPSender)
        sender.send(build_message(settings, "to@example.com", RENDERED, "<id1@localhost>"))
        message = server.mailbox.to("to@example.com", "Hello", timeout=10)
        assert message["Message-ID"] == "<id1@localhost>"
        assert message.get_body(("plain",)).get_content().strip() == "plain body"
        assert "html body" in message.get_body(("html",)).get_content()
    finally:
        server.stop()


def test_outbox_sender_writes_whole_files(tmp_path: Path) -> None:
    settings = load_settings({}, var_dir=tmp_path)
    sender = sender_for(settings)
    assert isinstance(sender, OutboxSender)
    sender.send(build_message(settings, "to@example.com", RENDERED, "<abc@localhost>"))
    [path] = list((tmp_path / "mail").iterdir())
    assert path.name.endswith("-abc.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "to@example.com" and parsed["Subject"] == "Hello"
