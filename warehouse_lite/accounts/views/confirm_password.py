"""/account/confirm-password/: the password confirmation of sudo mode (see recent_auth.py)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config, view_defaults

from warehouse_lite.accounts.forms import ConfirmPasswordForm
from warehouse_lite.accounts.login import safe_next
from warehouse_lite.accounts.password_check import (
    TOO_MANY_PASSWORDS,
    PasswordCheck,
    check_current_password,
)
from warehouse_lite.accounts.recent_auth import mark_recent_auth
from warehouse_lite.accounts.views.base import FormViews
from warehouse_lite.authnz import Permissions
from warehouse_lite.events import record_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.ratelimit import RateLimiter


@view_defaults(
    route_name="accounts.confirm-password",
    renderer="accounts/confirm_password.html",
    permission=Permissions.ACCOUNT_MANAGE,
)
class ConfirmPasswordViews(FormViews):
    @view_config(request_method=("GET", "POST"))
    def confirm_password(self) -> Any:
        request = self.request
        form = self.bind(ConfirmPasswordForm)
        # Only a path of this site: anything else (another host, //host, a scheme) becomes the
        # account page, so the form cannot be used to send someone elsewhere.
        form.next.data = safe_next(request, request.params.get("next"))
        context = {"form": form, "minutes": request.settings.reauth_max_age // 60}
        page = self.page_unless_valid(form, context)
        if page is not None:
            return page
        user = request.user
        checked = check_current_password(request, user, form.password.data)
        if checked is PasswordCheck.RATE_LIMITED:
            form.password.errors = [TOO_MANY_PASSWORDS]
            return self.refuse(429, context)
        if checked is PasswordCheck.WRONG:
            record_event(request, user, EventTag.ACCOUNT_REAUTHENTICATE_FAILURE)
            form.password.errors = ["The password is not correct. Try again."]
            return self.refuse(400, context)
        mark_recent_auth(request)
        request.find_service(RateLimiter, name="login.user").clear(user.username)
        request.session.flash("Password confirmed.", queue="success")
        return HTTPSeeOther(form.next.data)
