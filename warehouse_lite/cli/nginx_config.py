"""`warehouse-lite nginx-config`: print the reverse proxy's configuration (the text is
written by warehouse_lite.ops.nginx_config)."""

from __future__ import annotations

from pathlib import Path

import click

from warehouse_lite.cli.configured import configured_settings


@click.command("nginx-config")
@click.option("--listen", default="127.0.0.1:8080", show_default=True, help="nginx's listen")
@click.option("--upstream", default="127.0.0.1:8000", show_default=True, help="gunicorn's bind")
@click.option("--server-name", default=None, help="default: the host of SITE_URL")
@click.option("--access-log", default="/var/log/nginx/warehouse-lite.access.log", show_default=True)
@click.option(
    "--standalone",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="write a complete nginx.conf keeping pid, logs and temp files in this directory "
    "(for tests and benchmarks: started by root, its workers run as root)",
)
def nginx_config(
    listen: str, upstream: str, server_name: str | None, access_log: str, standalone: Path | None
) -> None:
    """Print the reverse-proxy configuration that serves SIMPLE_PAGES_DIR (see deployment.md)."""
    from urllib.parse import urlsplit

    from warehouse_lite.ops import nginx_config as nginx

    settings = configured_settings()
    pages_dir = settings.simple_pages_dir.resolve() if settings.simple_pages_dir else None
    options = nginx.ProxyOptions(
        listen=listen,
        upstream=upstream,
        server_name=server_name or urlsplit(settings.site_url).hostname or "_",
        pages_dir=pages_dir,
        access_log=access_log,
    )
    if standalone is None:
        click.echo(nginx.server_config(settings, options), nl=False)
    else:
        click.echo(nginx.standalone_config(settings, options, standalone.resolve()), nl=False)
