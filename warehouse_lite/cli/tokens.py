"""`warehouse-lite token ...`: API tokens for automation, made from a shell on the server.

An operator provisioning CI needs a token without the web UI. `token create` prints the token,
once, as the only thing on standard output (messages go to standard error), so that
`TOKEN=$(warehouse-lite token create ci-bot --project demo)` captures exactly the token. A token
made here is checked by the token page's own form, issued by the same service call
(MacaroonService.issue_upload_token) and so recorded and emailed to its owner exactly like one
made on the web. The commands run on a request prepared from the configured app (see cli/admin.py).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import click
from packaging.utils import canonicalize_name
from sqlalchemy import select

from warehouse_lite.cli.configured import app_request

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.macaroons.models import Macaroon
    from warehouse_lite.packaging.models import Project

# The form's field -> the option that feeds it, to name the option in error messages.
FORM_OPTIONS = {"description": "--description", "token_scope": "--project", "expires": "--expires"}


def _user(request: Request, username: str) -> User:
    from warehouse_lite.accounts.services import UserService

    user = request.find_service(UserService).get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


def _check_projects(request: Request, user: User, names: tuple[str, ...]) -> list[Project]:
    """The projects the user may upload to, after checking that each of ``names`` is one."""
    from warehouse_lite.macaroons.services import MacaroonService
    from warehouse_lite.packaging.models import Project

    scopes = request.find_service(MacaroonService).token_scopes(user)
    allowed = {p.normalized_name: p for p in scopes}
    for name in names:
        normalized = canonicalize_name(name)
        if normalized in allowed:
            continue
        exists = request.db.scalar(select(Project.id).where(Project.normalized_name == normalized))
        if exists is None:
            raise click.ClickException(f"no project named {name!r}")
        raise click.ClickException(
            f"{user.username} cannot upload to {name!r}: only its owners and maintainers can, "
            "so a token of theirs cannot be scoped to it"
        )
    return list(allowed.values())


def _describe(macaroon: Macaroon) -> str:
    expires = macaroon.expires.strftime("%Y-%m-%d %H:%M UTC") if macaroon.expires else "never"
    return f"{macaroon.description!r} ({macaroon.scope_summary}; expires: {expires})"


@click.group("token")
def token() -> None:
    """API tokens (upload only) for automation such as CI."""


@token.command("create")
@click.argument("username")
@click.option(
    "--project",
    "projects",
    multiple=True,
    metavar="NAME",
    help="Scope the token to this project (repeat for several). Default: the whole account.",
)
@click.option(
    "--expires",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The last day (UTC) the token works. Default: it does not expire.",
)
@click.option(
    "--description",
    default=None,
    help="The token's name, unique among USERNAME's tokens. "
    "Default: 'command line' and the current time.",
)
def create(
    username: str,
    projects: tuple[str, ...],
    expires: datetime.datetime | None,
    description: str | None,
) -> None:
    """Create an upload token for USERNAME and print it (shown once; only it goes to stdout).

    The user gets the same security-history event and email as for a token made on the web.
    """
    from webob.multidict import MultiDict

    from warehouse_lite.events.actor import Actor
    from warehouse_lite.macaroons.forms import (
        PROJECT_SCOPE_PREFIX,
        USER_SCOPE,
        CreateMacaroonForm,
    )
    from warehouse_lite.macaroons.services import DuplicateDescription, MacaroonService

    if description is None:
        now = datetime.datetime.now(datetime.UTC)
        description = f"command line {now:%Y-%m-%d %H:%M:%S} UTC"
    with app_request() as request:
        user = _user(request, username)
        if not user.is_active:
            raise click.ClickException(f"{user.username}'s account is disabled")
        service = request.find_service(MacaroonService)
        if not service.can_hold_tokens(user):
            raise click.ClickException(
                f"{user.username} has no verified primary email address: tokens are only for "
                "accounts whose owner can be reached (verify the address first)"
            )
        allowed = _check_projects(request, user, projects)
        formdata = MultiDict(
            [("description", description)]
            + [("token_scope", PROJECT_SCOPE_PREFIX + name) for name in projects]
            + ([] if projects else [("token_scope", USER_SCOPE)])
            + [("expires", f"{expires:%Y-%m-%d}" if expires else "")]
        )
        form = CreateMacaroonForm(
            formdata, projects=allowed, taken=lambda d: service.description_taken(user, d)
        )
        if not form.validate():
            raise click.ClickException(
                " ".join(
                    f"{FORM_OPTIONS.get(field, field)}: {' '.join(messages)}"
                    for field, messages in form.errors.items()
                )
            )
        try:
            raw, macaroon = service.issue_upload_token(
                user,
                form.description.data,
                Actor.operator("cli"),
                projects=form.selected_projects,
                expires=form.expires_at,
            )
        except DuplicateDescription:
            raise click.ClickException(
                f"--description: {user.username} already has a token named {description!r}"
            ) from None
        summary = _describe(macaroon)
        owner = user.username
    # Only now that the transaction has committed: a token printed is a token that exists.
    click.echo(raw)
    click.echo(
        f"created API token {summary} for {owner}; it is shown only this once. "
        f"{owner} is emailed about it.",
        err=True,
    )


@token.command("list")
@click.argument("username")
def list_tokens(username: str) -> None:
    """USERNAME's tokens: id, name, scope, created, last used, expiry (tab-separated)."""
    from warehouse_lite.macaroons.services import MacaroonService

    def when(value: datetime.datetime | None, default: str) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else default

    with app_request() as request:
        user = _user(request, username)
        macaroons = request.find_service(MacaroonService).macaroons_for_user(user)
        if not macaroons:
            click.echo(f"{user.username} has no API tokens", err=True)
        for macaroon in macaroons:
            click.echo(
                "\t".join(
                    [
                        str(macaroon.id),
                        macaroon.description,
                        macaroon.scope_summary,
                        f"created {when(macaroon.created, '?')}",
                        f"last used {when(macaroon.last_used, 'never')}",
                        f"expires {when(macaroon.expires, 'never')}",
                    ]
                )
            )


@token.command("revoke")
@click.argument("username")
@click.argument("wanted", metavar="TOKEN")
def revoke(username: str, wanted: str) -> None:
    """Revoke USERNAME's token TOKEN (its id or its name), as its owner would on the web: it
    stops working at once and the user is emailed. (`admin revoke-tokens` revokes them all.)"""
    from warehouse_lite.events.actor import Actor
    from warehouse_lite.macaroons.services import MacaroonService, RemovedByOwner

    with app_request() as request:
        user = _user(request, username)
        service = request.find_service(MacaroonService)
        macaroon = service.get_macaroon(wanted)
        if macaroon is None or macaroon.user_id != user.id:
            named = [m for m in service.macaroons_for_user(user) if m.description == wanted]
            macaroon = named[0] if named else None  # names are unique per user
        if macaroon is None:
            raise click.ClickException(f"{user.username} has no API token {wanted!r}")
        owner = user.username
        summary = _describe(macaroon)
        if not service.revoke(macaroon, RemovedByOwner(), Actor.operator("cli")):
            raise click.ClickException(f"{owner}'s API token {wanted!r} was revoked meanwhile")
    click.echo(f"revoked API token {summary} of {owner}")
