"""Security-history events and emails for every two-factor change (emails go after commit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.email import send_email
from warehouse_lite.events import record_event

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User

KIND_NAMES = {"totp": "authentication application (TOTP)", "webauthn": "security key"}


def method_added(request: Request, user: User, kind: str, label: str) -> None:
    record_event(request, user, "account:two-factor:method-added", kind=kind, label=label)
    send_email(
        request,
        "two-factor-added",
        user,
        context={"kind": kind, "kind_name": KIND_NAMES[kind], "label": label},
    )


def method_removed(request: Request, user: User, kind: str, label: str, *, still_on: bool) -> None:
    record_event(request, user, "account:two-factor:method-removed", kind=kind, label=label)
    send_email(
        request,
        "two-factor-removed",
        user,
        context={
            "kind": kind,
            "kind_name": KIND_NAMES[kind],
            "label": label,
            "still_on": still_on,
        },
    )


def recovery_codes_generated(request: Request, user: User, count: int) -> None:
    record_event(request, user, "account:recovery-codes:generated", count=count)
    send_email(request, "recovery-codes-generated", user, context={"count": count})


def recovery_code_used(request: Request, user: User, remaining: int) -> None:
    record_event(request, user, "account:recovery-codes:used", remaining=remaining)
    send_email(request, "recovery-code-used", user, context={"remaining": remaining})


def second_factor_failed(request: Request, user: User, method: str, reason: str) -> None:
    """A refused second factor at login: the event says which method and why."""
    record_event(request, user, "account:login:failure", method=method, reason=reason)


def management_refused(request: Request, user: User, action: str, reason: str) -> None:
    """A refused change to the user's second factors (wrong password, bad code ...)."""
    record_event(request, user, "account:two-factor:refused", action=action, reason=reason)
