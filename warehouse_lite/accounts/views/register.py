"""Register an account, and verify an email address through the link sent to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.exc import IntegrityError

from warehouse_lite.accounts import emails as account_emails
from warehouse_lite.accounts.forms import RegistrationForm
from warehouse_lite.accounts.login import complete_login
from warehouse_lite.accounts.passwords import BreachedPasswordChecker
from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.tokens import TokenError, email_from_verification_token
from warehouse_lite.accounts.views.base import FormViews
from warehouse_lite.email import throttle
from warehouse_lite.events import record_event
from warehouse_lite.events.tags import EventTag

if TYPE_CHECKING:
    from pyramid.request import Request


class RegisterViews(FormViews):
    @view_config(
        route_name="accounts.register",
        renderer="accounts/register.html",
        request_method=("GET", "POST"),
    )
    def register(self) -> Any:
        request = self.request
        if request.identity is not None:
            return self.redirect("manage.account")
        form = self.bind(RegistrationForm)
        context = {"form": form}
        if not self.posted:
            return context
        users = request.find_service(UserService)
        settings = request.settings
        breached = request.find_service(BreachedPasswordChecker)
        if not form.check_against(users, settings.password_min_length, breached):
            return self.refuse(400, context)
        limited = throttle.refusal(request, form.email.data)
        if limited is not None:
            form.email.errors = [str(limited)]
            return self.refuse(429, context)
        try:
            # A savepoint: a concurrent registration of the same name or address fails here
            # with a form error instead of a 500 at commit.
            with request.db.begin_nested():
                user = users.create_user(
                    form.username.data.strip(),
                    (form.full_name.data or "").strip(),
                    form.new_password.data,
                    form.email.data,
                )
        except IntegrityError:
            form.username.errors = [
                "This username or email address was just taken by another account."
            ]
            return self.refuse(400, context)
        record_event(request, user, EventTag.ACCOUNT_CREATE, email=form.email.data)
        assert user.primary_email is not None
        account_emails.send_verification(request, user, user.primary_email)
        location = complete_login(request, user, method="registration")
        request.session.flash(
            f"Welcome, {user.username}! We sent a link to {form.email.data}: follow it to "
            "verify your address.",
            queue="success",
        )
        return HTTPSeeOther(location)


@view_config(route_name="accounts.verify-email", renderer="accounts/verify_email.html")
def verify_email(request: Request) -> Any:
    users = request.find_service(UserService)
    try:
        email = email_from_verification_token(
            request.settings, users, request.params.get("token", "")
        )
    except TokenError as exc:
        request.response.status = 400
        return {"error": str(exc), "email": None}
    email.verified = True
    record_event(request, email.user, EventTag.ACCOUNT_EMAIL_VERIFIED, email=email.email)
    if not any(e.primary and e.verified for e in email.user.emails):
        users.make_primary(email.user, email)
    request.session.flash(f"Email address {email.email} verified.", queue="success")
    return {"error": None, "email": email}
