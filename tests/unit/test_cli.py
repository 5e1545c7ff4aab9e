"""The `warehouse-lite` command, run in-process with a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from warehouse_lite.accounts.models import User
from warehouse_lite.cli import main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("WAREHOUSE_ENV", "development")
    return CliRunner()


def test_db_upgrade_then_current(runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "current"])
    assert result.output.strip() == "empty"
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at" in result.output
    assert runner.invoke(main, ["db", "current"]).output.strip() != "empty"


def test_user_create(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["db", "upgrade"])
    args = [
        "user",
        "create",
        "Root",
        "--email",
        "root@example.com",
        "--password-stdin",
        "--verified",
        "--admin",
    ]
    result = runner.invoke(main, args, input="a good long password\n")
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite3'}")
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == "Root"))
        assert user is not None and user.is_admin
        assert user.primary_email.verified and user.password.startswith("$argon2id$")
    again = runner.invoke(main, [*args[:2], "root", *args[3:]], input="a good long password\n")
    assert again.exit_code != 0 and "already taken" in again.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["bad name!", "--email", "a@example.com"],
            "a good long password\n",
            "Username is invalid",
        ),
        (["okname", "--email", "nope"], "a good long password\n", "isn't valid"),
        (["okname", "--email", "a@example.com"], "short\n", "at least 8"),
    ],
)
def test_user_create_refuses_bad_input(
    runner: CliRunner, args: list[str], stdin: str, message: str
) -> None:
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(main, ["user", "create", *args, "--password-stdin"], input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_bad_setting_is_a_clear_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PORT", "many")
    result = runner.invoke(main, ["db", "current"])
    assert result.exit_code != 0
    assert "configuration error: SMTP_PORT='many' is not a whole number" in result.output


def test_nginx_config_follows_the_settings(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITE_URL", "https://pypi.example.org")
    monkeypatch.delenv("SIMPLE_PAGES_DIR", raising=False)
    proxied = runner.invoke(main, ["nginx-config", "--upstream", "127.0.0.1:9000"])
    assert proxied.exit_code == 0, proxied.output
    assert "server_name pypi.example.org;" in proxied.output
    assert "server 127.0.0.1:9000;" in proxied.output
    assert "try_files" not in proxied.output  # nothing published: everything to the app

    monkeypatch.setenv("SIMPLE_PAGES_DIR", str(tmp_path / "pages"))
    published = runner.invoke(main, ["nginx-config", "--standalone", str(tmp_path / "nginx")])
    assert published.exit_code == 0, published.output
    assert f'"{tmp_path / "pages" / "links"}/$warehouse_lite_page_key' in published.output
    assert f"pid {tmp_path / 'nginx' / 'nginx.pid'};" in published.output


def test_simple_pages_clear(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SIMPLE_PAGES_DIR", raising=False)
    refused = runner.invoke(main, ["simple-pages", "clear"])
    assert refused.exit_code != 0 and "SIMPLE_PAGES_DIR is not set" in refused.output

    page = tmp_path / "pages" / "simple" / "demo" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("stale")
    monkeypatch.setenv("SIMPLE_PAGES_DIR", str(tmp_path / "pages"))
    result = runner.invoke(main, ["simple-pages", "clear"])
    assert result.exit_code == 0, result.output
    assert not page.exists()
