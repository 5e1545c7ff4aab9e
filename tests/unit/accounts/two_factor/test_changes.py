"""TwoFactorService's changes given an Actor: each records its event and sends its email."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.two_factor_factories import UserTOTPFactory
from warehouse_lite.accounts.two_factor.models import RecoveryCode, UserTOTP, WebAuthnCredential
from warehouse_lite.accounts.two_factor.security_keys import WebAuthnService
from warehouse_lite.accounts.two_factor.services import TwoFactorService
from warehouse_lite.events.actor import Actor
from warehouse_lite.events.models import UserEvent


class Mailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, dict[str, Any], Any]] = []

    def send(self, name: str, to: Any, *, context: Any = None, actor: Any = None) -> None:
        self.sent.append((name, to, context or {}, actor))


class Limiter:
    def __init__(self) -> None:
        self.cleared: list[object] = []

    def clear(self, *identifiers: object) -> None:
        self.cleared.extend(identifiers)


@pytest.fixture
def mailer() -> Mailer:
    return Mailer()


@pytest.fixture
def failures() -> Limiter:
    return Limiter()


@pytest.fixture
def service(db: Any, settings: Any, mailer: Mailer, failures: Limiter) -> TwoFactorService:
    keys = WebAuthnService(db, settings)
    return TwoFactorService(db, keys=keys, mailer=mailer, failures=failures)  # type: ignore[arg-type]


ADMIN = Actor(user=None, name="root-admin", via="cli", ip_address="192.0.2.7")


def _events(db: Any, user: Any) -> list[UserEvent]:
    db.flush()
    return list(db.scalars(select(UserEvent).where(UserEvent.user_id == user.id)))


def test_reset_removes_everything_records_once_and_emails(
    db: Any, service: TwoFactorService, mailer: Mailer, failures: Limiter
) -> None:
    user = UserFactory()
    UserTOTPFactory(user=user)
    db.add(WebAuthnCredential(user_id=user.id, label="Lost key", credential_id="a", public_key="b"))
    service.generate_recovery_codes(user)
    db.flush()

    removed = service.reset(user, ADMIN, "Identity checked")

    assert removed == [
        "authentication application (TOTP)",
        "security key 'Lost key'",
        "8 recovery codes",
    ]
    for model in (UserTOTP, WebAuthnCredential, RecoveryCode):
        assert db.scalars(select(model).where(model.user_id == user.id)).all() == []
    [event] = _events(db, user)
    assert event.tag == "account:two-factor:reset"
    assert event.additional == {
        "admin": "root-admin",
        "reason": "Identity checked",
        "removed": removed,
    }
    assert event.ip_address == "192.0.2.7"
    assert mailer.sent == [
        ("two-factor-reset", user, {"removed": removed, "reason": "Identity checked"}, ADMIN)
    ]
    assert failures.cleared == [str(user.id)]


def test_reset_of_a_user_without_second_factors_changes_and_records_nothing(
    db: Any, service: TwoFactorService, mailer: Mailer, failures: Limiter
) -> None:
    user = UserFactory()
    assert service.reset(user, ADMIN, "why") == []
    assert _events(db, user) == []
    assert mailer.sent == [] and failures.cleared == []


def test_removing_the_last_factor_voids_the_recovery_codes(
    db: Any, service: TwoFactorService, mailer: Mailer
) -> None:
    user = UserFactory()
    UserTOTPFactory(user=user)
    service.issue_recovery_codes(user, ADMIN)
    assert service.remove_totp(user, ADMIN) == 8
    assert not service.has_recovery_codes(user)
    tags = [(e.tag, e.additional) for e in _events(db, user)]
    assert tags == [
        ("account:recovery-codes:generated", {"count": 8}),
        (
            "account:two-factor:method-removed",
            {"kind": "totp", "label": "Authentication application"},
        ),
    ]
    assert [(name, context.get("still_on")) for name, _to, context, _a in mailer.sent] == [
        ("recovery-codes-generated", None),
        ("two-factor-removed", False),
    ]


def test_a_service_built_without_collaborators_says_so(db: Any) -> None:
    with pytest.raises(RuntimeError, match="find_service"):
        TwoFactorService(db).issue_recovery_codes(UserFactory(), ADMIN)
