"""WebAuthnService: register security keys and check their assertions, with py_webauthn.

Challenges are created here; the views keep them in challenges.py, which hands each one out
to the first response that arrives (whatever the outcome) and to no other, so every challenge
is single-use even when answers race.
"""

from __future__ import annotations

import binascii
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import webauthn
from sqlalchemy import select
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from warehouse_lite.accounts.two_factor.codes import TwoFactorError
from warehouse_lite.accounts.two_factor.models import WebAuthnCredential
from warehouse_lite.db import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warehouse_lite.accounts.models import User
    from warehouse_lite.settings import Settings

LABEL_MAX_LENGTH = 64
# The browser gives the person this long to touch the key (a hint; browsers may cap it).
CEREMONY_TIMEOUT_MS = 120_000


class SignCountError(TwoFactorError):
    """The key reported a signature counter lower than (or equal to) the one we stored: a sign
    that the key was cloned. Refused, and worth an event in the security history."""

    def __init__(self, credential: WebAuthnCredential, reported: int) -> None:
        super().__init__(
            f"The security key {credential.label!r} reported a signature counter ({reported}) "
            f"that is not above the last one seen ({credential.sign_count}). It may have been "
            "cloned, so it was refused. Use another method and consider removing this key."
        )
        self.credential = credential
        self.reported = reported


@dataclass(frozen=True)
class Ceremony:
    """Options for navigator.credentials (JSON for the browser) and the challenge to keep."""

    options_json: str
    challenge: str  # base64url

    @property
    def options(self) -> dict[str, Any]:
        return dict(json.loads(self.options_json))


def _b64decode(value: str) -> bytes:
    return webauthn.base64url_to_bytes(value)


