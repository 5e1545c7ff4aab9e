"""`make stack` as a developer runs it: the documented command starts gunicorn, a Celery worker
and an SMTP sink from dev/stack.env; the home page answers, a registration's email reaches the
sink through the worker, and stopping the command stops every process it started.

Ports, the database and Redis are moved through the environment (bin/dev-stack keeps variables
already set), so the test neither needs nor disturbs a stack a developer may be running.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.e2e.servers import free_port, start_redis, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("PG_TEST", "postgresql://postgres@127.0.0.1:5432/postgres")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _group_members(group: int) -> list[str]:
    found = subprocess.run(["pgrep", "-a", "-g", str(group)], capture_output=True, text=True)
    return found.stdout.splitlines()


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    proc, url = start_redis(tmp_path)
    yield url
    proc.stop()


@pytest.fixture
def database_url() -> Iterator[str]:
    name = f"wl_stack_{uuid.uuid4().hex[:10]}"
    yield f"{PG_ADMIN.rpartition('/')[0]}/{name}"
    admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_make_stack_starts_mails_and_stops(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    web_port, smtp_port = free_port(), free_port()
    site = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "WEB_PORT": str(web_port),
        "SMTP_PORT": str(smtp_port),
        "SITE_URL": site,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),
        "FILES_DIR": str(tmp_path / "files"),
    }
    log = tmp_path / "stack.log"
    with log.open("wb") as out:
        # start_new_session: the test can signal the whole group as a terminal's Ctrl-C would.
        make = subprocess.Popen(
            ["make", "stack"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_port(web_port, timeout=120, process=make)
        wait_for_port(smtp_port, timeout=30, process=make)
        browser = requests.Session()
        home = browser.get(f"{site}/", timeout=120)
        assert home.status_code == 200, home.text[:500]

        page = browser.get(f"{site}/account/register/", timeout=120)
        address = f"stack-{uuid.uuid4().hex[:8]}@example.org"
        registered = browser.post(
            f"{site}/account/register/",
            data={
                "csrf_token": _csrf(page.text),
                "username": address.partition("@")[0],
                "full_name": "Stack Smoke",
                "email": address,
                "new_password": "a long stack password",
                "password_confirm": "a long stack password",
            },
            timeout=120,
        )
        assert registered.status_code == 200, registered.text[:2000]

        # aiosmtpd's Debugging handler prints each message it receives; bin/dev-stack prefixes
        # the sink's lines with [mail]. The worker delivers after the registration commits.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            printed = log.read_text(errors="replace")
            if re.search(rf"\[mail\] .*To: .*{re.escape(address)}", printed):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"no email to {address} reached the SMTP sink:\n{printed[-4000:]}")
        assert re.search(r"\[mail\] .*Subject: .*[Vv]erify", printed), printed[-4000:]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGINT)
        try:
            make.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            raise
    # Stopped means stopped: nothing of the stack still listens or runs in its group.
    assert not _listening(web_port) and not _listening(smtp_port), log.read_text()[-4000:]
    # Output filters and Celery's pool children may take a moment after make itself returns.
    deadline = time.monotonic() + 30
    while leftover := _group_members(make.pid):
        if time.monotonic() > deadline:
            pytest.fail(f"still running after the stack stopped: {leftover}")
        time.sleep(0.2)


def test_stack_env_reads_the_same_in_bash(tmp_path: Path) -> None:
    """dev/stack.env is sourced by bash and read by Docker Compose: every value must survive
    bash unchanged (no word splitting, redirections or subshells)."""
    dump = subprocess.run(
        ["bash", "-c", "set -euo pipefail; set -a; . dev/stack.env; env"],
        cwd=ROOT, capture_output=True, text=True, env={"PATH": os.environ["PATH"]},
    )  # fmt: skip
    assert dump.returncode == 0, dump.stderr
    values = dict(line.split("=", 1) for line in dump.stdout.splitlines() if "=" in line)
    assert values["SITE_NAME"] == "warehouse_lite (dev stack)"
    assert values["MAIL_FROM"] == "warehouse_lite <noreply@localhost>"
