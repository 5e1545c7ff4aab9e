"""Two revocations of one token at the same time, on PostgreSQL (two connections, really
concurrent): the second waits for the first's lock, then finds the row gone and records
nothing, so the owner gets one event and one email. (SQLite serialises writers, so the race
cannot happen there.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.common.db import backend
from tests.common.macaroon_factories import mint_token
from tests.common.pg_race import commit_once_the_other_waits
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


def test_the_second_of_two_concurrent_deletes_finds_nothing(
    engine: Engine, token_id: uuid.UUID
) -> None:
    first, second = Session(engine), Session(engine)
    outcome: dict[str, Any] = {}
    # Both requests loaded the token before either deleted it.
    rows = first.get(Macaroon, token_id), second.get(Macaroon, token_id)

    def delete_in_second() -> None:
        outcome["deleted"] = MacaroonService(second).delete_macaroon(rows[1])
        second.commit()

    try:
        assert MacaroonService(first).delete_macaroon(rows[0]) is True
        commit_once_the_other_waits(engine, first, second, delete_in_second)
    finally:
        first.close()
        second.close()
    assert outcome == {"deleted": False}
