"""Signed, expiring links for email verification and password reset.

A link carries a signed payload that binds it to the state it may change, so it dies by itself
once used: a verification link names the address and is refused once that address is verified;
a reset link carries the user's password_date and last_login, both of which change when used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import Email, User
    from warehouse_lite.accounts.services import UserService
    from warehouse_lite.settings import Settings


class TokenError(ValueError):
    """A link that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class TokenSigner:
    """Signs and checks the payload of one kind of link (``purpose`` keeps kinds apart)."""

    secret: str
    purpose: str
    max_age: int

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=f"warehouse_lite.{self.purpose}")

    def dumps(self, payload: dict[str, Any]) -> str:
        return str(self._serializer().dumps({**payload, "action": self.purpose}))

    def loads(self, token: str) -> dict[str, Any]:
        try:
            payload = self._serializer().loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise TokenError("Expired token: request a new link.") from None
        except BadSignature:
            raise TokenError("Invalid token: the link is damaged or was not issued here.") from None
        if not isinstance(payload, dict) or payload.get("action") != self.purpose:
            raise TokenError("Invalid token: this link is for something else.")
        return payload


# ---- the two kinds of link -------------------------------------------------------------------

EMAIL_VERIFY = "email-verify"
PASSWORD_RESET = "password-reset"


def signer(settings: Settings, purpose: str) -> TokenSigner:
    """The signer of ``purpose`` (EMAIL_VERIFY or PASSWORD_RESET) with its lifetime."""
    max_age = (
        settings.email_verify_max_age
        if purpose == EMAIL_VERIFY
        else settings.password_reset_max_age
    )
    return TokenSigner(settings.token_secret, purpose, max_age)


def verification_token(settings: Settings, email: Email) -> str:
    """The token of a link that verifies ``email``."""
    return signer(settings, EMAIL_VERIFY).dumps({"email.id": str(email.id), "email": email.email})


def email_from_verification_token(settings: Settings, users: UserService, token: str) -> Email:
    """The Email a verification link is for; TokenError if it cannot be used (any more)."""
    payload = signer(settings, EMAIL_VERIFY).loads(token)
    email = users.get_email(str(payload.get("email", "")))
    if email is None or str(email.id) != payload.get("email.id"):
        raise TokenError("Invalid token: this email address is no longer on any account.")
    if email.verified:
        raise TokenError("This link was already used: the address is verified.")
    return email


def _last_login(user: User) -> str | None:
    return user.last_login.isoformat() if user.last_login else None


def reset_token(settings: Settings, user: User) -> str:
    """The token of a password reset link for ``user``: it dies once the password changes or
    the user logs in."""
    return signer(settings, PASSWORD_RESET).dumps(
        {
            "user.id": str(user.id),
            "user.password_date": user.password_date.isoformat(),
            "user.last_login": _last_login(user),
        }
    )


def user_from_reset_token(settings: Settings, users: UserService, token: str) -> User:
    """The User a reset link is for; TokenError if it cannot be used (any more)."""
    payload = signer(settings, PASSWORD_RESET).loads(token)
    user = users.get_user(payload.get("user.id"))
    if user is None:
        raise TokenError("Invalid token: no such user.")
    if payload.get("user.password_date") != user.password_date.isoformat() or payload.get(
        "user.last_login"
    ) != _last_login(user):
        raise TokenError(
            "This link was already used or the password has changed since: request a new one."
        )
    return user
