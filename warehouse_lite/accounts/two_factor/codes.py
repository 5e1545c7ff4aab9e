"""TOTP and recovery codes as values: parsing what a person typed, hashing, display.

No database here: TwoFactorService (services.py) stores and checks them, and security_keys.py
shares TwoFactorError.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from typing import Any

import pyotp
import segno

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


def normalize_totp_code(value: str | None) -> str:
    """The six digits of a code as typed ("123 456" is fine); TwoFactorError if malformed."""
    code = re.sub(r"\s+", "", value or "")
    if not code:
        raise TwoFactorError("Enter the 6-digit code from your authentication application.")
    if not _TOTP_RE.match(code):
        raise TwoFactorError("The code must be exactly 6 digits. Try again.")
    return code


def new_totp_secret() -> str:
    return pyotp.random_base32(length=TOTP_SECRET_CHARS)


def match_totp_step(
    secret: str, value: str | None, now_step: int, *, after_step: int | None = None
) -> int:
    """The time step ``value`` is the code of, within the drift window around ``now_step``
    and later than ``after_step``; TwoFactorError otherwise."""
    code = normalize_totp_code(value)
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    matched = None
    for step in range(now_step - TOTP_VALID_WINDOW, now_step + TOTP_VALID_WINDOW + 1):
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
