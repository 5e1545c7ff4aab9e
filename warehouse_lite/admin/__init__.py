"""Administration: the /admin/ web area and `warehouse-lite admin ...` commands
(cli/admin.py).

Both call AdminService (admin/services.py), which records every action (AdminAction log and
user events) with the administrator's name and a reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.admin.services import AdminService

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.register_service_factory(lambda context, request: AdminService(request), AdminService)
    config.scan("warehouse_lite.admin.views")
