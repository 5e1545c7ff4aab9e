"""A clock tests set and advance, installed as the app's Clock service."""

from __future__ import annotations

from warehouse_lite.clock import Clock


class FrozenClock(Clock):
    """Stands still at ``at`` (seconds since the epoch) until advanced."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds
