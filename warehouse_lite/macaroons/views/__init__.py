"""The API token pages: the token page of an account (tokens.py) and the leaked-token report
endpoint (disclosure.py); below, the pieces other domains' pages embed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warehouse_lite.macaroons.services import MacaroonService

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.macaroons.models import Macaroon
    from warehouse_lite.packaging.models import Project


def account_panel(request: Request) -> dict[str, Any]:
    """The API tokens section of /manage/account/."""
    return {"macaroons": request.find_service(MacaroonService).macaroons_for_user(request.user)}


def tokens_for_project(request: Request, project: Project) -> list[Macaroon]:
    """Project-scoped tokens of ``project`` (any collaborator's), for its owners' manage page."""
    return request.find_service(MacaroonService).macaroons_for_project(project)
