"""TwoFactorService: TOTP secrets and codes, recovery codes, and which methods a user has.

Security keys (WebAuthn) live in security_keys.py; this module holds what is shared.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import re
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyotp
import segno
from sqlalchemy import delete, func, select, update

from warehouse_lite import clock as clock_service
from warehouse_lite.accounts.two_factor.models import RecoveryCode, UserTOTP, WebAuthnCredential

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warehouse_lite.accounts.models import User

Clock = Callable[[], float]

TOTP_DIGITS = 6
TOTP_INTERVAL = 30
# One step either side: a phone clock a little fast or slow, or a code typed as it rolled over.
TOTP_VALID_WINDOW = 1
TOTP_SECRET_CHARS = 32  # base32: 32 characters = 160 bits, the RFC 4226 recommendation

RECOVERY_CODE_COUNT = 8
RECOVERY_CODE_BYTES = 10  # 80 bits each, shown as five groups of four hex digits

_TOTP_RE = re.compile(r"^[0-9]{6}$")
_RECOVERY_RE = re.compile(r"^[0-9a-f]{20}$")


class TwoFactorError(ValueError):
    """A second factor was refused; ``str(exc)`` is a message for the person."""


def _utc(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC)


def normalize_totp_code(value: str | None) -> str:
    """The six digits of a code as typed ("123 456" is fine); TwoFactorError if malformed."""
    code = re.sub(r"\s+", "", value or "")
    if not code:
        raise TwoFactorError("Enter the 6-digit code from your authentication application.")
    if not _TOTP_RE.match(code):
        raise TwoFactorError("The code must be exactly 6 digits. Try again.")
    return code


def normalize_recovery_code(value: str | None) -> str:
    """A recovery code without dashes or spaces, lowercase; TwoFactorError if malformed."""
    code = re.sub(r"[\s-]+", "", value or "").lower()
    if not code:
        raise TwoFactorError("Enter one of your recovery codes.")
    if not _RECOVERY_RE.match(code):
        raise TwoFactorError(
            "That is not a recovery code: they are 20 letters and digits (0-9, a-f), "
            "like 1a2b-3c4d-5e6f-7a8b-9c0d."
        )
    return code


def format_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_recovery_code(user_id: Any, code: str) -> str:
    """SHA-256 of a normalized code, salted with the user id (see RecoveryCode's docstring)."""
    digest = hashlib.sha256()
    digest.update(b"warehouse_lite recovery code\x00")
    digest.update(user_id.bytes)
    digest.update(code.encode("ascii"))
    return digest.hexdigest()


def totp_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans (issuer = site name, account = username)."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL).provisioning_uri(
        name=username, issuer_name=issuer
    )


def qr_svg(data: str) -> str:
    """``data`` as a QR code: a standalone SVG document (served as image/svg+xml, so it
    needs its XML namespace, which segno's svg_inline() leaves out)."""
    qr = segno.make(data, error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=5, border=2, dark="#000", light="#fff", xmldecl=True)
    return out.getvalue().decode("utf-8")


