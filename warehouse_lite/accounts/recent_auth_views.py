"""/account/confirm-password/: the password confirmation of sudo mode (see recent_auth.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from wtforms import HiddenField, PasswordField, validators

from warehouse_lite.accounts.login import safe_next
from warehouse_lite.accounts.password_check import (
    TOO_MANY_PASSWORDS,
    PasswordCheck,
    check_current_password,
)
from warehouse_lite.accounts.recent_auth import mark_recent_auth
from warehouse_lite.authnz import Permissions
from warehouse_lite.events import record_event
from warehouse_lite.forms import Form
from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from pyramid.request import Request


class ConfirmPasswordForm(Form):
    password = PasswordField(
        "Password", [validators.InputRequired(message="Enter your password to continue.")]
    )
    next = HiddenField()


@view_config(
    route_name="accounts.confirm-password",
    renderer="accounts/confirm_password.html",
    request_method=("GET", "POST"),
    permission=Permissions.ACCOUNT_MANAGE,
)
def confirm_password(request: Request) -> Any:
    form = ConfirmPasswordForm(request.POST if request.method == "POST" else None)
    # Only a path of this site: anything else (another host, //host, a scheme) becomes the
    # account page, so the form cannot be used to send someone elsewhere.
    form.next.data = safe_next(request, request.params.get("next"))
    context = {
        "form": form,
        "minutes": request.settings.reauth_max_age // 60,
    }
    if request.method == "GET":
        return context
    if not form.validate():
        request.response.status = 400
        return context
    user = request.user
    checked = check_current_password(request, user, form.password.data)
    if checked is PasswordCheck.RATE_LIMITED:
        request.response.status = 429
        form.password.errors = [TOO_MANY_PASSWORDS]
        return context
    if checked is PasswordCheck.WRONG:
        record_event(request, user, "account:reauthenticate:failure")
        request.response.status = 400
        form.password.errors = ["The password is not correct. Try again."]
        return context
    mark_recent_auth(request)
    request.find_service(RateLimiter, name="login.user").clear(user.username)
    request.session.flash("Password confirmed.", queue="success")
    return HTTPSeeOther(form.next.data)
