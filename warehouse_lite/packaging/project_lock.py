"""The row lock every change to a project takes before it writes (uploads, management).

``SELECT ... FOR NO KEY UPDATE OF projects`` on PostgreSQL (SQLite serialises writers with
BEGIN IMMEDIATE anyway): changes to one project queue for each other, so each reads the
project as the previous one committed it, and the journal ids they take (which become
``last_serial``) grow in commit order; mirrors and the published simple pages rely on
that. NO KEY: rows that merely reference the project (a token's project links being deleted
at revocation) do not wait on it, which could deadlock with the token lock. OF projects:
joined rows (the roles) are not locked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse_lite.packaging.models import Project

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def for_change(query: Any) -> Any:
    """``query`` (selecting projects) locking the rows it returns until the end of the
    transaction, and reloading them as committed now."""
    return query.with_for_update(key_share=True, of=Project).execution_options(
        populate_existing=True
    )


def lock_project(db: Session, project: Project) -> Project | None:
    """Lock ``project``'s row and reload it with its roles; None if it was deleted since it
    was read."""
    query = select(Project).options(joinedload(Project.roles)).where(Project.id == project.id)
    locked: Project | None = db.scalars(for_change(query)).unique().one_or_none()
    return locked
