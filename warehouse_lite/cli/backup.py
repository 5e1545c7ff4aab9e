"""`warehouse-lite backup ...`: back up and restore (warehouse_lite.ops.backup does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from warehouse_lite.cli.configured import configured_settings


@click.group("backup")
def backup() -> None:
    """Back up and restore the database and the file storage."""


@backup.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_create(directory: Path) -> None:
    """Back up into DIRECTORY (new or empty): database, files, manifest.json."""
    from warehouse_lite.ops.backup import create_backup

    manifest = create_backup(configured_settings(), directory)
    click.echo(
        f"backed up the {manifest['database']['kind']} database and "
        f"{len(manifest['files'])} files into {directory}"
    )


@backup.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def backup_restore(directory: Path) -> None:
    """Restore DIRECTORY into the configured, empty database and the file storage."""
    from warehouse_lite.ops.backup import restore_backup

    result = restore_backup(configured_settings(), directory)
    click.echo(
        f"restored the database and {result['files']} files ({result['copied']} copied) "
        f"from {directory}; run `warehouse-lite db upgrade` if this code is newer"
    )
