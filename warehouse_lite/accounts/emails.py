"""Emails of the account lifecycle (verification, password reset and change, primary address).

The signed links they carry are made in tokens.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.accounts import tokens
from warehouse_lite.email import send_email

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import Email, User


def send_verification(request: Request, user: User, email: Email) -> None:
    token = tokens.verification_token(request.settings, email)
    link = request.route_url("accounts.verify-email", _query={"token": token})
    send_email(
        request,
        "verify-email",
        email.email,
        context={"user": user, "link": link, "email": email.email},
        requested=True,
    )


def send_password_reset(request: Request, user: User) -> None:
    token = tokens.reset_token(request.settings, user)
    link = request.route_url("accounts.reset-password", _query={"token": token})
    send_email(request, "password-reset", user, context={"link": link}, requested=True)


def send_password_changed(request: Request, user: User) -> None:
    send_email(request, "password-change", user)


def send_primary_email_changed(request: Request, user: User, old: str, new: str) -> None:
    send_email(
        request,
        "primary-email-change",
        old,
        context={"user": user, "old_email": old, "new_email": new},
    )
