"""`warehouse-lite shell`: an interactive Python shell on the configured database."""

from __future__ import annotations

import click

from warehouse_lite.cli.configured import configured_engine, configured_settings


@click.command("shell")
def shell() -> None:
    """A Python shell with `settings`, `db` (a session) and the models imported."""
    import code

    import transaction
    from sqlalchemy.orm import Session

    from warehouse_lite import models
    from warehouse_lite.accounts.models import Email, User

    settings = configured_settings()
    session = Session(configured_engine())
    namespace = {
        "settings": settings,
        "db": session,
        "User": User,
        "Email": Email,
        "models": models,
        "transaction": transaction,
    }
    code.interact(banner="warehouse_lite shell: settings, db, User, Email", local=namespace)
