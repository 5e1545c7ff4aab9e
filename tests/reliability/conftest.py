"""Reliability tests: concurrency and faults against real servers, hostile input, backups.

The server tests share one PostgreSQL cluster of their own (tests may restart it) and one
LiveServer with 4 gunicorn workers on it. Every test prints the figure it proves; the terminal
summary repeats them (see tests/common/figures.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.common import figures
from tests.common.uploads import override_settings, storage_dir  # noqa: F401
from tests.e2e.servers import LiveServer
from tests.functional.conftest import app, outbox, wsgi_app  # noqa: F401
from tests.reliability.live import dispose_engines
from tests.reliability.pgcluster import PostgresCluster
from tests.security.world import World, build_world


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Call with the line this test proves, e.g. "uploads raced: 16, files lost: 0"."""
    return lambda line: figures.record(request.node.nodeid, line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures.summary(terminalreporter, "tests/reliability", "reliability figures")


@pytest.fixture
def world(app: Any, db: Any, storage_dir: Any) -> World:  # noqa: F811
    """The security suite's populated site and credentials (see tests/security/world.py)."""
    return build_world(app, db)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A private PostgreSQL cluster; commit timestamps on, so tests can order commits."""
    try:
        cluster = PostgresCluster(settings={"track_commit_timestamp": "on"})
    except RuntimeError as exc:
        pytest.skip(str(exc))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def live(
    pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """gunicorn with 4 workers on the private cluster, its own Redis, Celery and SMTP."""
    work_dir = Path(tmp_path_factory.mktemp("reliability-live"))
    try:
        with LiveServer(pg_cluster.create_database(), work_dir, workers=4).running() as server:
            yield server
    finally:
        dispose_engines()


@pytest.fixture(scope="session")
def live_behind_nginx(
    pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """nginx → gunicorn (4 workers) on the private cluster, publishing simple pages: the
    production shape of docs/deployment.md, for the races that go through nginx."""
    work_dir = Path(tmp_path_factory.mktemp("reliability-nginx"))
    db_url = pg_cluster.create_database()
    with LiveServer(db_url, work_dir, workers=4, proxy=True).running() as server:
        yield server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    funcargs = item.funcargs if hasattr(item, "funcargs") else {}
    server = funcargs.get("live") or funcargs.get("live_behind_nginx")
    if report.failed and server is not None:
        report.sections.append(("live server logs", server.logs()))
