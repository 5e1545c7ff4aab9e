"""Forgotten passwords: ask for a link, then set a new password through it."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from pyramid.view import view_config, view_defaults

from warehouse_lite.accounts import emails as account_emails
from warehouse_lite.accounts.forms import RequestPasswordResetForm, ResetPasswordForm
from warehouse_lite.accounts.passwords import BreachedPasswordChecker
from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.tokens import TokenError, user_from_reset_token
from warehouse_lite.accounts.views.base import FormViews
from warehouse_lite.email.throttle import EmailRateLimited
from warehouse_lite.events import record_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.ratelimit import RateLimiter
from warehouse_lite.web.after_response import run_after_response

if TYPE_CHECKING:
    from pyramid.request import Request


@view_defaults(request_method=("GET", "POST"))
class PasswordResetViews(FormViews):
    @view_config(
        route_name="accounts.request-password-reset",
        renderer="accounts/request_password_reset.html",
    )
    def request_link(self) -> Any:
        request = self.request
        form = self.bind(RequestPasswordResetForm)
        context = {"form": form, "sent": False}
        page = self.page_unless_valid(form, context)
        if page is not None:
            return page
        limiter = request.find_service(RateLimiter, name="password-reset")
        value = form.username_or_email.data.strip()
        if not limiter.hit(request.client_addr) or not limiter.hit(value):
            form.form_errors.append("Too many password reset requests. Try again later.")
            return self.refuse(429, context)
        # The same answer, by the same path, whether or not the account exists: looking it up,
        # signing the link and rendering the email all happen after the response is sent, so
        # neither the answer nor its timing tells whether there is such an account.
        run_after_response(request, functools.partial(_send_reset_link, value=value))
        return {"form": form, "sent": True}

    @view_config(route_name="accounts.reset-password", renderer="accounts/reset_password.html")
    def reset_password(self) -> Any:
        request = self.request
        token = request.params.get("token", "")
        try:
            user = user_from_reset_token(request.settings, request.find_service(UserService), token)
        except TokenError as exc:
            return self.refuse(400, {"error": str(exc), "form": None, "token": ""})
        form = self.bind(ResetPasswordForm)
        context = {"error": None, "form": form, "token": token}
        if not self.posted:
            return context
        ok = form.validate()
        form.check_new_password(
            user.username,
            request.settings.password_min_length,
            request.find_service(BreachedPasswordChecker),
        )
        if not ok or form.new_password.errors:
            return self.refuse(400, context)
        request.find_service(UserService).update_password(user, form.new_password.data)
        record_event(request, user, EventTag.ACCOUNT_PASSWORD_RESET)
        account_emails.send_password_changed(request, user)
        request.session.flash("Your password has been reset. Log in with it now.", queue="success")
        return self.redirect("accounts.login")


def _send_reset_link(request: Request, value: str) -> None:
    """Email a reset link if ``value`` names an active account (username or email)."""
    users = request.find_service(UserService)
    user = users.get_user_by_username(value) or users.get_user_by_email(value)
    if user is not None and user.is_active:
        try:
            account_emails.send_password_reset(request, user)
        except EmailRateLimited:
            # Too many links went to this address already. Said to nobody (the answer was
            # already sent, the same whether or not the account exists).
            record_event(request, user, EventTag.ACCOUNT_PASSWORD_RESET_THROTTLED)
        else:
            record_event(request, user, EventTag.ACCOUNT_PASSWORD_RESET_REQUEST)
