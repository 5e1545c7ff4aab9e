"""The time, as a service, for the decisions tests must be able to move in time.

Sudo mode's window (accounts/recent_auth.py) and the TOTP time steps (accounts/two_factor) read
it with ``request.find_service(Clock)``; tests replace it with a clock they advance. Other code
reads the time directly: nothing is gained by routing every timestamp through here.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.config import Configurator


class Clock:
    """The real time. Subclasses (test clocks) override ``time()``; ``now()`` follows it."""

    def time(self) -> float:
        """Seconds since the epoch, as time.time()."""
        return time.time()

    def now(self) -> datetime.datetime:
        """The current time, timezone-aware, in UTC."""
        return datetime.datetime.fromtimestamp(self.time(), datetime.UTC)


def includeme(config: Configurator) -> None:
    config.register_service(Clock(), Clock)
