"""TwoFactorService: which second factors a user has, and every change to them.

Values (parsing, hashing, QR codes) are in codes.py, WebAuthn ceremonies in security_keys.py.
Each change made for a person takes an Actor, records its event and sends its email here,
whoever calls it (the account pages, the admin area, the CLI).
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, func, select, update

from warehouse_lite import clock as clock_service
from warehouse_lite.accounts.two_factor import codes, emails
from warehouse_lite.accounts.two_factor.codes import (
    RECOVERY_CODE_BYTES,
    RECOVERY_CODE_COUNT,
    TOTP_INTERVAL,
    TwoFactorError,
    format_recovery_code,
    hash_recovery_code,
    match_totp_step,
    normalize_recovery_code,
)
from warehouse_lite.accounts.two_factor.models import RecoveryCode, UserTOTP, WebAuthnCredential
from warehouse_lite.accounts.two_factor.security_keys import SignCountError, WebAuthnService
from warehouse_lite.email import Mailer
from warehouse_lite.events import add_user_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.ratelimit import RateLimiter

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warehouse_lite.accounts.models import User
    from warehouse_lite.events.actor import Actor

Clock = Callable[[], float]
T = TypeVar("T")
TOTP_LABEL = "Authentication application"  # the label of a TOTP in events and emails


def _utc(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC)


class TwoFactorService:
    """A user's second factors: which they have, their TOTP and recovery codes, and every
    change to them (security keys through WebAuthnService).

    ``clock`` returns the current Unix time; the app passes its Clock service's, which tests
    replace with a clock they advance. Built with the database
    alone (tests, factories) it reads and stores; the changes made for a person also need
    the collaborators that two_factor_service_factory gives.
    """

    def __init__(
        self,
        db: Session,
        clock: Clock = time.time,
        *,
        keys: WebAuthnService | None = None,
        mailer: Mailer | None = None,
        failures: RateLimiter | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        # Needed only by the changes made for a person (the factory gives all three).
        self.keys = keys
        self.mailer = mailer
        self.failures = failures  # the per-user 2FA attempt limiter, cleared by reset()

    # ---- which methods ---------------------------------------------------------------------

    def get_totp(self, user: User) -> UserTOTP | None:
        return self.db.get(UserTOTP, user.id)

    def has_totp(self, user: User) -> bool:
        return self.get_totp(user) is not None

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

    new_totp_secret = staticmethod(codes.new_totp_secret)

    def current_step(self) -> int:
        return int(self.clock() // TOTP_INTERVAL)

    def match_totp(self, secret: str, value: str | None, *, after_step: int | None = None) -> int:
        """The time step ``value`` is the code of now (see codes.match_totp_step)."""
        return match_totp_step(secret, value, self.current_step(), after_step=after_step)

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

    # ---- changes made by an actor: each records its event and sends its email here ---------

    def add_totp(self, user: User, secret: str, code: str | None, actor: Actor) -> UserTOTP:
        """Turn on the TOTP application whose ``secret`` the user was shown, once ``code``
        proves it works (TwoFactorError otherwise, and nothing is recorded)."""
        totp = self.enable_totp(user, secret, code)
        self._method_added(actor, user, "totp", TOTP_LABEL)
        return totp

    def remove_totp(self, user: User, actor: Actor) -> int:
        """Remove the TOTP application; returns how many recovery codes went with it (all of
        them once no second factor is left, else none)."""
        self.disable_totp(user)
        return self._method_removed(actor, user, "totp", TOTP_LABEL)

    def add_security_key(
        self, user: User, credential: Any, challenge: str | None, label: str | None, actor: Actor
    ) -> WebAuthnCredential:
        """Register the security key that answered ``challenge`` (see WebAuthnService.register;
        TwoFactorError if refused, and nothing is recorded)."""
        key = self._need(self.keys).register(user, credential, challenge, label)
        self._method_added(actor, user, "webauthn", key.label)
        return key

    def remove_security_key(self, user: User, key: WebAuthnCredential, actor: Actor) -> int:
        """Remove one of the user's keys; returns the recovery codes voided, as remove_totp."""
        label = key.label
        self._need(self.keys).delete(key)
        return self._method_removed(actor, user, "webauthn", label)

    def issue_recovery_codes(self, user: User, actor: Actor) -> list[str]:
        """A fresh set of recovery codes (every older one stops working), formatted to show."""
        codes = self.generate_recovery_codes(user)
        add_user_event(
            self.db, actor, user, EventTag.ACCOUNT_RECOVERY_CODES_GENERATED, count=len(codes)
        )
        emails.send_recovery_codes_generated(self._need(self.mailer), actor, user, len(codes))
        return codes

    def redeem_recovery_code(self, user: User, code: str | None, actor: Actor) -> int:
        """Log-in use of a recovery code: burns it and returns how many remain (TwoFactorError
        if malformed, unknown or used, and nothing is recorded)."""
        remaining = self.use_recovery_code(user, code)
        add_user_event(
            self.db, actor, user, EventTag.ACCOUNT_RECOVERY_CODES_USED, remaining=remaining
        )
        emails.send_recovery_code_used(self._need(self.mailer), actor, user, remaining)
        return remaining

    def reset(self, user: User, actor: Actor, reason: str) -> list[str]:
        """Remove every second factor of a locked-out user (TOTP, security keys, recovery
        codes), so that their password alone logs them in and they can enroll new ones.

        Returns what was removed, as words for a person; an empty list when the user had
        nothing to remove, and then nothing is recorded. Otherwise their failed attempts are
        forgotten (they should not block the first new login), the event
        ``account:two-factor:reset`` names ``actor`` and ``reason``, and the user is emailed.
        The caller (the admin area, the CLI) checks who is asking and records its own log.
        """
        keys = self._need(self.keys)
        removed: list[str] = []
        if self.disable_totp(user):
            removed.append(emails.KIND_NAMES["totp"])
        for key in keys.credentials(user):
            removed.append(f"security key '{key.label}'")
            keys.delete(key)
        voided = self.void_recovery_codes(user)
        if voided:
            removed.append(f"{voided} recovery code{'' if voided == 1 else 's'}")
        if not removed:
            return removed
        self._need(self.failures).clear(str(user.id))
        add_user_event(
            self.db,
            actor,
            user,
            EventTag.ACCOUNT_TWO_FACTOR_RESET,
            admin=actor.name,
            reason=reason,
            removed=removed,
        )
        emails.send_two_factor_reset(self._need(self.mailer), actor, user, removed, reason)
        return removed

    # ---- refusals: events only -------------------------------------------------------------

    def record_refusal(self, user: User, actor: Actor, action: str, reason: str) -> None:
        """A refused change to the user's second factors (wrong password, bad code ...)."""
        add_user_event(
            self.db, actor, user, EventTag.ACCOUNT_TWO_FACTOR_REFUSED, action=action, reason=reason
        )

    def record_login_failure(
        self, user: User, actor: Actor, method: str, error: TwoFactorError
    ) -> None:
        """A refused second factor at login: the event says which method and why. A key whose
        counter went backwards (maybe cloned) gets an event of its own first."""
        if isinstance(error, SignCountError):
            add_user_event(
                self.db,
                actor,
                user,
                EventTag.ACCOUNT_TWO_FACTOR_WEBAUTHN_SIGN_COUNT,
                label=error.credential.label,
                stored=error.credential.sign_count,
                reported=error.reported,
            )
        add_user_event(
            self.db, actor, user, EventTag.ACCOUNT_LOGIN_FAILURE, method=method, reason=str(error)
        )

    # ---- helpers ---------------------------------------------------------------------------

    def _method_added(self, actor: Actor, user: User, kind: str, label: str) -> None:
        add_user_event(
            self.db, actor, user, EventTag.ACCOUNT_TWO_FACTOR_METHOD_ADDED, kind=kind, label=label
        )
        emails.send_method_added(self._need(self.mailer), actor, user, kind, label)

    def _method_removed(self, actor: Actor, user: User, kind: str, label: str) -> int:
        # Recovery codes are the way back to a second factor: without one they mean nothing.
        still_on = self.has_two_factor(user)
        voided = 0 if still_on else self.void_recovery_codes(user)
        add_user_event(
            self.db, actor, user, EventTag.ACCOUNT_TWO_FACTOR_METHOD_REMOVED, kind=kind, label=label
        )
        emails.send_method_removed(
            self._need(self.mailer), actor, user, kind, label, still_on=still_on
        )
        return voided

    @staticmethod
    def _need(collaborator: T | None) -> T:
        if collaborator is not None:
            return collaborator
        raise RuntimeError(
            "This TwoFactorService was built without its collaborators: changes made for a "
            "person need request.find_service(TwoFactorService)."
        )


def two_factor_service_factory(context: object, request: Any) -> TwoFactorService:
    return TwoFactorService(
        request.db,
        request.find_service(clock_service.Clock).time,
        keys=request.find_service(WebAuthnService),
        mailer=request.find_service(Mailer),
        failures=request.find_service(RateLimiter, name="2fa.user"),
    )
