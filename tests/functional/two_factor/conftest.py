"""Fixtures of the two-factor tests: a controlled clock for TOTP, inside the real app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.common.services import replaced
from tests.functional.two_factor.helpers import Clock
from warehouse_lite.clock import Clock as AppClock


@pytest.fixture
def clock(app: Any) -> Iterator[Clock]:
    """The app's TwoFactorService reads "now" from this clock (the app's Clock service)."""
    with replaced(app.app, AppClock, Clock()) as clock:
        yield clock
