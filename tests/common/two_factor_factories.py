"""Factories for second factors (TOTP applications, recovery codes)."""

from __future__ import annotations

import factory
import pyotp

from tests.common.factories import Base, UserFactory, _register
from warehouse_lite.accounts.two_factor.models import UserTOTP


@_register
class UserTOTPFactory(Base):
    """A confirmed TOTP application; ``last_used_step`` None = no code accepted yet."""

    class Meta:
        model = UserTOTP

    class Params:
        user = factory.SubFactory(UserFactory)  # UserTOTP has only the key, no relationship

    user_id = factory.SelfAttribute("user.id")
    secret = factory.LazyFunction(lambda: pyotp.random_base32(length=32))
    last_used_step = None
