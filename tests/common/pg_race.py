"""Two transactions really at once on PostgreSQL: the first holds what it locked while the
second is started in a thread, and commits only once the second is waiting for its lock."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


def waiting_on_a_lock(engine: Engine, pid: int) -> bool:
    with engine.connect() as conn:
        wait = conn.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
    return wait == "Lock"


def backend_pid(session: Session) -> int:
    return int(session.connection().connection.dbapi_connection.info.backend_pid)  # type: ignore[union-attr]


def commit_once_the_other_waits(
    engine: Engine, first: Session, second: Session, in_second: Callable[[], None]
) -> None:
    """Run ``in_second`` in a thread on ``second``; commit ``first`` once that thread waits for
    one of ``first``'s locks (asserting that it does), then wait for the thread to end."""
    pid = backend_pid(second)
    thread = threading.Thread(target=in_second)
    thread.start()
    for _ in range(3000):
        if waiting_on_a_lock(engine, pid) or not thread.is_alive():
            break
        threading.Event().wait(0.01)
    assert thread.is_alive() and waiting_on_a_lock(engine, pid)
    first.commit()
    thread.join(timeout=60)
    assert not thread.is_alive()
