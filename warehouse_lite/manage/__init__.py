"""Account settings and project management for logged-in users."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.scan("warehouse_lite.manage.views")
