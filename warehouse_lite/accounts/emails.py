"""Emails of the account lifecycle and the signed links they carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.tokens import TokenError, TokenSigner
from warehouse_lite.email import send_email

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import Email, User


def _signer(request: Request, purpose: str) -> TokenSigner:
    settings = request.settings
    max_age = (
        settings.email_verify_max_age
        if purpose == "email-verify"
        else settings.password_reset_max_age
    )
    return TokenSigner(settings.token_secret, purpose, max_age)


def send_verification(request: Request, user: User, email: Email) -> None:
    token = _signer(request, "email-verify").dumps(
        {"email.id": str(email.id), "email": email.email}
    )
    link = request.route_url("accounts.verify-email", _query={"token": token})
    send_email(
        request,
        "verify-email",
        email.email,
        context={"user": user, "link": link, "email": email.email},
        requested=True,
    )


def email_from_verification_token(request: Request, token: str) -> Email:
    """The Email a verification link is for; TokenError if it cannot be used (any more)."""
    payload = _signer(request, "email-verify").loads(token)
    users = request.find_service(UserService)
    email = users.get_email(str(payload.get("email", "")))
    if email is None or str(email.id) != payload.get("email.id"):
        raise TokenError("Invalid token: this email address is no longer on any account.")
    if email.verified:
        raise TokenError("This link was already used: the address is verified.")
    return email


def send_password_reset(request: Request, user: User) -> None:
    token = _signer(request, "password-reset").dumps(
        {
            "user.id": str(user.id),
            "user.password_date": user.password_date.isoformat(),
            "user.last_login": user.last_login.isoformat() if user.last_login else None,
        }
    )
    link = request.route_url("accounts.reset-password", _query={"token": token})
    send_email(request, "password-reset", user, context={"link": link}, requested=True)


def user_from_reset_token(request: Request, token: str) -> User:
    payload = _signer(request, "password-reset").loads(token)
    user = request.find_service(UserService).get_user(payload.get("user.id"))
    if user is None:
        raise TokenError("Invalid token: no such user.")
    last_login = user.last_login.isoformat() if user.last_login else None
    if (
        payload.get("user.password_date") != user.password_date.isoformat()
        or payload.get("user.last_login") != last_login
    ):
        raise TokenError(
            "This link was already used or the password has changed since: request a new one."
        )
    return user


def send_password_changed(request: Request, user: User) -> None:
    send_email(request, "password-change", user)


def send_primary_email_changed(request: Request, user: User, old: str, new: str) -> None:
    send_email(
        request,
        "primary-email-change",
        old,
        context={"user": user, "old_email": old, "new_email": new},
    )
