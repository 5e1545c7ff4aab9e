"""The `warehouse-lite` command, run in-process with a real SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from warehouse_lite.accounts.models import User
from warehouse_lite.cli import main
from warehouse_lite.settings import get_settings


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


def _serve(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Any, Any]:
    """Run `serve` up to the point where waitress would take over; what it would serve."""
    import waitress

    from warehouse_lite import background

    served: dict[str, Any] = {}

    def record(app: Any, **options: Any) -> None:
        served.update(app=app, **options)

    monkeypatch.setattr(waitress, "serve", record)
    # The outbox sender's thread would outlive the test: record that serve starts it instead.
    monkeypatch.setattr(background, "start", lambda *a: served.update(background=True))
    result = runner.invoke(main, ["serve", *args])
    assert result.exit_code == 0, result.output
    assert served["background"]
    return result, served


def test_serve_makes_its_address_the_site_url(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    result, served = _serve(runner, monkeypatch, "--host", "127.0.0.1", "--port", "7001")
    assert (served["host"], served["port"]) == ("127.0.0.1", 7001)
    assert get_settings(served["app"].registry).site_url == "http://localhost:7001"
    assert result.stdout.splitlines()[0] == "warehouse_lite (development) on http://localhost:7001/"
    assert "http://localhost:7001/_dev/mail/" in result.stdout
    assert result.stderr == ""

    result, served = _serve(runner, monkeypatch, "--host", "192.0.2.7", "--port", "7002")
    assert get_settings(served["app"].registry).site_url == "http://192.0.2.7:7002"
    result, served = _serve(runner, monkeypatch, "--host", "0.0.0.0", "--port", "7003")  # noqa: S104
    assert get_settings(served["app"].registry).site_url == "http://localhost:7003"
    assert "listening on every interface" in result.stderr


def test_serve_keeps_an_explicit_site_url_and_says_so(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("SITE_URL", "http://localhost:6543")
    result, served = _serve(runner, monkeypatch, "--port", "7004")
    assert get_settings(served["app"].registry).site_url == "http://localhost:6543"
    assert "on http://localhost:6543/" in result.stdout
    assert "SITE_URL=http://localhost:6543 is not this server (http://localhost:7004)" in (
        result.stderr
    )
    # Outside development, SITE_URL is never derived from the listening address.
    monkeypatch.delenv("SITE_URL")
    monkeypatch.setenv("WAREHOUSE_ENV", "test")
    _, served = _serve(runner, monkeypatch, "--port", "7005")
    assert get_settings(served["app"].registry).site_url == "http://localhost:6543"


def test_starting_prints_no_warning() -> None:
    """Importing the app and the command (what every start does) writes nothing to stderr:
    Pyramid's pkg_resources deprecation warning is filtered, and only that one."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    started = subprocess.run(
        [sys.executable, "-c", "import warehouse_lite.cli, warehouse_lite.config"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    assert started.stderr == ""
    # The filter is narrow: the same warning raised from another module is still shown.
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "import warehouse_lite, warnings; warnings.warn_explicit("
            "'pkg_resources is deprecated as an API', UserWarning, 'other.py', 1, module='other')",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "pkg_resources is deprecated as an API" in other.stderr
