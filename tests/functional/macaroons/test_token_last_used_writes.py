"""Recording a token's last use costs nothing while the recorded time is still fresh."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator

from sqlalchemy import event

from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from tests.functional.macaroons.uploads import basic, upload
from warehouse_lite.macaroons.models import Macaroon


@contextlib.contextmanager
def statements_on(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _token_writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE MACAROONS")]


def test_a_fresh_last_use_is_not_written_again(app, db, engine) -> None:
    raw, row = mint_token(db, UserFactory(username="owner"))
    headers = basic("__token__", raw)

    with statements_on(engine) as first:
        assert upload(app, "alpha", headers).status_code == 200
    with statements_on(engine) as second:
        assert upload(app, "alpha", headers, version="1.1").status_code == 200

    assert len(_token_writes(first)) == 1
    assert _token_writes(second) == []
    db.expire_all()
    assert db.get(Macaroon, row.id).last_used is not None


def test_a_stale_last_use_is_written(app, db, engine) -> None:
    raw, row = mint_token(db, UserFactory(username="owner"))
    row.last_used = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    db.flush()

    with statements_on(engine) as statements:
        assert upload(app, "alpha", basic("__token__", raw)).status_code == 200

    assert len(_token_writes(statements)) == 1
    db.expire_all()
    recorded = db.get(Macaroon, row.id).last_used
    assert recorded > datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
