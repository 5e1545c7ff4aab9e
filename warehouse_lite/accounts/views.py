"""Register, log in, log out and verify an email address."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget
from pyramid.view import view_config
from sqlalchemy.exc import IntegrityError

from warehouse_lite.accounts import emails as account_emails
from warehouse_lite.accounts.forms import LoginForm, RegistrationForm
from warehouse_lite.accounts.login import complete_login, safe_next, start_pending_login
from warehouse_lite.accounts.password_check import login_limit_key
from warehouse_lite.accounts.passwords import BreachedPasswordChecker
from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.tokens import TokenError
from warehouse_lite.email import throttle
from warehouse_lite.events import record_event
from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from pyramid.request import Request


@view_config(
    route_name="accounts.register",
    renderer="accounts/register.html",
    request_method=("GET", "POST"),
)
def register(request: Request) -> Any:
    if request.identity is not None:
        return HTTPSeeOther(request.route_path("manage.account"))
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        users = request.find_service(UserService)
        settings = request.settings
        breached = request.find_service(BreachedPasswordChecker)
        if form.check_against(users, settings.password_min_length, breached):
            limited = throttle.refusal(request, form.email.data)
            if limited is not None:
                form.email.errors = [str(limited)]
                request.response.status = 429
                return {"form": form}
            try:
                # A savepoint: a concurrent registration of the same name or address fails
                # here with a form error instead of a 500 at commit.
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
                request.response.status = 400
                return {"form": form}
            record_event(request, user, "account:create", email=form.email.data)
            assert user.primary_email is not None
            account_emails.send_verification(request, user, user.primary_email)
            location = complete_login(request, user, method="registration")
            request.session.flash(
                f"Welcome, {user.username}! We sent a link to {form.email.data}: follow it to "
                "verify your address.",
                queue="success",
            )
            return HTTPSeeOther(location)
        request.response.status = 400
    return {"form": form}


@view_config(
    route_name="accounts.login", renderer="accounts/login.html", request_method=("GET", "POST")
)
def login(request: Request) -> Any:
    next_url = request.params.get("next")
    if request.identity is not None:
        return HTTPSeeOther(safe_next(request, next_url))
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return {"form": form, "next": next_url}
    if not form.validate():
        request.response.status = 400
        return {"form": form, "next": next_url}
    users = request.find_service(UserService)
    login_user = request.find_service(RateLimiter, name="login.user")
    login_ip = request.find_service(RateLimiter, name="login.ip")
    username = form.username.data.strip()
    user = users.get_user_by_username(username) or users.get_user_by_email(username)
    limit_key = login_limit_key(user, username)
    if not login_user.test(limit_key) or not login_ip.test(request.client_addr):
        request.response.status = 429
        form.form_errors.append(
            "There have been too many unsuccessful login attempts. Try again later."
        )
        return {"form": form, "next": next_url}
    if not users.check_password(user, form.password.data) or user is None:
        login_user.hit(limit_key)
        login_ip.hit(request.client_addr)
        if user is not None:
            record_event(request, user, "account:login:failure", reason="password")
        request.response.status = 400
        form.form_errors.append("The username or password is not correct.")
        return {"form": form, "next": next_url}
    if not user.is_active:
        request.response.status = 403
        form.form_errors.append("This account is disabled. Contact the administrators.")
        return {"form": form, "next": next_url}
    if users.has_two_factor(user):
        start_pending_login(request, user, next_url)
        return HTTPSeeOther(request.route_path("accounts.two-factor"))
    return HTTPSeeOther(complete_login(request, user, method="password", next_url=next_url))


@view_config(route_name="accounts.logout", renderer="accounts/logout.html", request_method="GET")
def logout_confirm(request: Request) -> Any:
    return {}


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request: Request) -> Any:
    headers = forget(request)
    request.session.flash("You are now logged out.", queue="success")
    return HTTPSeeOther(request.route_path("index"), headers=headers)


@view_config(route_name="accounts.verify-email", renderer="accounts/verify_email.html")
def verify_email(request: Request) -> Any:
    users = request.find_service(UserService)
    try:
        email = account_emails.email_from_verification_token(
            request, request.params.get("token", "")
        )
    except TokenError as exc:
        request.response.status = 400
        return {"error": str(exc), "email": None}
    email.verified = True
    record_event(request, email.user, "account:email:verified", email=email.email)
    if not any(e.primary and e.verified for e in email.user.emails):
        users.make_primary(email.user, email)
    request.session.flash(f"Email address {email.email} verified.", queue="success")
    return {"error": None, "email": email}
