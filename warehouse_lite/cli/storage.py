"""`warehouse-lite storage ...`: the file storage (packaging/storage_check.py does the work)."""

from __future__ import annotations

import sys

import click

from warehouse_lite.cli.configured import configured_engine, configured_settings


@click.group("storage")
def storage() -> None:
    """The file storage (FILES_DIR)."""


@storage.command("check")
@click.option(
    "--fix", is_flag=True, help="remove abandoned temporary files (the only thing it fixes)"
)
def storage_check(fix: bool) -> None:
    """Compare the stored files with the database; exit 1 if anything is wrong.

    Lists rows whose object is missing, objects no row refers to, and temporary files of
    stores that nobody has written to for an hour (left by killed workers).
    """
    from sqlalchemy.orm import Session

    from warehouse_lite.packaging.storage_check import ABANDONED_AFTER, check_storage
    from warehouse_lite.packaging.storage_local import LocalFileStorage

    files = LocalFileStorage(configured_settings().storage_dir)
    engine = configured_engine()
    with Session(engine) as db:
        report = check_storage(db, files)
    engine.dispose()
    if fix and report.abandoned:
        removed = files.sweep_temporary_files(ABANDONED_AFTER)
        click.echo(f"removed {len(removed)} abandoned temporary files")
        report.abandoned = sorted(set(report.abandoned) - set(removed))
    sections = (
        ("rows without their stored file", report.missing),
        ("stored files without a row", report.unreferenced),
        ("abandoned temporary files (--fix removes them)", report.abandoned),
    )
    for title, paths in sections:
        click.echo(f"{title}: {len(paths)}")
        for path in paths:
            click.echo(f"  {path}")
    click.echo(f"temporary files being written: {report.in_progress}")
    if report.has_problems:
        sys.exit(1)
