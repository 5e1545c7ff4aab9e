"""Counting the SQL statements a piece of code runs (query-count tests, never timings)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event

# The Accept header pip sends for the simple API.
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)


@contextlib.contextmanager
def recorded_statements(engine: Any, keep: Callable[[str], bool]) -> Iterator[list[str]]:
    """Collects the statements run on ``engine`` for which ``keep(statement)`` is true."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if keep(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _is_savepoint_bookkeeping(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))


def count_queries(engine: Any) -> contextlib.AbstractContextManager[list[str]]:
    """Collects the statements run on ``engine`` (savepoint bookkeeping of the test's
    rolled-back transaction left out)."""
    return recorded_statements(engine, lambda s: not _is_savepoint_bookkeeping(s))


def savepoints_opened(engine: Any) -> contextlib.AbstractContextManager[list[str]]:
    """Collects the SAVEPOINT statements run on ``engine`` (which count_queries leaves out)."""
    return recorded_statements(engine, lambda s: s.lstrip().upper().startswith("SAVEPOINT"))
