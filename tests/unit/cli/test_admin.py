"""`warehouse-lite admin ...` in-process (CliRunner) against a real database of its own
(SQLite, or PostgreSQL with WAREHOUSE_TEST_DATABASE), with real emails in an outbox folder and
real files in a storage folder. The commands commit, so each test uses its own names."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.common import factories
from tests.common.db import throwaway_database_url
from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import FileFactory, RoleFactory
from tests.common.two_factor_factories import UserTOTPFactory
from warehouse_lite import migrations
from warehouse_lite.accounts.models import User
from warehouse_lite.accounts.two_factor.models import RecoveryCode, UserTOTP
from warehouse_lite.accounts.two_factor.services import TwoFactorService
from warehouse_lite.admin.models import AdminAction
from warehouse_lite.cli import main
from warehouse_lite.events.models import UserEvent
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.packaging.models import FilenameRegistry, JournalEntry, Project
from warehouse_lite.tasks import celery_app

SITE = "http://index.example"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database_url(tmp_path_factory.mktemp("admin-cli")) as url:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        migrations.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def env(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's environment; restores the process-wide Celery configuration afterwards
    (the command configures it for its own app, as the real command does)."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    saved_extra = {
        key: celery_app.conf.get(key)
        for key in ("warehouse_lite_settings", "warehouse_lite_sessionmaker")
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "MAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    values = {
        "WAREHOUSE_ENV": "development",
        "DATABASE_URL": database,
        "VAR_DIR": str(tmp_path / "var"),
        "FILES_DIR": str(tmp_path / "files"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
        "CELERY_EAGER": "true",
        "SITE_URL": SITE,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield tmp_path
    celery_app.conf.update(**saved, **saved_extra)


@pytest.fixture
def seed(database: str) -> Iterator[Session]:
    """A session whose rows are committed (the CLI runs in its own transaction)."""
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
    session = Session(engine, expire_on_commit=False)
    factories.bind(session)
    yield session
    session.close()
    engine.dispose()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["admin", *args], input=input)


def mails(tmp_path: Path) -> list[email.message.EmailMessage]:
    folder = tmp_path / "mail"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def text(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def fresh(seed: Session, model: Any, **where: Any) -> Any:
    seed.expire_all()
    return seed.scalar(select(model).filter_by(**where))


def name() -> str:
    return "u" + uuid.uuid4().hex[:10]


def test_find_user_and_project(env, seed) -> None:
    user = UserFactory(username=name())
    UserTOTPFactory(user=user)
    RoleFactory(user=user, project__name=f"{user.username}-project")
    seed.commit()
    result = run("find-user", user.username.upper())
    assert result.exit_code == 0, result.output
    assert f"{user.username}\tactive\t2fa: totp\ttokens: 0\t{user.username}@example.com" in (
        result.output
    )
    by_email = run("find-user", f"{user.username}@example")
    assert user.username in by_email.output
    project = run("find-project", f"{user.username}-PROJ")
    assert project.exit_code == 0
    assert f"{user.username}-project\treleases: 0\tfiles: 0\t{user.username} (Owner)" in (
        project.output
    )
    for command in ("find-user", "find-project"):
        missing = run(command, "no-such-thing-anywhere")
        assert missing.exit_code == 1 and "no " in missing.output


def test_disable_and_enable_user(env, seed) -> None:
    user = UserFactory(username=name())
    seed.commit()
    result = run("disable-user", user.username, "--reason", "spam wave", "--admin", "ops-jane")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{user.username} disabled"
    disabled = fresh(seed, User, id=user.id)
    assert not disabled.is_active and disabled.disabled_reason == "spam wave"
    event = fresh(seed, UserEvent, user_id=user.id, tag="account:disabled")
    assert event.additional == {"admin": "ops-jane", "reason": "spam wave"}
    logged = fresh(seed, AdminAction, target_name=user.username)
    assert (logged.admin_username, logged.via, logged.admin_id) == ("ops-jane", "cli", None)

    again = run("disable-user", user.username, "--reason", "again")
    assert again.exit_code == 1 and "already disabled" in again.output
    result = run("enable-user", user.username, "--reason", "appeal accepted")
    assert result.exit_code == 0, result.output
    assert fresh(seed, User, id=user.id).is_active


USER_COMMANDS = ["disable-user", "enable-user", "reset-2fa", "revoke-tokens"]


@pytest.mark.parametrize("command", [*USER_COMMANDS, "remove-project"])
def test_unknown_names_missing_and_blank_reasons_change_nothing(env, seed, command) -> None:
    user = UserFactory(username=name(), is_active=command != "enable-user")
    UserTOTPFactory(user=user)
    mint_token(seed, user)
    project = RoleFactory(user=user, project__name=f"{user.username}-p").project
    seed.commit()
    target = project.name if command == "remove-project" else user.username
    extra = ["--yes"] if command == "remove-project" else []

    unknown = run(command, "nobody-" + name(), "--reason", "x", *extra)
    assert unknown.exit_code == 1
    kind = "project" if command == "remove-project" else "user"
    assert f"Error: There is no {kind} named 'nobody-" in unknown.output
    missing = run(command, target, *extra)
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.output
    blank = run(command, target, "--reason", "   ", *extra)
    assert blank.exit_code == 1 and "Give a reason" in blank.output

    seed.expire_all()
    assert seed.scalars(select(AdminAction).where(AdminAction.target_name == target)).all() == []
    assert fresh(seed, User, id=user.id).is_active == (command != "enable-user")
    assert fresh(seed, UserTOTP, user_id=user.id) is not None
    assert fresh(seed, Macaroon, user_id=user.id) is not None
    assert fresh(seed, Project, id=project.id) is not None


def test_reset_2fa_emails_the_user_with_the_sites_urls(env, seed) -> None:
    user = UserFactory(username=name())
    UserTOTPFactory(user=user)
    TwoFactorService(seed).generate_recovery_codes(user)
    seed.commit()
    result = run("reset-2fa", user.username, "--reason", "ID checked on a call", "--admin", "bob")
    assert result.exit_code == 0, result.output
    assert "authentication application (TOTP), 8 recovery codes" in result.output
    assert fresh(seed, UserTOTP, user_id=user.id) is None
    assert fresh(seed, RecoveryCode, user_id=user.id) is None
    event = fresh(seed, UserEvent, user_id=user.id, tag="account:two-factor:reset")
    assert event.additional["admin"] == "bob"
    [mail] = mails(env)
    assert mail["To"] == f"{user.username}@example.com"
    body = text(mail)
    assert "ID checked on a call" in body
    # Rendered without a web request: the links still name this site.
    assert f"{SITE}/help/#two-factor" in body and f"{SITE}/account/login/" in body


def test_revoke_tokens(env, seed) -> None:
    user = UserFactory(username=name())
    mint_token(seed, user, description="one")
    mint_token(seed, user, description="two")
    seed.commit()
    result = run("revoke-tokens", user.username, "--reason", "leaked")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{user.username} had API tokens revoked: one, two"
    assert fresh(seed, Macaroon, user_id=user.id) is None
    [mail] = mails(env)
    assert "revoked" in mail["Subject"] and f"{SITE}/manage/account/token/" in text(mail)
    logged = fresh(seed, AdminAction, target_name=user.username)
    assert (logged.admin_username, logged.details) == ("cli", {"tokens": ["one", "two"]})


def test_remove_project_deletes_files_and_keeps_names(env, seed) -> None:
    admin = UserFactory(username=name(), is_admin=True)
    owner = UserFactory(username=name())
    file = FileFactory(release__project__name=f"{owner.username}-lib")
    project = file.release.project
    RoleFactory(user=owner, project=project)
    seed.commit()
    filename, project_name, project_id = file.filename, project.name, project.id
    normalized = project.normalized_name
    stored = env / "files" / file.path
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"sdist bytes")

    declined = run("remove-project", project_name, "--reason", "malware", input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert fresh(seed, Project, id=project_id) is not None and stored.exists()

    result = run(
        "remove-project",
        project_name.upper(),
        "--reason",
        "malware",
        "--admin",
        admin.username,
        input="y\n",
    )
    assert result.exit_code == 0, result.output
    assert f"removed {project_name} (1 release(s), 1 file(s))" in result.output
    assert fresh(seed, Project, id=project_id) is None
    assert not stored.exists()
    assert fresh(seed, FilenameRegistry, filename=filename) is not None
    journal = fresh(seed, JournalEntry, name=project_name, action="remove project")
    assert journal.submitted_by_id == admin.id
    logged = fresh(seed, AdminAction, target_name=normalized)
    assert (logged.admin_id, logged.details["owners"]) == (admin.id, [owner.username])
    [mail] = mails(env)
    assert mail["To"] == f"{owner.username}@example.com" and "malware" in text(mail)


def test_admin_option_must_not_name_a_non_admin(env, seed) -> None:
    plain = UserFactory(username=name())
    target = UserFactory(username=name())
    seed.commit()
    result = run("disable-user", target.username, "--reason", "x", "--admin", plain.username)
    assert result.exit_code == 1 and "without the admin flag" in result.output
    assert fresh(seed, User, id=target.id).is_active


def test_log_lists_actions(env, seed) -> None:
    user = UserFactory(username=name())
    seed.commit()
    run("disable-user", user.username, "--reason", "log me", "--admin", "carol")
    result = run("log", "--limit", "5")
    assert result.exit_code == 0
    assert f"carol (cli)\tdisable-user\tuser {user.username}\tlog me" in result.output
