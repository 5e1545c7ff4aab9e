"""What happens around a token's life: security-history events and emails to its owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warehouse_lite.email import send_email
from warehouse_lite.events import record_event, record_project_event

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.macaroons.models import Macaroon


def _details(macaroon: Macaroon) -> dict[str, Any]:
    return {
        "macaroon_id": str(macaroon.id),
        "description": macaroon.description,
        "scope": macaroon.scope_summary,
    }


def token_created(request: Request, macaroon: Macaroon) -> None:
    """Events (user, and each project of a project-scoped token) and the 'created' email."""
    details = _details(macaroon)
    if macaroon.expires is not None:
        details["expires"] = macaroon.expires.isoformat()
    record_event(request, macaroon.user, "account:api_token:added", **details)
    for project in macaroon.projects:
        record_project_event(
            request,
            project,
            "project:api_token:added",
            created_by=macaroon.user.username,
            **details,
        )
    send_email(
        request,
        "api-token-created",
        macaroon.user,
        context={"macaroon": macaroon, "manage_url": request.route_url("manage.account.token")},
    )


def token_removed(
    request: Request, macaroon: Macaroon, *, leak: dict[str, str] | None = None
) -> None:
    """Events and email for a token removed by its owner, or revoked after a leak report
    (``leak``: where it was found). Call before the row is deleted."""
    details = _details(macaroon)
    suffix = "removed" if leak is None else "removed_leak"
    if leak is not None:
        details.update(leak)
    record_event(request, macaroon.user, f"account:api_token:{suffix}", **details)
    for project in macaroon.projects:
        record_project_event(
            request,
            project,
            f"project:api_token:{suffix}",
            owner=macaroon.user.username,
            **details,
        )
    send_email(
        request,
        "api-token-removed" if leak is None else "api-token-leaked",
        macaroon.user,
        context={
            "macaroon": macaroon,
            "leak": leak or {},
            "manage_url": request.route_url("manage.account.token"),
        },
    )
