"""`warehouse-lite db ...`: the database schema (migrations.py does the work)."""

from __future__ import annotations

import click

from warehouse_lite.cli.configured import configured_engine


@click.group("db")
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from warehouse_lite import migrations

    engine = configured_engine()
    migrations.upgrade(engine, revision)
    click.echo(f"database at {migrations.current(engine)}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    from warehouse_lite import migrations

    click.echo(migrations.current(configured_engine()) or "empty")


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models; review it before committing."""
    from warehouse_lite import migrations

    migrations.revision(configured_engine(), message)
