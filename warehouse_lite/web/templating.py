"""Jinja2 renderers (HTML autoescaped, plain text not) and template helpers."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator


def format_datetime(value: datetime.datetime | None) -> str:
    if value is None:
        return "never"
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def includeme(config: Configurator) -> None:
    config.add_jinja2_renderer(".html")
    config.add_jinja2_renderer(".txt", settings_prefix="jinja2_text.")
    config.add_jinja2_renderer(".xml")
    config.registry.settings["jinja2_text.autoescape"] = "false"
    config.registry.settings["jinja2_text.directories"] = "warehouse_lite:templates"
    config.add_jinja2_search_path("warehouse_lite:templates", name=".html")
    config.add_jinja2_search_path("warehouse_lite:templates", name=".txt")

    def register_globals() -> None:
        for ext in (".html", ".txt"):
            env = config.get_jinja2_environment(ext)
            if env is None:
                continue
            env.filters["datetime"] = format_datetime
            env.globals["site_name"] = get_settings(config.registry).site_name

    config.action(None, register_globals, order=999)
