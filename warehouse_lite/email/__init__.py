"""Emails to users: render a template directory, store it in the outbox, deliver after commit.

Each email is templates/email/<name>/{subject.txt, body.txt, body.html}. ``Mailer.send``
(``send_email`` for short) is called from views and services: the rendered message is a row
written in the request's transaction (email/models.py), so it exists exactly when the change
it reports does; after the commit a Celery task (or, in the embedded server, the background
thread) delivers it, and the outbox sweep delivers whatever that first attempt could not
(email/delivery.py).
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from pyramid.renderers import render

from warehouse_lite import background
from warehouse_lite.db import get_sessionmaker
from warehouse_lite.email import throttle
from warehouse_lite.email.delivery import deliver, queue_email
from warehouse_lite.email.tasks import deliver_email_task

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from sqlalchemy.orm import Session, sessionmaker

    from warehouse_lite.accounts.models import User
    from warehouse_lite.events.actor import Actor
    from warehouse_lite.settings import Settings

logger = logging.getLogger(__name__)


def render_email(request: Request, name: str, context: dict[str, Any]) -> dict[str, str]:
    """Subject, text and HTML of the email ``name``."""
    values = {"site_name": request.settings.site_name, **context}
    subject = render(f"email/{name}/subject.txt", values, request=request)
    return {
        "subject": " ".join(subject.split()),
        "text": render(f"email/{name}/body.txt", values, request=request),
        "html": render(f"email/{name}/body.html", values, request=request),
    }


class Mailer:
    """Queues emails in the request's transaction and starts their delivery after the commit.

    Looked up with ``request.find_service(Mailer)``; the request is the one whose transaction
    holds the email and whose URLs the templates render (a prepared request of the configured
    app at the command line).
    """

    def __init__(self, request: Request) -> None:
        self._request = request

    def send(
        self,
        name: str,
        to: str | User,
        *,
        context: dict[str, Any] | None = None,
        requested: bool = False,
        actor: Actor | None = None,
    ) -> None:
        """Queue the email ``name`` for ``to`` (an address, or a user's primary address).

        Stored in the request's transaction; sent only if it commits, and then at least
        once. The email counts toward the rate limits of email/throttle.py, charged to
        ``actor`` (default: the request's user); ``requested`` says its purpose is to reach
        this address at someone's request (verification, password reset, invitation).
        Raises EmailRateLimited when a limit is spent (the request's transaction is then
        aborted: nothing of the action happens).
        """
        request = self._request
        context = dict(context or {})
        recipient = None
        if isinstance(to, str):
            address = to
        else:
            recipient = to
            context.setdefault("user", to)
            primary = to.primary_email
            if primary is None:
                return
            address = primary.email
        throttle.count(request, recipient, address, requested=requested, actor=actor)
        row = queue_email(request.db, name, address, render_email(request, name, context))
        email_id = row.id
        factory = get_sessionmaker(request.registry)
        settings = request.settings

        def start_delivery(committed: bool) -> None:
            if committed:
                _start_delivery(factory, settings, email_id)

        request.tm.get().addAfterCommitHook(start_delivery)


def mailer_factory(context: object, request: Request) -> Mailer:
    return Mailer(request)


def send_email(
    request: Request,
    name: str,
    to: str | User,
    *,
    context: dict[str, Any] | None = None,
    requested: bool = False,
) -> None:
    """``Mailer.send`` for the request's own user (see there)."""
    request.find_service(Mailer).send(name, to, context=context, requested=requested)


def _start_delivery(
    factory: sessionmaker[Session], settings: Settings, email_id: uuid.UUID
) -> None:
    """The first attempt, right after the commit. Failing to start it loses nothing: the row is
    committed and the outbox sweep sends it."""
    runner = background.running()
    if runner is not None:
        # The embedded server: its own thread sends, so a slow or absent SMTP server never
        # holds up the response.
        runner.wake()
        return
    if settings.tasks_eager:
        # No broker (a command in the embedded mode, tests): send now, with this app's own
        # database and settings rather than whatever the process-wide Celery app was last
        # configured with.
        deliver(factory, settings, email_id)
        return
    try:
        # retry=False: with the broker down, don't hold the response while kombu reconnects.
        deliver_email_task.apply_async(args=[str(email_id)], retry=False)
    except Exception as exc:  # the broker is unreachable: kombu's errors, OSError ...
        logger.warning("email %s left to the outbox sweep: %s", email_id, exc)


def includeme(config: Configurator) -> None:
    config.register_service_factory(mailer_factory, Mailer)
