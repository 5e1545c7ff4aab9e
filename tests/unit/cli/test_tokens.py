"""`warehouse-lite token ...` in-process (CliRunner) against a real database (SQLite, or
PostgreSQL with WAREHOUSE_TEST_DATABASE), with real emails in an outbox folder. The token it
prints is verified by the real MacaroonService. The commands commit, so each test uses its own
names."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.common.factories import EmailFactory, UserFactory
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.unit.cli.test_admin import database, env, fresh, mails, name, seed, text
from warehouse_lite.cli import main
from warehouse_lite.events.models import ProjectEvent, UserEvent
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.caveats import target_for
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import InvalidMacaroon, MacaroonService

__all__ = ["database", "env", "seed"]  # fixtures shared with the admin CLI's tests

SITE = "http://index.example"  # the env fixture's SITE_URL


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["token", *args])


def _days(n: int) -> str:
    return (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=n)).isoformat()


def test_create_prints_only_the_token_and_it_uploads(env: Path, seed: Session) -> None:
    user = UserFactory(username=name())
    seed.commit()
    result = run("create", user.username, "--description", "ci")
    assert result.exit_code == 0, result.stderr
    raw = result.stdout.strip()
    assert result.stdout == raw + "\n" and raw.startswith("pypi-")
    assert "created API token 'ci' (Entire account (all projects); expires: never) for " in (
        result.stderr
    )
    assert "shown only this once" in result.stderr and raw not in result.stderr

    seed.expire_all()
    verified = MacaroonService(seed).authenticate(raw)
    assert verified.macaroon.description == "ci"
    assert verified.macaroon.user_id == user.id
    assert verified.check(target_for(user, None)) == cv.Success()
    # The same event and email as a token made on the token page.
    event = fresh(seed, UserEvent, user_id=user.id, tag="account:api_token:added")
    assert event.additional["description"] == "ci"
    assert event.additional["scope"] == "Entire account (all projects)"
    [mail] = mails(env)
    assert mail["To"] == f"{user.username}@example.com"
    assert '"ci" added' in mail["Subject"]
    assert raw not in text(mail) and f"{SITE}/manage/account/token/" in text(mail)


def test_an_expiry_of_today_is_a_token_for_the_rest_of_the_day(env: Path, seed: Session) -> None:
    """--expires names the last day the token works, so today is allowed (it was refused)."""
    user = UserFactory(username=name())
    seed.commit()
    result = run("create", user.username, "--description", "today", "--expires", _days(0))
    assert result.exit_code == 0, result.stderr
    assert f"expires: {_days(1)} 00:00 UTC" in result.stderr
    seed.expire_all()
    verified = MacaroonService(seed).authenticate(result.stdout.strip())
    assert verified.check(target_for(user, None)) == cv.Success()


def test_create_for_projects_with_an_expiry(env: Path, seed: Session) -> None:
    user = UserFactory(username=name())
    alpha = RoleFactory(user=user, project__name=f"{user.username}-alpha").project
    beta = RoleFactory(
        user=user, role_name="Maintainer", project__name=f"{user.username}-b"
    ).project
    other = ProjectFactory(name=f"{user.username}-other")
    seed.commit()
    last_day = _days(30)
    result = run(
        "create",
        user.username,
        "--project",
        alpha.name.upper(),
        "--project",
        beta.name,
        "--expires",
        last_day,
        "--description",
        "release job",
    )
    assert result.exit_code == 0, result.stderr
    seed.expire_all()
    verified = MacaroonService(seed).authenticate(result.stdout.strip())
    row = verified.macaroon
    assert sorted(row.project_names) == sorted([alpha.normalized_name, beta.normalized_name])
    assert row.expires is not None and row.expires.date().isoformat() == _days(31)
    assert verified.check(target_for(user, alpha)) == cv.Success()
    assert verified.check(target_for(user, beta)) == cv.Success()
    assert isinstance(verified.check(target_for(user, other)), cv.Failure)
    after_expiry = int(row.expires.replace(tzinfo=datetime.UTC).timestamp()) + 1
    assert isinstance(verified.check(target_for(user, alpha, now=after_expiry)), cv.Failure)
    assert f"expires: {_days(31)} 00:00 UTC" in result.stderr
    events = seed.scalars(
        select(ProjectEvent).where(ProjectEvent.tag == "project:api_token:added")
    ).all()
    assert {e.project_id for e in events} >= {alpha.id, beta.id}
    assert len(mails(env)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "no-such-project-anywhere"], "no project named 'no-such-project-anywhere'"),
        (["--project", "{other}"], "cannot upload to '{other}': only its owners and maintainers"),
        (["--expires", "{yesterday}"], "--expires: The expiry date cannot be in the past."),
        (["--expires", "{far}"], "--expires: The expiry date can be at most 3650 days"),
        (["--expires", "2030-02-30"], "Invalid value for '--expires'"),
        (["--expires", "next week"], "Invalid value for '--expires'"),
        (["--description", "   "], "--description: Give the token a name"),
        (["--description", "x" * 101], "--description: The name must be at most 100 characters."),
        (["--description", "taken"], "--description: You already have a token with this name."),
    ],
)
def test_create_refuses_bad_input(env: Path, seed: Session, args: list[str], message: str) -> None:
    user = UserFactory(username=name())
    other = ProjectFactory(name=f"{user.username}-not-theirs")
    seed.commit()
    assert run("create", user.username, "--description", "taken").exit_code == 0
    values = {
        "other": other.name,
        "yesterday": _days(-1),
        "today": _days(0),
        "far": _days(3651),
    }
    filled = [a.format(**values) for a in args]
    result = run("create", user.username, *filled)
    assert result.exit_code != 0
    assert message.format(**values) in result.stderr
    assert result.stdout == ""
    seed.expire_all()
    assert [m.description for m in seed.scalars(select(Macaroon).filter_by(user_id=user.id))] == [
        "taken"
    ]
    assert len(mails(env)) == 1  # the first token's


def test_create_refuses_unknown_disabled_and_unverified_users(env: Path, seed: Session) -> None:
    unknown = run("create", "nobody-" + name())
    assert unknown.exit_code == 1 and "no user named 'nobody-" in unknown.stderr
    disabled = UserFactory(username=name(), is_active=False)
    unverified = UserFactory(username=name(), with_email=False)
    EmailFactory(user=unverified, email=f"{unverified.username}@example.com", primary=True)
    seed.commit()
    refused = run("create", disabled.username)
    assert refused.exit_code == 1 and "account is disabled" in refused.stderr
    refused = run("create", unverified.username)
    assert refused.exit_code == 1 and "no verified primary email address" in refused.stderr
    assert refused.stdout == "" and mails(env) == []


def test_default_description_and_list_and_revoke(env: Path, seed: Session) -> None:
    user = UserFactory(username=name())
    project = RoleFactory(user=user, project__name=f"{user.username}-p").project
    seed.commit()
    first = run("create", user.username)
    assert first.exit_code == 0, first.stderr
    second = run("create", user.username, "--project", project.name, "--description", "deploy")
    assert second.exit_code == 0, second.stderr

    listed = run("list", user.username)
    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t")[1].startswith("command line ")
    _ident, description, scope, created, last_used, expires = lines[1].split("\t")
    assert (description, scope) == ("deploy", f"Project: {project.normalized_name}")
    assert created.startswith("created ") and (last_used, expires) == (
        "last used never",
        "expires never",
    )

    revoked = run("revoke", user.username, "deploy")
    assert revoked.exit_code == 0, revoked.stderr
    assert f"revoked API token 'deploy' (Project: {project.normalized_name}" in revoked.stdout
    with pytest.raises(InvalidMacaroon, match="revoked"):
        seed.expire_all()
        MacaroonService(seed).authenticate(second.stdout.strip())
    by_id = run("revoke", user.username, lines[0].split("\t")[0])
    assert by_id.exit_code == 0, by_id.stderr
    assert run("list", user.username).stdout == ""
    again = run("revoke", user.username, "deploy")
    assert again.exit_code == 1 and "has no API token 'deploy'" in again.stderr
    subjects = [m["Subject"] for m in mails(env)]
    assert sum("added" in s for s in subjects) == 2
    assert sum("removed" in s for s in subjects) == 2
    assert fresh(seed, UserEvent, user_id=user.id, tag="account:api_token:removed") is not None


def test_revoke_only_the_users_own_token(env: Path, seed: Session) -> None:
    owner, other = UserFactory(username=name()), UserFactory(username=name())
    seed.commit()
    created = run("create", owner.username, "--description", "mine")
    token_id = run("list", owner.username).stdout.split("\t")[0]
    refused = run("revoke", other.username, token_id)
    assert refused.exit_code == 1 and "has no API token" in refused.stderr
    seed.expire_all()
    assert MacaroonService(seed).authenticate(created.stdout.strip()).macaroon.user_id == owner.id
