"""Projects, releases and files: storage, the simple index, the JSON API and downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator

# Modules of views/ scanned here (views/pages.py has its own includeme in config.INCLUDES).
VIEW_MODULES = ("simple", "json_api", "files")


def includeme(config: Configurator) -> None:
    from warehouse_lite.packaging.cache import PageCache
    from warehouse_lite.packaging.invitations import (
        InvitationService,
        invitation_service_factory,
    )
    from warehouse_lite.packaging.services import ProjectService, project_service_factory
    from warehouse_lite.packaging.static_pages import StaticPages

    config.include("warehouse_lite.packaging.storage")
    config.register_service_factory(invitation_service_factory, InvitationService)
    config.register_service_factory(project_service_factory, ProjectService)
    config.register_service(PageCache(), PageCache)
    # The published pages' publisher; None (no publishing) without SIMPLE_PAGES_DIR.
    pages_dir = get_settings(config.registry).simple_pages_dir
    config.register_service(None if pages_dir is None else StaticPages(pages_dir), StaticPages)
    for module in VIEW_MODULES:
        config.scan(f"warehouse_lite.packaging.views.{module}")
    # Cache hits of /simple/ pages answered before the transaction machinery (see module).
    config.include("warehouse_lite.packaging.simple_fast")
