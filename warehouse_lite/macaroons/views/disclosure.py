"""POST /_/secrets/disclose-token: verify the reporter's signature, revoke leaked tokens
(the report format and its signature: macaroons/disclosure.py)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from pyramid.view import view_config

from warehouse_lite.events.actor import Actor
from warehouse_lite.macaroons.disclosure import (
    MAX_BODY_BYTES,
    DisclosureError,
    KeySource,
    Report,
    parse_reports,
    verify_signature,
)
from warehouse_lite.macaroons.services import InvalidMacaroon, LeakReported, MacaroonService
from warehouse_lite.web.errors import api_error

if TYPE_CHECKING:
    from pyramid.request import Request


def _revoke(request: Request, report: Report) -> bool:
    """Revoke the reported token if it is one of ours with a valid signature."""
    service = request.find_service(MacaroonService)
    try:
        # The signature must check out: a "report" of a forged token that merely carries a
        # real token's identifier must not let anyone revoke that token.
        verified = service.authenticate(report.token)
    except InvalidMacaroon:
        return False
    cause = LeakReported(public_url=report.url, source=report.source or "an external report")
    return service.revoke(verified.macaroon, cause, Actor.from_request(request))


@view_config(
    route_name="secrets.disclose-token",
    request_method="POST",
    require_csrf=False,
    renderer="json",
)
def disclose_token(request: Request) -> Any:
    body = request.body_file.read(MAX_BODY_BYTES + 1)
    try:
        if len(body) > MAX_BODY_BYTES:
            raise DisclosureError(413, "The report is too large.")
        verify_signature(request.find_service(KeySource), body, request.headers)
        reports = parse_reports(body)
    except DisclosureError as exc:
        return api_error(request, exc.status, exc.message)
    results = []
    for report in reports:
        revoked = _revoke(request, report)
        results.append(
            {
                "token_hash": hashlib.sha256(report.token.encode("utf-8", "replace")).hexdigest(),
                "token_type": report.type,
                "label": "true_positive" if revoked else "false_positive",
            }
        )
    return results
