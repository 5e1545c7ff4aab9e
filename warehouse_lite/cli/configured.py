"""The configuration every command starts from: settings from the environment, an engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from warehouse_lite.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def configured_settings() -> Settings:
    """The settings, or a one-line error (not a traceback) when the environment is wrong."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None


def configured_engine() -> Engine:
    """An engine for the configured database, with every model mapped."""
    import warehouse_lite.models  # noqa: F401  (every mapper, before the first query)
    from warehouse_lite.db import make_engine

    return make_engine(configured_settings())
