"""`warehouse-lite admin ...`: the admin actions from a shell on the server.

The commands run the same admin.services functions as the web admin, on a request prepared
from the configured application (pyramid.scripting.prepare with a request for SITE_URL): so
emails render with the site's real URLs, and everything that waits for the commit (sending
mail through Celery, deleting stored files) happens exactly as after a web request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from warehouse_lite.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.admin.services import Actor

ADMIN_OPTION = click.option(
    "--admin",
    "admin_name",
    default="cli",
    show_default=True,
    help="Your name, recorded with the action (an admin's username links it to the account).",
)
REASON_OPTION = click.option(
    "--reason",
    required=True,
    help="Why; recorded with the action (and emailed where a user is told).",
)


@contextmanager
def admin_request() -> Iterator[Request]:
    """A request of the configured app, inside a transaction committed when the block ends
    normally (aborted on any error). After-commit work runs at the commit."""
    from pyramid.request import Request as PyramidRequest
    from pyramid.scripting import prepare

    from warehouse_lite.config import configure

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
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


def _actor(request: Request, admin_name: str) -> Actor:
    """The Actor for --admin; a name that is an account must be an administrator's."""
    from warehouse_lite.accounts.services import UserService
    from warehouse_lite.admin.services import Actor

    user = request.find_service(UserService).get_user_by_username(admin_name)
    if user is not None and not user.is_admin:
        raise click.ClickException(f"--admin {admin_name!r} is a user without the admin flag")
    # record_journal reads request.user: the journal then names the administrator.
    request.user = user
    return Actor(
        username=user.username if user else admin_name, via="cli", user_id=user and user.id
    )


def _run(action: Callable[[Request, Actor], str], admin_name: str) -> None:
    from warehouse_lite.admin.services import AdminError

    try:
        with admin_request() as request:
            message = action(request, _actor(request, admin_name))
    except AdminError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(message)


@click.group("admin")
def admin() -> None:
    """Find and rescue accounts, remove projects. Every action is recorded with --admin and
    --reason (see /admin/actions/ or `warehouse-lite admin log`)."""


@admin.command("find-user")
@click.argument("query")
def find_user(query: str) -> None:
    """Users whose username or email address contains QUERY."""
    from warehouse_lite.admin import services
    from warehouse_lite.macaroons.services import MacaroonService

    with admin_request() as request:
        users = services.find_users(request.db, query)
        if not users:
            raise click.ClickException(f"no user matches {query!r}")
        for user in users:
            methods = services.two_factor_methods(request, user)
            second = [
                name for name, on in (("totp", methods["totp"]), ("keys", methods["keys"])) if on
            ]
            tokens = len(request.find_service(MacaroonService).macaroons_for_user(user))
            flags = ("active" if user.is_active else "DISABLED") + (
                ", admin" if user.is_admin else ""
            )
            emails = ", ".join(
                e.email + ("" if e.verified else " (unverified)") for e in user.emails
            )
            click.echo(
                f"{user.username}\t{flags}\t2fa: {'+'.join(second) or 'none'}\t"
                f"tokens: {tokens}\t{emails}"
            )


@admin.command("find-project")
@click.argument("query")
def find_project(query: str) -> None:
    """Projects whose name contains QUERY."""
    from warehouse_lite.admin import services

    with admin_request() as request:
        projects = services.find_projects(request.db, query)
        if not projects:
            raise click.ClickException(f"no project matches {query!r}")
        for project in projects:
            owners = ", ".join(sorted(f"{r.user.username} ({r.role_name})" for r in project.roles))
            files = sum(len(release.files) for release in project.releases)
            click.echo(
                f"{project.name}\treleases: {len(project.releases)}\tfiles: {files}\t{owners}"
            )


def _user_command(name: str, help_text: str, done: str, function_name: str) -> None:
    @admin.command(name, help=help_text)
    @click.argument("username")
    @REASON_OPTION
    @ADMIN_OPTION
    def command(username: str, reason: str, admin_name: str) -> None:
        from warehouse_lite.admin import services

        def action(request: Request, actor: Actor) -> str:
            user = services.get_user(request.db, username)
            result = getattr(services, function_name)(request, actor, user, reason)
            details = f": {', '.join(result)}" if isinstance(result, list) else ""
            return f"{user.username} {done}{details}"

        _run(action, admin_name)


_user_command(
    "disable-user",
    "Disable USERNAME: sessions end, tokens and password stop working, login is refused.",
    "disabled",
    "disable_user",
)
_user_command("enable-user", "Re-enable a disabled USERNAME.", "re-enabled", "enable_user")
_user_command(
    "reset-2fa",
    "Remove every second factor and recovery code of USERNAME (after checking who asks); "
    "the user is emailed.",
    "had two-factor authentication reset; removed",
    "reset_two_factor",
)
_user_command(
    "revoke-tokens",
    "Delete every API token of USERNAME; the user is emailed.",
    "had API tokens revoked",
    "revoke_tokens",
)


@admin.command("remove-project")
@click.argument("name")
@REASON_OPTION
@ADMIN_OPTION
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_project(name: str, reason: str, admin_name: str, yes: bool) -> None:
    """Remove project NAME: files leave the index and storage, filenames stay reserved; the
    owners are emailed."""
    from warehouse_lite.admin import services

    def action(request: Request, actor: Actor) -> str:
        project = services.get_project(request.db, name)
        if not yes:
            click.confirm(
                f"Remove {project.name} with all its releases and files? This cannot be undone",
                abort=True,
            )
        summary = services.remove_project(request, actor, project, reason)
        return (
            f"removed {summary['name']} ({summary['releases']} release(s), "
            f"{summary['files']} file(s)); its filenames stay reserved"
        )

    _run(action, admin_name)


@admin.command("log")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
def log(limit: int) -> None:
    """The newest admin actions."""
    from warehouse_lite.admin import services

    with admin_request() as request:
        for entry in services.recent_actions(request.db, limit=limit):
            click.echo(
                f"{entry.time:%Y-%m-%d %H:%M:%S}\t{entry.admin_username} ({entry.via})\t"
                f"{entry.action}\t{entry.target_kind} {entry.target_name}\t{entry.reason}"
            )
