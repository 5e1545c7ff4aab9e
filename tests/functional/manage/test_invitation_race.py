"""Two accepts of one invitation at the same time, on PostgreSQL (two connections, really
concurrent): exactly one role is made; the second accept waits for the first, then finds
nothing to accept instead of failing on the unique constraint. (SQLite serialises writers
with BEGIN IMMEDIATE, so the race cannot happen there.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.common.db import backend
from tests.common.pg_race import commit_once_the_other_waits
from warehouse_lite.accounts.models import User
from warehouse_lite.db import utcnow
from warehouse_lite.packaging.invitations import InvitationNotFound, InvitationService
from warehouse_lite.packaging.models import Project, Role, RoleName

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="a PostgreSQL race (WAREHOUSE_TEST_DATABASE)"
)


@pytest.fixture
def invited(engine: Engine) -> Iterator[dict[str, Any]]:
    """Committed rows (the other connections must see them): an owner, an invitee, a project
    and a pending invitation; deleted afterwards."""
    suffix = uuid.uuid4().hex[:8]
    with Session(engine) as db, db.begin():
        owner = User(username=f"race-owner-{suffix}", password="x")
        invitee = User(username=f"race-invitee-{suffix}", password="x")
        project = Project(name=f"race-{suffix}", normalized_name=f"race-{suffix}")
        project.roles.append(Role(user=owner, role_name=RoleName.OWNER))
        db.add_all([owner, invitee, project])
        db.flush()
        invitation = InvitationService(db, 3600).invite(
            project, invitee, RoleName.MAINTAINER, owner, now=utcnow()
        )
        ids = {"invitation": invitation.id, "invitee": invitee.id, "project": project.id}
        users = [owner.id, invitee.id]
    yield ids
    with Session(engine) as db, db.begin():
        db.execute(delete(Project).where(Project.id == ids["project"]))
        db.execute(delete(User).where(User.id.in_(users)))


def test_two_concurrent_accepts_make_one_role(engine: Engine, invited: dict[str, Any]) -> None:
    first = Session(engine)
    second = Session(engine)
    outcome: dict[str, Any] = {}

    def accept_in_second() -> None:
        try:
            user = second.get(User, invited["invitee"])
            outcome["role"] = InvitationService(second, 3600).accept(invited["invitation"], user)
            second.commit()
        except Exception as exc:  # the outcome is what the test checks
            outcome["error"] = exc
            second.rollback()

    try:
        user = first.get(User, invited["invitee"])
        role = InvitationService(first, 3600).accept(invited["invitation"], user)
        assert role.role_name == RoleName.MAINTAINER
        # Do not commit until the second accept is really waiting for the first one's lock.
        commit_once_the_other_waits(engine, first, second, accept_in_second)
    finally:
        first.close()
        second.close()

    assert "role" not in outcome
    assert isinstance(outcome["error"], InvitationNotFound), outcome
    with Session(engine) as db:
        roles = db.scalar(
            select(func.count())
            .select_from(Role)
            .where(Role.project_id == invited["project"], Role.user_id == invited["invitee"])
        )
    assert roles == 1
