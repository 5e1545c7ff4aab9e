"""Log in (the password step; the second step is in two_factor/views/login.py) and log out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget
from pyramid.view import view_config, view_defaults

from warehouse_lite.accounts.forms import LoginForm
from warehouse_lite.accounts.login import complete_login, safe_next, start_pending_login
from warehouse_lite.accounts.password_check import (
    PasswordCheck,
    check_current_password,
    login_limits,
)
from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.views.base import FormViews
from warehouse_lite.events import record_event
from warehouse_lite.events.tags import EventTag

if TYPE_CHECKING:
    from pyramid.request import Request


@view_defaults(route_name="accounts.login", renderer="accounts/login.html")
class LoginViews(FormViews):
    @view_config(request_method=("GET", "POST"))
    def login(self) -> Any:
        request = self.request
        next_url = request.params.get("next")
        if request.identity is not None:
            return HTTPSeeOther(safe_next(request, next_url))
        form = self.bind(LoginForm)
        context = {"form": form, "next": next_url}
        page = self.page_unless_valid(form, context)
        if page is not None:
            return page
        users = request.find_service(UserService)
        username = form.username.data.strip()
        user = users.get_user_by_username(username) or users.get_user_by_email(username)
        checked = check_current_password(
            request, user, form.password.data, limits=login_limits(request, user, username)
        )
        if checked is PasswordCheck.RATE_LIMITED:
            form.form_errors.append(
                "There have been too many unsuccessful login attempts. Try again later."
            )
            return self.refuse(429, context)
        if checked is PasswordCheck.WRONG or user is None:
            if user is not None:
                record_event(request, user, EventTag.ACCOUNT_LOGIN_FAILURE, reason="password")
            form.form_errors.append("The username or password is not correct.")
            return self.refuse(400, context)
        if not user.is_active:
            form.form_errors.append("This account is disabled. Contact the administrators.")
            return self.refuse(403, context)
        if users.has_two_factor(user):
            start_pending_login(request, user, next_url)
            return self.redirect("accounts.two-factor")
        return HTTPSeeOther(complete_login(request, user, method="password", next_url=next_url))


@view_config(route_name="accounts.logout", renderer="accounts/logout.html", request_method="GET")
def logout_confirm(request: Request) -> Any:
    return {}


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request: Request) -> Any:
    headers = forget(request)
    request.session.flash("You are now logged out.", queue="success")
    return HTTPSeeOther(request.route_path("index"), headers=headers)
