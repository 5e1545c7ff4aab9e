"""Two revocations of one token at the same time, on PostgreSQL (two connections, really
concurrent): the second waits for the first's lock, then finds the row gone and records
nothing, so the owner gets one event and one email. (SQLite serialises writers, so the race
cannot happen there.)"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.common.db import backend
from tests.common.macaroon_factories import mint_token
from warehouse_lite.accounts.models import User
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import MacaroonService

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="a PostgreSQL race (WAREHOUSE_TEST_DATABASE)"
)


@pytest.fixture
def token_id(engine: Engine) -> Iterator[uuid.UUID]:
    """A committed token (the other connection must see it); its owner deleted afterwards."""
    with Session(engine) as db, db.begin():
        user = User(username=f"race-token-{uuid.uuid4().hex[:8]}", password="x")
        db.add(user)
        db.flush()
        _raw, row = mint_token(db, user)
        ids = (row.id, user.id)
    yield ids[0]
    with Session(engine) as db, db.begin():
        db.execute(delete(User).where(User.id == ids[1]))


def _waiting_on_a_lock(engine: Engine, pid: int) -> bool:
    with engine.connect() as conn:
        wait = conn.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
    return wait == "Lock"


def test_the_second_of_two_concurrent_deletes_finds_nothing(
    engine: Engine, token_id: uuid.UUID
) -> None:
    first, second = Session(engine), Session(engine)
    outcome: dict[str, Any] = {}
    second_pid = second.connection().connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
    # Both requests loaded the token before either deleted it.
    rows = first.get(Macaroon, token_id), second.get(Macaroon, token_id)

    def delete_in_second() -> None:
        outcome["deleted"] = MacaroonService(second).delete_macaroon(rows[1])
        second.commit()

    try:
        assert MacaroonService(first).delete_macaroon(rows[0]) is True
        thread = threading.Thread(target=delete_in_second)
        thread.start()
        for _ in range(3000):
            if _waiting_on_a_lock(engine, second_pid) or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        assert thread.is_alive() and _waiting_on_a_lock(engine, second_pid)
        first.commit()
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    assert outcome == {"deleted": False}
