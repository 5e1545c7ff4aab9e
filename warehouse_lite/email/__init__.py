"""Emails to users: render a template directory, then send through a Celery task.

Each email is templates/email/<name>/{subject.txt, body.txt, body.html}. ``send_email`` is
called from views; the message goes out after the request's transaction commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.renderers import render

from warehouse_lite.email import throttle
from warehouse_lite.email.tasks import send_email_task

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User


def render_email(request: Request, name: str, context: dict[str, Any]) -> dict[str, str]:
    """Subject, text and HTML of the email ``name``."""
    values = {"site_name": request.registry["settings"].site_name, **context}
    subject = render(f"email/{name}/subject.txt", values, request=request)
    return {
        "subject": " ".join(subject.split()),
        "text": render(f"email/{name}/body.txt", values, request=request),
        "html": render(f"email/{name}/body.html", values, request=request),
    }


def send_email(
    request: Request,
    name: str,
    to: str | User,
    *,
    context: dict[str, Any] | None = None,
    requested: bool = False,
) -> None:
    """Queue the email ``name`` for ``to`` (an address, or a user's primary address).

    Sent only if the request's transaction commits. The email counts toward the rate limits
    of email/throttle.py; ``requested`` says its purpose is to reach this address at someone's
    request (verification, password reset, invitation). Raises EmailRateLimited when a limit
    is spent (the request's transaction is then aborted: nothing of the action happens).
    """
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
    throttle.count(request, recipient, address, requested=requested)
    message = render_email(request, name, context)
    request.task(send_email_task).delay(address, message, name)
