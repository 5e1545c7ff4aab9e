"""What every command starts from: settings from the environment, an engine, or a request of
the configured app in a transaction (for commands that call the services)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from warehouse_lite.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from pyramid.request import Request
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


@contextmanager
def app_request() -> Iterator[Request]:
    """A request of the configured app (pyramid.scripting.prepare, for SITE_URL: emails render
    with the site's real URLs), inside a transaction committed when the block ends normally
    and aborted on any error. After-commit work (mail delivery, file deletion) runs at the
    commit, exactly as after a web request. Nobody is logged in on it: the services it is
    used with are given an operator Actor."""
    from pyramid.request import Request as PyramidRequest
    from pyramid.scripting import prepare

    from warehouse_lite.config import configure

    settings = configured_settings()
    registry = configure(settings).make_wsgi_app().registry
    blank = PyramidRequest.blank("/", base_url=settings.site_url)
    env = prepare(request=blank, registry=registry)
    request = env["request"]
    try:
        request.tm.begin()
        try:
            yield request
        except BaseException:
            request.tm.abort()
            raise
        request.tm.commit()
    finally:
        env["closer"]()
