"""Authorization contexts for packaging views: route factories and NewProject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from pyramid.authorization import Allow, Authenticated
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select

from warehouse_lite.authnz import Permissions
from warehouse_lite.packaging.models import Project

if TYPE_CHECKING:
    from pyramid.request import Request


@dataclass(frozen=True)
class NewProject:
    """A project that does not exist yet: any authenticated uploader may create it (the
    auth method's own checks, e.g. a token's project caveats, may still refuse)."""

    name: str
    normalized_name: str

    @property
    def __acl__(self) -> list[tuple[str, str, Permissions]]:
        return [(Allow, Authenticated, Permissions.PROJECTS_UPLOAD)]


def project_factory(request: Request) -> Project:
    """Route factory: the Project named in the URL (``name`` or ``project_name``), matched by
    its PEP 503 normalized name; 404 with a message when there is none.

    Its ``__acl__`` (roles) then decides who may read, upload or manage.
    """
    name = request.matchdict.get("project_name") or request.matchdict.get("name") or ""
    project = request.db.scalar(
        select(Project).where(Project.normalized_name == canonicalize_name(name))
    )
    if project is None:
        raise HTTPNotFound(f"There is no project named '{name}'.")
    return project
