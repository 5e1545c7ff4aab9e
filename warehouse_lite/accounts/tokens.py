"""Signed, expiring links for email verification and password reset.

A link carries a signed payload that binds it to the state it may change, so it dies by itself
once used: a verification link names the address and is refused once that address is verified;
a reset link carries the user's password_date and last_login, both of which change when used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


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
