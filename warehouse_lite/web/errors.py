"""Error responses for API clients: the message is in the reason phrase *and* the body.

twine prints the reason phrase; uv reads a JSON body. Browsers get a small HTML page.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pyramid.httpexceptions import status_map
from pyramid.response import Response

if TYPE_CHECKING:
    from pyramid.request import Request


def _reason(message: str) -> str:
    # A reason phrase is one line of printable ASCII.
    flat = " ".join(message.split())
    return flat.encode("ascii", "replace").decode("ascii")[:1000]


def wants_json(request: Request) -> bool:
    """True when the client asked for JSON by name and prefers it (uv does; twine does not)."""
    offers = request.accept.acceptable_offers(["text/html", "text/plain", "application/json"])
    return bool(offers) and offers[0][0] == "application/json" and "json" in str(request.accept)


def api_error(request: Request, status: int, message: str, *, code: str | None = None) -> Response:
    """A response with ``status`` whose reason phrase and body both carry ``message``."""
    exc_class = status_map[status]
    status_line = f"{status} {_reason(message)}"
    response = Response(status=status_line)
    if wants_json(request):
        response.content_type = "application/json"
        # As Pyramid's (and so Warehouse's) JSON errors: "code" is the whole status line, and
        # it is what `uv publish` prints.
        response.text = json.dumps(
            {
                "message": message,
                "code": code or status_line,
                "title": exc_class.title,
                "status": status,
            }
        )
    else:
        response.content_type = "text/plain"
        response.text = f"{status} {exc_class.title}\n\n{message}\n"
    return response


def server_fault(
    request: Request, status: int, message: str, *, retry_after: int | None = None
) -> Response:
    """An ``api_error`` for a fault of the server or of a service it needs (5xx): never
    cached, with Retry-After when trying again in ``retry_after`` seconds may succeed."""
    response = api_error(request, status, message)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response
