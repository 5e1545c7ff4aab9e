"""Issuing an upload token: the one path the token page and `warehouse-lite token create`
share, so that a token made either way is minted, recorded and announced alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse_lite.macaroons import notify
from warehouse_lite.macaroons.services import MacaroonService

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.macaroons.forms import CreateMacaroonForm
    from warehouse_lite.macaroons.models import Macaroon


def issue_upload_token(
    request: Request, user: User, form: CreateMacaroonForm
) -> tuple[str, Macaroon]:
    """Mint the token a validated token form describes (MacaroonService.create_upload_token),
    add the security-history events and queue the "token added" email; returns (plaintext
    token, row).

    ``request`` is a web request or the CLI's prepared one (admin.cli.admin_request): the
    events and the email are written in its transaction and the email leaves only when it
    commits. Raises DuplicateDescription when ``user`` already has a token so described.
    """
    raw, macaroon = request.find_service(MacaroonService).create_upload_token(
        location=request.settings.domain,
        user=user,
        description=form.description.data,
        projects=form.selected_projects,
        expires=form.expires_at,
    )
    notify.token_created(request, macaroon)
    return raw, macaroon
