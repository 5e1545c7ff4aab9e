"""`warehouse-lite admin ...`: the admin actions from a shell on the server.

The commands make the same AdminService calls as the web admin, as an operator Actor (--admin:
nobody is logged in on the request), on a request prepared from the configured application
(pyramid.scripting.prepare with a request for SITE_URL): so emails render with the site's real
URLs, and everything that waits for the commit (sending mail through Celery, deleting stored
files) happens exactly as after a web request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from warehouse_lite.cli.configured import app_request

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.admin.services import AdminService
    from warehouse_lite.events.actor import Actor
    from warehouse_lite.packaging.models import Project

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


def _actor(request: Request, admin_name: str) -> Actor:
    """The Actor for --admin; a name that is an account must be an administrator's (the
    journal and the log then name that account)."""
    from warehouse_lite.accounts.services import UserService
    from warehouse_lite.events.actor import Actor

    user = request.find_service(UserService).get_user_by_username(admin_name)
    if user is not None and not user.is_admin:
        raise click.ClickException(f"--admin {admin_name!r} is a user without the admin flag")
    return Actor.operator(admin_name, user=user)


def _run(action: Callable[[AdminService, Actor], str], admin_name: str) -> None:
    """Run ``action`` in a transaction of its own; print what it says, or its refusal."""
    from warehouse_lite.admin.services import AdminError, AdminService

    try:
        with app_request() as request:
            message = action(request.find_service(AdminService), _actor(request, admin_name))
    except AdminError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(message)


def _list_matches(kind: str, query: str, describe: Callable[[Request, Any], str]) -> None:
    """Print one line per user or project (``kind``) whose name matches ``query``."""
    from warehouse_lite.admin.services import AdminService

    with app_request() as request:
        admin = request.find_service(AdminService)
        found = admin.find_users(query) if kind == "user" else admin.find_projects(query)
        if not found:
            raise click.ClickException(f"no {kind} matches {query!r}")
        for item in found:
            click.echo(describe(request, item))


@click.group("admin")
def admin() -> None:
    """Find and rescue accounts, remove projects. Every action is recorded with --admin and
    --reason (see /admin/actions/ or `warehouse-lite admin log`)."""


@admin.command("find-user")
@click.argument("query")
def find_user(query: str) -> None:
    """Users whose username or email address contains QUERY."""
    from warehouse_lite.admin.services import AdminService
    from warehouse_lite.macaroons.services import MacaroonService

    def describe(request: Request, user: User) -> str:
        methods = request.find_service(AdminService).two_factor_methods(user)
        second = [name for name, on in (("totp", methods["totp"]), ("keys", methods["keys"])) if on]
        tokens = len(request.find_service(MacaroonService).macaroons_for_user(user))
        flags = ("active" if user.is_active else "DISABLED") + (", admin" if user.is_admin else "")
        emails = ", ".join(e.email + ("" if e.verified else " (unverified)") for e in user.emails)
        return (
            f"{user.username}\t{flags}\t2fa: {'+'.join(second) or 'none'}\t"
            f"tokens: {tokens}\t{emails}"
        )

    _list_matches("user", query, describe)


@admin.command("find-project")
@click.argument("query")
def find_project(query: str) -> None:
    """Projects whose name contains QUERY."""

    def describe(request: Request, project: Project) -> str:
        owners = ", ".join(sorted(f"{r.user.username} ({r.role_name})" for r in project.roles))
        files = sum(len(release.files) for release in project.releases)
        return f"{project.name}\treleases: {len(project.releases)}\tfiles: {files}\t{owners}"

    _list_matches("project", query, describe)


def _user_command(name: str, help_text: str, done: str, method: str) -> None:
    """A command that runs the AdminService ``method`` on USERNAME with --reason."""

    @admin.command(name, help=help_text)
    @click.argument("username")
    @REASON_OPTION
    @ADMIN_OPTION
    def command(username: str, reason: str, admin_name: str) -> None:
        def action(service: AdminService, actor: Actor) -> str:
            user = service.get_user(username)
            result = getattr(service, method)(user, actor, reason)
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

    def action(service: AdminService, actor: Actor) -> str:
        project = service.get_project(name)
        if not yes:
            click.confirm(
                f"Remove {project.name} with all its releases and files? This cannot be undone",
                abort=True,
            )
        summary = service.remove_project(project, actor, reason)
        return (
            f"removed {summary['name']} ({summary['releases']} release(s), "
            f"{summary['files']} file(s)); its filenames stay reserved"
        )

    _run(action, admin_name)


@admin.command("log")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
def log(limit: int) -> None:
    """The newest admin actions."""
    from warehouse_lite.admin.services import AdminService

    with app_request() as request:
        for entry in request.find_service(AdminService).recent_actions(limit=limit):
            click.echo(
                f"{entry.time:%Y-%m-%d %H:%M:%S}\t{entry.admin_username} ({entry.via})\t"
                f"{entry.action}\t{entry.target_kind} {entry.target_name}\t{entry.reason}"
            )
