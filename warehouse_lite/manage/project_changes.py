"""Kept only for admin/services.py's remove_project, until it calls ProjectService.delete
(issue 14); delete this module then. Everything else that was here is ProjectService's
(packaging/services.py) and manage/views/base.py's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from warehouse_lite.email import Mailer
from warehouse_lite.packaging.emails import send_to_each
from warehouse_lite.packaging.services import ProjectService

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project


def project_owners(request: Request, project: Project) -> list[User]:
    return request.find_service(ProjectService).owners(project)


def email_owners(
    request: Request, owners: Iterable[User], email: str, context: dict[str, Any]
) -> None:
    send_to_each(request.find_service(Mailer), owners, email, context)