class TwoFactorService:
    """Reads and changes a user's TOTP application and recovery codes.

    ``clock`` returns the current Unix time; the app passes its Clock service's, which tests
    replace instead of patching time.
    """

    def __init__(self, db: Session, clock: Clock = time.time) -> None:
        self.db = db
        self.clock = clock

    # ---- which methods ---------------------------------------------------------------------

    def get_totp(self, user: User) -> UserTOTP | None:
        return self.db.get(UserTOTP, user.id)

    def has_totp(self, user: User) -> bool:
        return self.get_totp(user) is not None

    def webauthn_credentials(self, user: User) -> list[WebAuthnCredential]:
        return list(
            self.db.scalars(
                select(WebAuthnCredential)
                .where(WebAuthnCredential.user_id == user.id)
                .order_by(WebAuthnCredential.created, WebAuthnCredential.label)
            )
        )

    def has_webauthn(self, user: User) -> bool:
        found = self.db.scalar(
            select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id).limit(1)
        )
        return found is not None

    def has_two_factor(self, user: User) -> bool:
        """True when the user has a TOTP application or a security key (recovery codes alone
        are not a second factor: they are the way back when the others are lost)."""
        return self.has_totp(user) or self.has_webauthn(user)

    # ---- TOTP ------------------------------------------------------------------------------

    @staticmethod
    def new_totp_secret() -> str:
        return pyotp.random_base32(length=TOTP_SECRET_CHARS)

    def current_step(self) -> int:
        return int(self.clock() // TOTP_INTERVAL)

    def match_totp(self, secret: str, value: str | None, *, after_step: int | None = None) -> int:
        """The time step ``value`` is the code of, within the drift window and later than
        ``after_step``; TwoFactorError otherwise."""
        code = normalize_totp_code(value)
        totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
        now = self.current_step()
        matched = None
        for step in range(now - TOTP_VALID_WINDOW, now + TOTP_VALID_WINDOW + 1):
            # Compare every candidate (no early exit) so timing says nothing about which one.
            if hmac.compare_digest(totp.generate_otp(step), code):
                matched = step
        if matched is None:
            raise TwoFactorError("Invalid code: check your authentication application and retry.")
        if after_step is not None and matched <= after_step:
            raise TwoFactorError(
                "This code was already used. Wait for your application to show a new one."
            )
        return matched

    def enable_totp(self, user: User, secret: str, value: str | None) -> UserTOTP:
        """Save ``secret`` as the user's TOTP application once ``value`` proves it works."""
        if self.has_totp(user):
            raise TwoFactorError("An authentication application is already set up.")
        step = self.match_totp(secret, value)
        totp = UserTOTP(
            user_id=user.id, secret=secret, last_used_step=step, last_used=_utc(self.clock())
        )
        self.db.add(totp)
        self.db.flush()
        return totp

    def verify_totp(self, user: User, value: str | None) -> None:
        """Accept a login code once; TwoFactorError if wrong, malformed or replayed."""
        totp = self.get_totp(user)
        if totp is None:
            raise TwoFactorError("This account has no authentication application.")
        step = self.match_totp(totp.secret, value, after_step=totp.last_used_step)
        # Conditional update: of two requests racing with the same code only one wins.
        result: Any = self.db.execute(
            update(UserTOTP)
            .where(
                UserTOTP.user_id == user.id,
                (UserTOTP.last_used_step.is_(None)) | (UserTOTP.last_used_step < step),
            )
            .values(last_used_step=step, last_used=_utc(self.clock()))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise TwoFactorError(
                "This code was already used. Wait for your application to show a new one."
            )
        self.db.refresh(totp)

    def disable_totp(self, user: User) -> bool:
        totp = self.get_totp(user)
        if totp is None:
            return False
        self.db.delete(totp)
        self.db.flush()
        return True

    # ---- recovery codes --------------------------------------------------------------------

    def generate_recovery_codes(self, user: User) -> list[str]:
        """A fresh set of codes (formatted for display); every older code stops working."""
        self.db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        codes = [secrets.token_hex(RECOVERY_CODE_BYTES) for _ in range(RECOVERY_CODE_COUNT)]
        now = _utc(self.clock())
        for code in codes:
            self.db.add(
                RecoveryCode(
                    user_id=user.id, code_hash=hash_recovery_code(user.id, code), generated=now
                )
            )
        self.db.flush()
        return [format_recovery_code(code) for code in codes]

    def remaining_recovery_codes(self, user: User) -> int:
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(RecoveryCode)
                .where(RecoveryCode.user_id == user.id, RecoveryCode.burned.is_(None))
            )
            or 0
        )

    def has_recovery_codes(self, user: User) -> bool:
        """True if a set was generated (even if every code is used up)."""
        found = self.db.scalar(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id).limit(1)
        )
        return found is not None

    def use_recovery_code(self, user: User, value: str | None) -> int:
        """Burn one code; returns how many remain. TwoFactorError if malformed, unknown or used."""
        code = normalize_recovery_code(value)
        code_hash = hash_recovery_code(user.id, code)
        result: Any = self.db.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == code_hash,
                RecoveryCode.burned.is_(None),
            )
            .values(burned=_utc(self.clock()))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            used = self.db.scalar(
                select(RecoveryCode.id).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.code_hash == code_hash
                )
            )
            if used is not None:
                raise TwoFactorError("This recovery code was already used. Try another one.")
            raise TwoFactorError("Invalid recovery code. Check it and try again.")
        return self.remaining_recovery_codes(user)

    def void_recovery_codes(self, user: User) -> int:
        result: Any = self.db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        return int(result.rowcount or 0)


def two_factor_service_factory(context: object, request: Any) -> TwoFactorService:
    clock = request.find_service(clock_service.Clock).time
    return TwoFactorService(request.db, clock)
