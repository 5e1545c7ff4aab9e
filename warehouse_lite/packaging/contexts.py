"""Authorization contexts for packaging views that are not a Project row."""

from __future__ import annotations

from dataclasses import dataclass

from pyramid.authorization import Allow, Authenticated

from warehouse_lite.authnz import Permissions


@dataclass(frozen=True)
class NewProject:
    """A project that does not exist yet: any authenticated uploader may create it (the
    auth method's own checks, e.g. a token's project caveats, may still refuse)."""

    name: str
    normalized_name: str

    @property
    def __acl__(self) -> list[tuple[str, str, Permissions]]:
        return [(Allow, Authenticated, Permissions.PROJECTS_UPLOAD)]
