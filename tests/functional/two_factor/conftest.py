"""Fixtures of the two-factor tests: a controlled clock for TOTP, inside the real app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.functional.two_factor.helpers import Clock


@pytest.fixture
def clock(app: Any) -> Iterator[Clock]:
    """The app's TwoFactorService reads "now" from this clock (registry["two_factor.clock"])."""
    registry = app.app.registry
    clock = Clock()
    registry["two_factor.clock"] = clock
    yield clock
    registry["two_factor.clock"] = None
