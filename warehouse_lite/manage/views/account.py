"""/manage/account/: the account page (emails, password, the security history, and the
sections about API tokens and second factors) and changing the password."""

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
from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.two_factor.views.settings import two_factor_panel
from warehouse_lite.authnz import Permissions
from warehouse_lite.events import record_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.macaroons.views import account_panel as tokens_panel
from warehouse_lite.sessions.keys import SESSION_PASSWORD_DATE_KEY

if TYPE_CHECKING:
    from pyramid.request import Request


# The account page's sections from other domains, in page order: (template, callable(request)
# -> dict that the template sees as ``panel``). manage/ owns the page, so it names them.
ACCOUNT_PANELS = (
    ("macaroons/account_panel.html", tokens_panel),
    ("manage/_two_factor.html", two_factor_panel),
)

# view_config arguments of the views whose answer is the account page.
ACCOUNT_PAGE = {"renderer": "manage/account.html", "permission": Permissions.ACCOUNT_MANAGE}


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


def refuse_account(request: Request, status: int, **forms: Any) -> dict[str, Any]:
    """The account page again, showing ``forms`` (with their errors), answered with
    ``status``."""
    request.response.status = status
    return account_context(request, **forms)


@view_config(route_name="manage.account", request_method="GET", **ACCOUNT_PAGE)
def manage_account(request: Request) -> dict[str, Any]:
    return account_context(request)


@view_config(route_name="manage.account.password", request_method="POST", **ACCOUNT_PAGE)
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
            return refuse_account(request, 429, change_password_form=form)
        if checked is PasswordCheck.WRONG:
            form.password.errors = ["The password is invalid. Try again."]
            ok = False
    settings = request.settings
    form.check_new_password(
        user.username, settings.password_min_length, request.find_service(BreachedPasswordChecker)
    )
    if not ok or form.new_password.errors:
        return refuse_account(request, 400, change_password_form=form)
    users.update_password(user, form.new_password.data)
    # This session stays logged in; every other session of the user ends at its next request.
    request.session[SESSION_PASSWORD_DATE_KEY] = user.password_date.isoformat()
    mark_recent_auth(request)  # the current password was just given, as at a login
    request.session.rotate()
    record_event(request, user, EventTag.ACCOUNT_PASSWORD_CHANGE)
    account_emails.send_password_changed(request, user)
    request.session.flash("Password updated. Other sessions have been logged out.", queue="success")
    return HTTPSeeOther(request.route_path("manage.account"))
