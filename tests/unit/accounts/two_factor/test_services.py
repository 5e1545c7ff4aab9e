"""TwoFactorService on a real database with a controlled clock; code parsing and hashing."""

from __future__ import annotations

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.common.factories import UserFactory
from tests.common.two_factor_factories import UserTOTPFactory
from warehouse_lite.accounts.two_factor.codes import (
    TwoFactorError,
    format_recovery_code,
    hash_recovery_code,
    normalize_recovery_code,
    normalize_totp_code,
    totp_uri,
)
from warehouse_lite.accounts.two_factor.services import TwoFactorService


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock(1_800_000_015.0)


@pytest.fixture
def service(db, clock):
    return TwoFactorService(db, clock)


def test_totp_uri_names_issuer_and_account():
    uri = totp_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "alice", "My Index")
    parsed = pyotp.parse_uri(uri)
    assert parsed.name == "alice" and parsed.issuer == "My Index"
    assert parsed.secret == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_new_secrets_are_160_bits_and_distinct(service):
    secrets = {service.new_totp_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(s) == 32 for s in secrets)
    assert all(len(pyotp.TOTP(s).byte_secret()) == 20 for s in secrets)


@pytest.mark.parametrize("value", ["123456", " 123 456 ", "123\t456"])
def test_totp_code_normalization_accepts_spaces(value):
    assert normalize_totp_code(value) == "123456"


@pytest.mark.parametrize("value", [None, "", "12345", "1234567", "12345a", "١٢٣٤٥٦"])
def test_totp_code_normalization_refuses(value):
    with pytest.raises(TwoFactorError):
        normalize_totp_code(value)


def test_match_window(service, clock):
    secret = pyotp.random_base32(32)
    totp = pyotp.TOTP(secret)
    step = int(clock.now // 30)
    for offset in (-1, 0, 1):
        assert service.match_totp(secret, totp.at(clock.now + 30 * offset)) == step + offset
    for offset in (-2, 2, 10):
        with pytest.raises(TwoFactorError, match="Invalid code"):
            service.match_totp(secret, totp.at(clock.now + 30 * offset))
    with pytest.raises(TwoFactorError, match="already used"):
        service.match_totp(secret, totp.at(clock.now), after_step=step)


def test_verify_totp_is_single_use_per_step(db, service, clock):
    user = UserFactory()
    row = UserTOTPFactory(user=user)
    code = pyotp.TOTP(row.secret).at(clock.now)
    service.verify_totp(user, code)
    assert row.last_used_step == int(clock.now // 30) and row.last_used is not None
    with pytest.raises(TwoFactorError, match="already used"):
        service.verify_totp(user, code)
    clock.now += 30
    service.verify_totp(user, pyotp.TOTP(row.secret).at(clock.now))


def test_verify_totp_without_an_application(db, service):
    with pytest.raises(TwoFactorError, match="no authentication application"):
        service.verify_totp(UserFactory(), "123456")


def test_enable_totp_twice_is_refused(db, service, clock):
    user = UserFactory()
    secret = service.new_totp_secret()
    service.enable_totp(user, secret, pyotp.TOTP(secret).at(clock.now))
    assert service.has_two_factor(user)
    with pytest.raises(TwoFactorError, match="already set up"):
        service.enable_totp(user, secret, pyotp.TOTP(secret).at(clock.now + 30))


def test_recovery_codes_lifecycle(db, service):
    user = UserFactory()
    assert not service.has_recovery_codes(user)
    codes = service.generate_recovery_codes(user)
    assert len(codes) == 8 and service.remaining_recovery_codes(user) == 8
    assert service.use_recovery_code(user, codes[3]) == 7
    with pytest.raises(TwoFactorError, match="already used"):
        service.use_recovery_code(user, codes[3])
    # Another user's code is simply invalid here.
    other = UserFactory()
    other_codes = service.generate_recovery_codes(other)
    with pytest.raises(TwoFactorError, match="Invalid recovery code"):
        service.use_recovery_code(user, other_codes[0])
    # A new set voids the old one.
    fresh = service.generate_recovery_codes(user)
    with pytest.raises(TwoFactorError, match="Invalid recovery code"):
        service.use_recovery_code(user, codes[0])
    assert service.use_recovery_code(user, fresh[0]) == 7
    assert service.void_recovery_codes(user) == 8
    assert not service.has_recovery_codes(user)


@given(st.binary(min_size=10, max_size=10))
def test_recovery_code_format_round_trips(raw):
    code = raw.hex()
    shown = format_recovery_code(code)
    assert len(shown) == 24 and shown.count("-") == 4
    assert normalize_recovery_code(shown.upper()) == code


def test_recovery_code_hash_depends_on_the_user():
    import uuid

    a, b = uuid.uuid4(), uuid.uuid4()
    code = "0123456789abcdef0123"
    assert hash_recovery_code(a, code) != hash_recovery_code(b, code)
    assert hash_recovery_code(a, code) == hash_recovery_code(a, code)
    assert code not in hash_recovery_code(a, code)
