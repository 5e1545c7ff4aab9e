"""/manage/account/: emails, password, and the security history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from warehouse_lite.accounts import emails as account_emails
from warehouse_lite.accounts.forms import AddEmailForm, ChangePasswordForm
from warehouse_lite.accounts.password_check import (
    TOO_MANY_PASSWORDS,
    PasswordCheck,
    check_current_password,
)
from warehouse_lite.accounts.passwords import BreachedPasswordChecker
from warehouse_lite.accounts.recent_auth import mark_recent_auth
from warehouse_lite.accounts.security_policy import SESSION_PASSWORD_DATE_KEY
from warehouse_lite.accounts.services import UserService
from warehouse_lite.authnz import Permissions
from warehouse_lite.events import record_event

if TYPE_CHECKING:
    from pyramid.request import Request

# Sections that other domains add to the account page (2FA, API tokens ...): each is
# (template name, callable(request) -> dict); the template sees that dict as ``panel``.
ACCOUNT_PANELS: list[tuple[str, Any]] = []


def account_context(request: Request, **forms: Any) -> dict[str, Any]:
    user = request.user
    users = request.find_service(UserService)
    context: dict[str, Any] = {
        "user": user,
        "events": users.recent_events(user),
        "add_email_form": forms.get("add_email_form") or AddEmailForm(),
        "change_password_form": forms.get("change_password_form") or ChangePasswordForm(),
    }
    context["panels"] = [(template, build(request)) for template, build in ACCOUNT_PANELS]
    return context


@view_config(
    route_name="manage.account",
    renderer="manage/account.html",
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="GET",
)
def manage_account(request: Request) -> dict[str, Any]:
    return account_context(request)


@view_config(
    route_name="manage.account.password",
    renderer="manage/account.html",
    permission=Permissions.ACCOUNT_MANAGE,
    request_method="POST",
)
def change_password(request: Request) -> Any:
    user = request.user
    users = request.find_service(UserService)
    form = ChangePasswordForm(request.POST)
    ok = form.validate()
    if form.password.data:
        # Rate-limited like the login form: a stolen session must not be a password oracle.
        checked = check_current_password(request, user, form.password.data)
        if checked is PasswordCheck.RATE_LIMITED:
            form.password.errors = [TOO_MANY_PASSWORDS]
            request.response.status = 429
            return account_context(request, change_password_form=form)
        if checked is PasswordCheck.WRONG:
            form.password.errors = ["The password is invalid. Try again."]
            ok = False
    settings = request.settings
    form.check_new_password(
        user.username, settings.password_min_length, request.find_service(BreachedPasswordChecker)
    )
    if not ok or form.new_password.errors:
        request.response.status = 400
        return account_context(request, change_password_form=form)
    users.update_password(user, form.new_password.data)
    # This session stays logged in; every other session of the user ends at its next request.
    request.session[SESSION_PASSWORD_DATE_KEY] = user.password_date.isoformat()
    mark_recent_auth(request)  # the current password was just given, as at a login
    request.session.rotate()
    record_event(request, user, "account:password:change")
    account_emails.send_password_changed(request, user)
    request.session.flash("Password updated. Other sessions have been logged out.", queue="success")
    return HTTPSeeOther(request.route_path("manage.account"))
