"""End-to-end fixtures: a real server stack per test session (see servers.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.servers import LiveServer

E2E_DATABASE = os.environ.get(
    "WAREHOUSE_E2E_DATABASE", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """nginx → gunicorn (2 workers) on PostgreSQL + its own Redis, a Celery worker, SMTP on
    loopback: the production shape of docs/deployment.md, publishing simple pages."""
    from tests.common.db import throwaway_database_url

    work_dir = Path(tmp_path_factory.mktemp("live"))
    with (
        throwaway_database_url(work_dir, server=E2E_DATABASE) as db_url,
        LiveServer(db_url, work_dir, proxy=True).running() as server,
    ):
        yield server


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian (never a downloaded one), through playwright."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # No background traffic: nothing here may reach beyond the machine.
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    server = item.funcargs.get("live_server") if hasattr(item, "funcargs") else None
    if report.failed and server is not None:
        report.sections.append(("live server logs", server.logs()))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
