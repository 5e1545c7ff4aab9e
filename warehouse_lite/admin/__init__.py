"""Administration: the /admin/ web area and `warehouse-lite admin ...` commands.

Both call admin.services, which records every action (AdminAction log and user events) with
the administrator's name and a reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.scan("warehouse_lite.admin.views")
