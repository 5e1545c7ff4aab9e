"""`warehouse-lite user ...`: user accounts (UserService does the work)."""

from __future__ import annotations

import sys

import click

from warehouse_lite.cli.configured import configured_engine, configured_settings


@click.group("user")
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

    settings = configured_settings()
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
    with Session(configured_engine()) as session, session.begin():
        users = UserService(session, PasswordCost.from_settings(settings))
        if users.username_is_taken(username):
            raise click.ClickException(f"username {username!r} is already taken")
        if users.email_is_taken(email):
            raise click.ClickException(f"email {email!r} is already used by another account")
        created = users.create_user(
            username, name, password, email, verified=verified, is_admin=admin
        )
        click.echo(f"created user {created.username} ({created.id})")
