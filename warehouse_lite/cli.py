"""The `warehouse-lite` command for operators and developers."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import click
import transaction

from warehouse_lite.settings import SettingsError, load_settings


def _settings():
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None


def _engine():
    import warehouse_lite.models  # noqa: F401  (every mapper, before the first query)
    from warehouse_lite.db import make_engine

    return make_engine(_settings())


@click.group()
def main() -> None:
    """Administer a warehouse_lite package index (settings come from the environment)."""


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from warehouse_lite import migrations

    engine = _engine()
    migrations.upgrade(engine, revision)
    click.echo(f"database at {migrations.current(engine)}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    from warehouse_lite import migrations

    click.echo(migrations.current(_engine()) or "empty")


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models; review it before committing."""
    from warehouse_lite import migrations

    migrations.revision(_engine(), message)


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("username")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--verified", is_flag=True, help="Mark the email address as verified.")
@click.option("--admin", is_flag=True, help="Give the user the admin flag.")
def user_create(
    username: str, email: str, name: str, password_stdin: bool, verified: bool, admin: bool
) -> None:
    """Create a user (the password is read from stdin or prompted for)."""
    from sqlalchemy.orm import Session

    from warehouse_lite.accounts.forms import normalize_email_address
    from warehouse_lite.accounts.passwords import PasswordCost, password_problems
    from warehouse_lite.accounts.services import UserService, username_problem

    settings = _settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = [p for p in [username_problem(username)] if p]
    problems += password_problems(
        password, username=username, min_length=settings.password_min_length
    )
    try:
        email = normalize_email_address(email)
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise click.ClickException(" ".join(problems))
    with Session(_engine()) as session, session.begin():
        users = UserService(session, PasswordCost.from_settings(settings))
        if users.username_is_taken(username):
            raise click.ClickException(f"username {username!r} is already taken")
        if users.email_is_taken(email):
            raise click.ClickException(f"email {email!r} is already used by another account")
        created = users.create_user(
            username, name, password, email, verified=verified, is_admin=admin
        )
        click.echo(f"created user {created.username} ({created.id})")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6543, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Upgrade the database, then serve the app with waitress (the embedded mode).

    In development, the site's URL (SITE_URL) follows --host and --port unless SITE_URL is set.
    """
    import waitress

    from warehouse_lite import background, migrations
    from warehouse_lite.canonical import WILDCARD_HOSTS, site_url_for
    from warehouse_lite.config import make_wsgi_app
    from warehouse_lite.db import get_sessionmaker, make_engine
    from warehouse_lite.forklift.render_worker import WORKERS
    from warehouse_lite.packaging.storage_check import sweep_at_start

    settings = _settings()
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
    background.start(get_sessionmaker(app.registry), settings)  # the email outbox's sender
    WORKERS.prestart()  # a description renderer, before the first upload needs one
    # The one address to open: the canonical URL; other loopback names redirect to it.
    click.echo(f"warehouse_lite ({settings.env}) on {settings.origin}/")
    if settings.env == "development" and settings.mail_backend == "outbox":
        click.echo(
            f"emails are captured in {settings.outbox_dir}/ and at {settings.origin}/_dev/mail/"
        )
    waitress.serve(app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True)


@main.command("shell")
def shell() -> None:
    """A Python shell with `settings`, `db` (a session) and the models imported."""
    import code

    from sqlalchemy.orm import Session

    from warehouse_lite import models
    from warehouse_lite.accounts.models import Email, User

    settings = _settings()
    session = Session(_engine())
    namespace = {
        "settings": settings,
        "db": session,
        "User": User,
        "Email": Email,
        "models": models,
        "transaction": transaction,
    }
    code.interact(banner="warehouse_lite shell: settings, db, User, Email", local=namespace)


@main.command("nginx-config")
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

    from warehouse_lite import nginx_config as nginx

    settings = _settings()
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


@main.group("simple-pages")
def simple_pages() -> None:
    """The published copies of /simple/ pages (SIMPLE_PAGES_DIR)."""


@simple_pages.command("clear")
def simple_pages_clear() -> None:
    """Delete every published page; the app publishes them again on the next request."""
    from warehouse_lite.packaging.static_pages import StaticPages

    settings = _settings()
    if settings.simple_pages_dir is None:
        raise click.ClickException("SIMPLE_PAGES_DIR is not set: nothing is published")
    StaticPages(settings.simple_pages_dir).clear()
    click.echo(f"cleared {settings.simple_pages_dir}")


@main.group("storage")
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

    files = LocalFileStorage(_settings().storage_dir)
    engine = _engine()
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


from warehouse_lite.admin.cli import admin as _admin_commands  # noqa: E402

main.add_command(_admin_commands)

from warehouse_lite.backup import backup as _backup_commands  # noqa: E402

main.add_command(_backup_commands)

from warehouse_lite.macaroons.cli import token as _token_commands  # noqa: E402

main.add_command(_token_commands)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("WAREHOUSE_ENV", "development")
    main()