def _parse_credential(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise TwoFactorError("The security key's response is not valid JSON.") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise TwoFactorError("The security key's response is missing or malformed.")
    return raw


def check_label(label: str | None) -> str:
    """A key name as the user typed it, trimmed; TwoFactorError if unusable."""
    label = (label or "").strip()
    if not label:
        raise TwoFactorError("Give the security key a name, so you can tell your keys apart.")
    if len(label) > LABEL_MAX_LENGTH:
        raise TwoFactorError(f"The key name must be at most {LABEL_MAX_LENGTH} characters.")
    if any(ord(c) < 32 or c in "<>" for c in label):
        raise TwoFactorError("The key name contains characters that are not allowed.")
    return label


class WebAuthnService:
    """Security keys of users: relying party = this site (Settings.domain / site_name / origin)."""

    def __init__(self, db: Session, settings: Settings) -> None:
        self.db = db
        self.rp_id = settings.domain
        self.rp_name = settings.site_name
        self.origin = settings.origin

    # ---- queries ---------------------------------------------------------------------------

    def credentials(self, user: User) -> list[WebAuthnCredential]:
        return list(
            self.db.scalars(
                select(WebAuthnCredential)
                .where(WebAuthnCredential.user_id == user.id)
                .order_by(WebAuthnCredential.created, WebAuthnCredential.label)
            )
        )

    def get(self, user: User, credential_row_id: str | None) -> WebAuthnCredential | None:
        """The user's key with that row id (another user's key is None, like a missing one)."""
        try:
            key = uuid.UUID(str(credential_row_id))
        except ValueError:
            return None
        found = self.db.get(WebAuthnCredential, key)
        return found if found is not None and found.user_id == user.id else None

    def label_taken(self, user: User, label: str) -> bool:
        return any(c.label.lower() == label.lower() for c in self.credentials(user))

    def _descriptors(self, user: User) -> list[PublicKeyCredentialDescriptor]:
        descriptors = []
        for cred in self.credentials(user):
            transports = []
            for name in cred.transports or []:
                try:
                    transports.append(AuthenticatorTransport(name))
                except ValueError:
                    continue
            descriptors.append(
                PublicKeyCredentialDescriptor(
                    id=_b64decode(cred.credential_id), transports=transports or None
                )
            )
        return descriptors

    def _verify(
        self,
        verify: Callable[..., Any],
        failure: str,
        credential: dict[str, Any],
        challenge: str,
        **extra: Any,
    ) -> Any:
        """Run py_webauthn's ``verify`` against this relying party and ``challenge``; whatever
        it raises becomes a TwoFactorError that starts with ``failure``."""
        try:
            return verify(
                credential=credential,
                expected_challenge=_b64decode(challenge),
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
                require_user_verification=False,
                **extra,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError, binascii.Error) as exc:
            raise TwoFactorError(f"{failure}: {exc}") from None

    # ---- registration ----------------------------------------------------------------------

    def registration_options(self, user: User) -> Ceremony:
        options = webauthn.generate_registration_options(
            rp_id=self.rp_id,
            rp_name=self.rp_name,
            user_id=user.id.bytes,
            user_name=user.username,
            user_display_name=user.name or user.username,
            timeout=CEREMONY_TIMEOUT_MS,
            exclude_credentials=self._descriptors(user),
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.DISCOURAGED,
                user_verification=UserVerificationRequirement.DISCOURAGED,
            ),
        )
        return Ceremony(webauthn.options_to_json(options), bytes_to_base64url(options.challenge))

    def register(
        self, user: User, raw_credential: Any, challenge: str | None, label: str | None
    ) -> WebAuthnCredential:
        """Verify a navigator.credentials.create() response and save the key as ``label``."""
        label = check_label(label)
        if self.label_taken(user, label):
            raise TwoFactorError(f"You already have a security key named {label!r}.")
        if not challenge:
            raise TwoFactorError(
                "No security key registration is in progress (or it was already used): "
                "reload the page and try again."
            )
        credential = _parse_credential(raw_credential)
        verified = self._verify(
            webauthn.verify_registration_response,
            "The security key could not be registered",
            credential,
            challenge,
        )
        credential_id = bytes_to_base64url(verified.credential_id)
        exists = self.db.scalar(
            select(WebAuthnCredential).where(WebAuthnCredential.credential_id == credential_id)
        )
        if exists is not None:
            raise TwoFactorError("This security key is already registered.")
        transports = credential.get("response", {}).get("transports")
        row = WebAuthnCredential(
            user_id=user.id,
            label=label,
            credential_id=credential_id,
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            transports=[t for t in transports if isinstance(t, str)][:8]
            if isinstance(transports, list)
            else None,
        )
        self.db.add(row)
        self.db.flush()
        return row

    # ---- authentication --------------------------------------------------------------------

    def authentication_options(self, user: User) -> Ceremony:
        options = webauthn.generate_authentication_options(
            rp_id=self.rp_id,
            timeout=CEREMONY_TIMEOUT_MS,
            allow_credentials=self._descriptors(user),
            user_verification=UserVerificationRequirement.DISCOURAGED,
        )
        return Ceremony(webauthn.options_to_json(options), bytes_to_base64url(options.challenge))

    def authenticate(
        self, user: User, raw_credential: Any, challenge: str | None
    ) -> WebAuthnCredential:
        """Verify a navigator.credentials.get() response by one of ``user``'s keys.

        Raises SignCountError when the key's counter went backwards (the caller records it).
        """
        if not challenge:
            raise TwoFactorError(
                "No security key login is in progress (or it was already used): "
                "reload the page and try again."
            )
        credential = _parse_credential(raw_credential)
        row = self.db.scalar(
            select(WebAuthnCredential).where(
                WebAuthnCredential.user_id == user.id,
                WebAuthnCredential.credential_id == credential["id"],
            )
        )
        if row is None:
            raise TwoFactorError("This security key is not registered to this account.")
        verified = self._verify(
            webauthn.verify_authentication_response,
            "The security key could not be verified",
            credential,
            challenge,
            credential_public_key=_b64decode(row.public_key),
            # Zero here: the library would refuse a low counter with a generic message;
            # we check the counter below, after the signature, to record it precisely.
            credential_current_sign_count=0,
        )
        new_count = verified.new_sign_count
        # Keys that do not count always report 0; any key that counts must go strictly up.
        if (new_count or row.sign_count) and new_count <= row.sign_count:
            raise SignCountError(row, new_count)
        row.sign_count = new_count
        row.last_used = utcnow()
        self.db.flush()
        return row

    def delete(self, credential: WebAuthnCredential) -> None:
        self.db.delete(credential)
        self.db.flush()


def webauthn_service_factory(context: object, request: Any) -> WebAuthnService:
    return WebAuthnService(request.db, request.settings)
