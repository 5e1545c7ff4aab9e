"""The `warehouse-lite` command for operators and developers.

This module is the click group (the console script's entry point, `warehouse_lite.cli:main`);
each command family is a small module of this package that only parses options and prints,
and calls the code that does the work where it lives (migrations.py, backup.py,
nginx_config.py, packaging/storage_check.py, the services). Commands import what they need
when they run, so that `warehouse-lite --help` stays fast.
"""

from __future__ import annotations

import click

from warehouse_lite.cli.admin import admin
from warehouse_lite.cli.backup import backup
from warehouse_lite.cli.db import db
from warehouse_lite.cli.nginx_config import nginx_config
from warehouse_lite.cli.serve import serve
from warehouse_lite.cli.shell import shell
from warehouse_lite.cli.simple_pages import simple_pages
from warehouse_lite.cli.storage import storage
from warehouse_lite.cli.tokens import token
from warehouse_lite.cli.user import user


@click.group()
def main() -> None:
    """Administer a warehouse_lite package index (settings come from the environment)."""


for _command in (admin, backup, db, nginx_config, serve, shell, simple_pages, storage, token, user):
    main.add_command(_command)
