"""The outbox's delivery: claims, retries with backoff, giving up, the sweep, and races."""

from __future__ import annotations

import datetime
import smtplib
import threading
import uuid
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from warehouse_lite.db import utcnow
from warehouse_lite.email import delivery
from warehouse_lite.email.models import OutgoingEmail
from warehouse_lite.settings import Settings

RENDERED = {"subject": "Hello", "text": "plain body", "html": "<p>html body</p>"}


class Recorder:
    """An EmailSender that keeps what it is given, or fails as told."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.fail = fail
        self.lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        if self.fail is not None:
            raise self.fail
        with self.lock:
            self.sent.append(message)


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint")


def _queued(factory: sessionmaker[Session], to: str = "ada@example.org") -> uuid.UUID:
    with factory() as db:
        row = delivery.queue_email(db, "test-mail", to, RENDERED)
        db.commit()
        return row.id


def _row(factory: sessionmaker[Session], email_id: uuid.UUID) -> OutgoingEmail:
    with factory() as db:
        row = db.get(OutgoingEmail, email_id)
        assert row is not None
        db.expunge(row)
        return row


def test_delivered_once_with_a_stable_message_id(factory, settings: Settings) -> None:
    email_id = _queued(factory)
    sender = Recorder()
    assert delivery.deliver(factory, settings, email_id, sender) == "sent"
    assert delivery.deliver(factory, settings, email_id, sender) == "skipped"
    [message] = sender.sent
    assert message["To"] == "ada@example.org" and message["Subject"] == "Hello"
    assert message["Message-ID"] == f"<{email_id}@{settings.domain}>"
    row = _row(factory, email_id)
    assert row.sent is not None and row.due is None and row.attempts == 1


def test_temporary_failure_backs_off_then_delivers_with_the_same_id(factory, settings) -> None:
    email_id = _queued(factory)
    down = Recorder(fail=ConnectionRefusedError("connection refused"))
    assert delivery.deliver(factory, settings, email_id, down) == "retry"
    row = _row(factory, email_id)
    assert row.attempts == 1 and row.claimed_until is None and row.sent is None
    assert row.due is not None and row.due > utcnow()
    assert "ConnectionRefusedError" in (row.last_error or "")
    # Not due yet: neither the sweep nor a stray task sends it early.
    up = Recorder()
    assert delivery.deliver(factory, settings, email_id, up) == "skipped"
    assert delivery.sweep(factory, settings, lambda _: up) == {}
    with factory() as db:
        db.execute(update(OutgoingEmail).values(due=utcnow() - datetime.timedelta(seconds=1)))
        db.commit()
    assert delivery.sweep(factory, settings, lambda _: up) == {"sent": 1}
    assert [m["Message-ID"] for m in up.sent] == [f"<{email_id}@{settings.domain}>"]


def test_backoff_doubles_up_to_five_minutes() -> None:
    waits = [delivery._backoff(n).total_seconds() for n in (1, 2, 3, 8, 9, 12, 40)]
    assert waits == [2, 4, 8, 256, 300, 300, 300]


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")}), "gave up"),
        (smtplib.SMTPDataError(554, b"rejected"), "gave up"),
        (smtplib.SMTPDataError(451, b"try later"), "retry"),
        (smtplib.SMTPServerDisconnected("gone"), "retry"),
        (TimeoutError("timed out"), "retry"),
    ],
)
def test_permanent_refusals_are_not_retried(factory, settings, error, outcome) -> None:
    email_id = _queued(factory)
    assert delivery.deliver(factory, settings, email_id, Recorder(fail=error)) == outcome
    row = _row(factory, email_id)
    assert (row.gave_up is not None) == (outcome == "gave up")
    assert (row.due is None) == (outcome == "gave up")


def test_an_email_undelivered_for_days_is_given_up(factory, settings) -> None:
    email_id = _queued(factory)
    with factory() as db:
        db.execute(update(OutgoingEmail).values(created=utcnow() - datetime.timedelta(days=4)))
        db.commit()
    down = Recorder(fail=ConnectionRefusedError())
    assert delivery.deliver(factory, settings, email_id, down) == "gave up"


def test_a_claim_held_by_a_live_sender_is_respected_and_a_dead_ones_expires(
    factory, settings
) -> None:
    email_id = _queued(factory)
    with factory() as db:
        lease = datetime.timedelta(seconds=60)
        assert delivery._claim(db, email_id, lease) is not None
        db.commit()
    sender = Recorder()
    assert delivery.deliver(factory, settings, email_id, sender) == "skipped"
    with factory() as db:  # the claimant died: its lease runs out
        db.execute(update(OutgoingEmail).values(claimed_until=utcnow() - lease))
        db.commit()
    assert delivery.deliver(factory, settings, email_id, sender) == "sent"
    assert len(sender.sent) == 1 and _row(factory, email_id).attempts == 2


def test_the_sweep_stops_at_the_first_temporary_failure(factory, settings) -> None:
    for n in range(3):
        _queued(factory, f"user{n}@example.org")
    down = Recorder(fail=ConnectionRefusedError())
    assert delivery.sweep(factory, settings, lambda _: down) == {"retry": 1}


@pytest.fixture
def committed_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Real commits on the test database (for races between connections); cleaned after."""
    factory = sessionmaker(bind=engine)
    yield factory
    with factory() as db:
        db.execute(delete(OutgoingEmail))
        db.commit()


def test_parallel_senders_deliver_an_email_once(committed_factory, settings) -> None:
    """Eight threads (the post-commit task, sweeps of several workers) race for each of ten
    emails: every email is sent exactly once."""
    ids = [_queued(committed_factory, f"race{n}@example.org") for n in range(10)]
    sender = Recorder()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def race() -> None:
        barrier.wait()
        for email_id in ids:
            outcomes.append(delivery.deliver(committed_factory, settings, email_id, sender))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(str(m["To"]) for m in sender.sent) == sorted(
        f"race{n}@example.org" for n in range(10)
    )
    assert outcomes.count("sent") == 10 and outcomes.count("skipped") == 70


def test_finished_emails_are_pruned_after_thirty_days(factory, settings) -> None:
    old_sent, old_failed, recent, waiting = (_queued(factory) for _ in range(4))
    long_ago = utcnow() - datetime.timedelta(days=31)
    with factory() as db:
        db.execute(update(OutgoingEmail).where(OutgoingEmail.id == old_sent).values(sent=long_ago))
        db.execute(
            update(OutgoingEmail).where(OutgoingEmail.id == old_failed).values(gave_up=long_ago)
        )
        db.execute(update(OutgoingEmail).where(OutgoingEmail.id == recent).values(sent=utcnow()))
        db.commit()
    assert delivery.prune(factory) == 2
    with factory() as db:
        left = set(db.scalars(select(OutgoingEmail.id)))
    assert left == {recent, waiting}
