"""Emails about a user's second factors. TwoFactorService sends them; they go after commit,
charged to the actor's email budget (email/throttle.py: a user's own notices are free)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import User
    from warehouse_lite.email import Mailer
    from warehouse_lite.events.actor import Actor

KIND_NAMES = {"totp": "authentication application (TOTP)", "webauthn": "security key"}


def send_method_added(mailer: Mailer, actor: Actor, user: User, kind: str, label: str) -> None:
    mailer.send(
        "two-factor-added",
        user,
        context={"kind": kind, "kind_name": KIND_NAMES[kind], "label": label},
        actor=actor,
    )


def send_method_removed(
    mailer: Mailer, actor: Actor, user: User, kind: str, label: str, *, still_on: bool
) -> None:
    mailer.send(
        "two-factor-removed",
        user,
        context={
            "kind": kind,
            "kind_name": KIND_NAMES[kind],
            "label": label,
            "still_on": still_on,
        },
        actor=actor,
    )


def send_recovery_codes_generated(mailer: Mailer, actor: Actor, user: User, count: int) -> None:
    mailer.send("recovery-codes-generated", user, context={"count": count}, actor=actor)


def send_recovery_code_used(mailer: Mailer, actor: Actor, user: User, remaining: int) -> None:
    mailer.send("recovery-code-used", user, context={"remaining": remaining}, actor=actor)


def send_two_factor_reset(
    mailer: Mailer, actor: Actor, user: User, removed: list[str], reason: str
) -> None:
    """To a user whose second factors an administrator removed (the links are in the
    template: log in, the two-factor settings, the help)."""
    mailer.send(
        "two-factor-reset",
        user,
        context={"removed": removed, "reason": reason},
        actor=actor,
    )
