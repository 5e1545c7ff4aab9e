"""`warehouse-lite serve`: the embedded mode (waitress, the in-process email sender)."""

from __future__ import annotations

import dataclasses
import os

import click

from warehouse_lite.cli.configured import configured_settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6543, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Upgrade the database, then serve the app with waitress (the embedded mode).

    In development, the site's URL (SITE_URL) follows --host and --port unless SITE_URL is set.
    """
    import waitress

    from warehouse_lite import background, migrations
    from warehouse_lite.config import make_wsgi_app
    from warehouse_lite.db import get_sessionmaker, make_engine
    from warehouse_lite.email.delivery import outbox_jobs
    from warehouse_lite.forklift.render_worker import WORKERS
    from warehouse_lite.packaging.storage_check import sweep_at_start
    from warehouse_lite.web.canonical import WILDCARD_HOSTS, site_url_for

    settings = configured_settings()
    listening = site_url_for(host, port)
    if settings.env == "development":
        if "SITE_URL" not in os.environ:
            settings = dataclasses.replace(settings, site_url=listening)
        elif settings.origin != listening:
            click.echo(
                f"note: SITE_URL={settings.site_url} is not this server ({listening}): links, "
                "redirects and emails point at SITE_URL; unset it to use this server's address",
                err=True,
            )
        if host.strip().strip("[]") in WILDCARD_HOSTS and "SITE_URL" not in os.environ:
            click.echo(
                "note: listening on every interface; other machines must use the address in "
                "SITE_URL, so set SITE_URL=http://<this machine's name>:" + str(port),
                err=True,
            )
    engine = make_engine(settings)
    migrations.upgrade(engine)
    sweep_at_start(settings)  # left by a server killed in the middle of an upload
    app = make_wsgi_app(settings, engine=engine)
    # The email outbox's sender.
    jobs = outbox_jobs(get_sessionmaker(app.registry), settings)
    background.start(jobs, settings.mail_sweep_interval)
    WORKERS.prestart()  # a description renderer, before the first upload needs one
    # The one address to open: the canonical URL; other loopback names redirect to it.
    click.echo(f"warehouse_lite ({settings.env}) on {settings.origin}/")
    if settings.env == "development" and settings.mail_backend == "outbox":
        click.echo(
            f"emails are captured in {settings.outbox_dir}/ and at {settings.origin}/_dev/mail/"
        )
    waitress.serve(app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True)
