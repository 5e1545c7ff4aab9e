"""Adding, verifying, promoting and removing a user's email addresses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from warehouse_lite.accounts import emails as account_emails
from warehouse_lite.accounts.forms import AddEmailForm
from warehouse_lite.accounts.recent_auth import require_recent_auth
from warehouse_lite.accounts.services import UserService
from warehouse_lite.email import throttle
from warehouse_lite.events import record_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.manage.views.account import ACCOUNT_PAGE, refuse_account
from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import Email


def _own_email(request: Request) -> Email | None:
    wanted = request.POST.get("email_id", "")
    return next((e for e in request.user.emails if str(e.id) == wanted), None)


def _back(request: Request, message: str, queue: str = "success") -> HTTPSeeOther:
    request.session.flash(message, queue=queue)
    return HTTPSeeOther(request.route_path("manage.account", _anchor="emails"))


@view_config(route_name="manage.account.emails", request_method="POST", **ACCOUNT_PAGE)
def manage_emails(request: Request) -> Any:
    # "add" has its own view (add_email), guarded by sudo mode.
    action = request.POST.get("action")
    handler = {"resend": _resend, "primary": _make_primary, "delete": _delete}.get(action or "")
    if handler is None:
        request.session.flash("Unknown email action.", queue="error")
        return refuse_account(request, 400)
    return handler(request)


@view_config(
    route_name="manage.account.emails",
    request_method="POST",
    request_param="action=add",
    **ACCOUNT_PAGE,
)
@require_recent_auth
def add_email(request: Request) -> Any:
    form = AddEmailForm(request.POST)
    users = request.find_service(UserService)
    user = request.user
    if form.validate() and users.email_is_taken(form.email.data):
        form.email.errors = ["This email address is already being used. Use a different email."]
    if form.errors or form.email.errors:
        return refuse_account(request, 400, add_email_form=form)
    limited = throttle.refusal(request, form.email.data)
    if limited is not None:
        form.email.errors = [str(limited)]
        return refuse_account(request, 429, add_email_form=form)
    if not request.find_service(RateLimiter, name="email-add").hit(user.id):
        form.email.errors = ["Too many emails added recently. Try again later."]
        return refuse_account(request, 429, add_email_form=form)
    email = users.add_email(user, form.email.data)
    record_event(request, user, EventTag.ACCOUNT_EMAIL_ADD, email=email.email)
    account_emails.send_verification(request, user, email)
    return _back(request, f"Email {email.email} added. Check your inbox for a verification link.")


def _resend(request: Request) -> Any:
    email = _own_email(request)
    if email is None or email.verified:
        return _back(request, "That address cannot be verified again.", "error")
    limited = throttle.refusal(request, email.email)
    if limited is not None:
        return _back(request, str(limited), "error")
    account_emails.send_verification(request, request.user, email)
    return _back(request, f"Verification email for {email.email} resent.")


def _make_primary(request: Request) -> Any:
    email = _own_email(request)
    if email is None or not email.verified:
        return _back(request, "Only a verified address of yours can become primary.", "error")
    user = request.user
    old = user.primary_email
    if old is email:
        return _back(request, f"{email.email} is already your primary address.")
    request.find_service(UserService).make_primary(user, email)
    record_event(
        request,
        user,
        EventTag.ACCOUNT_EMAIL_PRIMARY_CHANGE,
        old=old.email if old else None,
        new=email.email,
    )
    if old is not None:
        account_emails.send_primary_email_changed(request, user, old.email, email.email)
    return _back(request, f"{email.email} is now your primary address.")


def _delete(request: Request) -> Any:
    email = _own_email(request)
    if email is None:
        return _back(request, "No such email address on your account.", "error")
    if email.primary:
        return _back(
            request,
            "You cannot remove your primary address. Make another one primary first.",
            "error",
        )
    request.user.emails.remove(email)
    record_event(request, request.user, EventTag.ACCOUNT_EMAIL_REMOVE, email=email.email)
    return _back(request, f"Email address {email.email} removed.")
