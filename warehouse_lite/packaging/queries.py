"""Read-only look-ups of packaging rows that the views share with other domains (admin's
search, manage's release pages, XML-RPC): kept out of views/ so nothing imports a view module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.utils import canonicalize_version
from sqlalchemy import case, or_, select
from sqlalchemy.orm import selectinload

from warehouse_lite.accounts.models import User
from warehouse_lite.packaging.models import Project, Release, Role, RoleName

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement


def escape_like(text: str) -> str:
    """``text`` for use inside a LIKE pattern with ESCAPE '\\': % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_matches(query: str) -> ColumnElement[bool]:
    """Projects whose name, or the summary of one of their releases, contains ``query``
    (case-insensitive; % and _ in it are literal)."""
    pattern = f"%{escape_like(query)}%"
    in_summary = (
        select(Release.id)
        .where(Release.project_id == Project.id, Release.summary.ilike(pattern, escape="\\"))
        .exists()
    )
    return or_(Project.name.ilike(pattern, escape="\\"), in_summary)


def recent_releases(db: Session, limit: int = 20) -> list[Release]:
    """The newest releases of the whole index, for the home page."""
    query = (
        select(Release)
        .options(selectinload(Release.project))
        .order_by(Release.created.desc())
        .limit(limit)
    )
    return list(db.scalars(query))


def find_release(project: Project, version: str) -> Release | None:
    """The release of ``project`` whose version is ``version`` exactly or in canonical form
    ("1.0" finds "1.0.0"; "v1.0" finds "1.0")."""
    wanted = {
        version,
        canonicalize_version(version),
        canonicalize_version(version, strip_trailing_zero=False),
    }
    exact = [r for r in project.releases if r.version == version]
    if exact:
        return exact[0]
    return next(
        (r for r in project.releases if r.canonical_version in wanted or r.version in wanted),
        None,
    )


def project_roles(db: Session, project_id: uuid.UUID) -> list[tuple[str, str]]:
    """(role, username) of a project's collaborators: owners first, then by username (the
    order of PyPI's JSON ``ownership`` and of XML-RPC ``package_roles``)."""
    owners_first = case((Role.role_name == RoleName.OWNER, 0), else_=1)
    rows = db.execute(
        select(Role.role_name, User.username)
        .join(User, User.id == Role.user_id)
        .where(Role.project_id == project_id)
        .order_by(owners_first, User.username)
    )
    return [(str(role), username) for role, username in rows]
