"""How many SQL statements an upload runs (a query-count guard, never a timing).

Uploads authenticate with an account-wide API token, as CI (and `make bench`) does. The
statements are counted on the app's engine (count_queries leaves savepoint bookkeeping out;
the savepoints an upload opens are counted separately). Every upload takes the same path
through the code, so the counts are exact: a change that adds a statement to every upload
shows up here.
"""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import func, select

from tests.common.dists import Dist, make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.queries import count_queries, savepoints_opened
from tests.common.uploads import upload
from tests.functional.macaroons.uploads import basic
from warehouse_lite.packaging.models import File, JournalEntry, Project

# Statements of one upload, by what it adds. Shared by every case: the token (advisory lock
# on PostgreSQL, then the token with its user and emails), the project with its roles, and one
# look-up for a file with this name or content (or a reservation of the name). The journal
# entries of an upload go out in one INSERT on PostgreSQL; SQLite gets one INSERT per entry
# (SQLAlchemy cannot match a batch's ROWIDs to its rows there), so a new project (4 entries)
# and a new release (2) cost more on SQLite. The project gets one UPDATE per upload (its new
# serial and size).
NEW_PROJECT = {"postgresql": 11, "sqlite": 14}
NEW_RELEASE = {"postgresql": 12, "sqlite": 13}
NEW_FILE = {"postgresql": 10, "sqlite": 10}
SAME_FILE_AGAIN = {"postgresql": 3, "sqlite": 3}
# Savepoints an upload opens inside its transaction: only creating a project needs one (two
# first uploads of one name race on its unique key); file rows use ON CONFLICT DO NOTHING.
SAVEPOINTS = {"new project": 0, "new release": 0, "new file": 0, "same file again": 0}


@pytest.fixture
def token_auth(db) -> dict[str, str]:
    raw, row = mint_token(db, UserFactory(username="alice"))
    # A token in use (as in CI): its last use is recent, so no upload rewrites it.
    row.last_used = datetime.datetime.now(datetime.UTC)
    db.flush()
    return basic("__token__", raw)


def _counted(app, engine, dist: Dist, auth: dict[str, str]) -> list[str]:
    with count_queries(engine) as statements:
        response = upload(app, dist, auth=auth)
    assert response.status_code == 200, response.text
    return statements


def _without_advisory_lock(statements: list[str], engine) -> int:
    # The token's advisory lock exists on PostgreSQL only (SQLite serialises transactions).
    if engine.dialect.name == "postgresql":
        locks = [s for s in statements if "pg_advisory_xact_lock_shared" in s]
        assert len(locks) == 1, statements
        return len(statements) - 1
    return len(statements)


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("new project", NEW_PROJECT),
        ("new release", NEW_RELEASE),
        ("new file", NEW_FILE),
        ("same file again", SAME_FILE_AGAIN),
    ],
)
def test_statements_per_upload(
    app, db, engine, token_auth, step: str, expected: dict[str, int]
) -> None:
    wheel = make_wheel("sample", "1.0")
    # Each step uploads after the ones before it: a new project, a second release of it, an
    # sdist joining that release, then the first wheel once more (200, nothing changes).
    steps: dict[str, Dist] = {
        "new project": wheel,
        "new release": make_wheel("sample", "2.0"),
        "new file": make_sdist("sample", "2.0"),
        "same file again": wheel,
    }
    order = list(steps)
    for earlier in order[: order.index(step)]:
        _counted(app, engine, steps[earlier], token_auth)

    with savepoints_opened(engine) as savepoints:
        statements = _counted(app, engine, steps[step], token_auth)

    count = _without_advisory_lock(statements, engine)
    assert count == expected[engine.dialect.name], "\n".join(statements)
    # The test's own transaction turns the request's transaction into one more savepoint.
    assert len(savepoints) - 1 == SAVEPOINTS[step], savepoints


def test_counted_uploads_leave_the_expected_rows(app, db, engine, token_auth) -> None:
    """The counts above are of uploads that really did everything (not of refusals)."""
    for dist in (make_wheel("sample", "1.0"), make_wheel("sample", "2.0")):
        _counted(app, engine, dist, token_auth)
    _counted(app, engine, make_sdist("sample", "2.0"), token_auth)
    db.expire_all()
    project = db.scalar(select(Project).where(Project.normalized_name == "sample"))
    assert db.scalar(select(func.count()).select_from(File)) == 3
    newest = db.scalar(select(func.max(JournalEntry.id)))
    assert project.last_serial == newest
    assert project.total_size == sum(f.size for f in db.scalars(select(File)))
