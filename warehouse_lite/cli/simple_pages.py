"""`warehouse-lite simple-pages ...`: the published copies of /simple/ pages."""

from __future__ import annotations

import click

from warehouse_lite.cli.configured import configured_settings


@click.group("simple-pages")
def simple_pages() -> None:
    """The published copies of /simple/ pages (SIMPLE_PAGES_DIR)."""


@simple_pages.command("clear")
def simple_pages_clear() -> None:
    """Delete every published page; the app publishes them again on the next request."""
    from warehouse_lite.packaging.static_pages import StaticPages

    settings = configured_settings()
    if settings.simple_pages_dir is None:
        raise click.ClickException("SIMPLE_PAGES_DIR is not set: nothing is published")
    StaticPages(settings.simple_pages_dir).clear()
    click.echo(f"cleared {settings.simple_pages_dir}")
