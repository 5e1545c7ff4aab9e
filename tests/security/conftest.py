"""Security suite: fixtures of the functional tests (the real app over webtest), a populated
world, and the figures each test proves (printed again in the terminal summary)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.common import figures
from tests.common.uploads import override_settings, storage_dir  # noqa: F401
from tests.functional.conftest import app, outbox, wsgi_app  # noqa: F401
from tests.security.world import World, build_world


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    return lambda line: figures.record(request.node.nodeid, line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures.summary(terminalreporter, "tests/security", "security figures")


@pytest.fixture
def world(app: Any, db: Any, storage_dir: Any) -> World:  # noqa: F811
    return build_world(app, db)
