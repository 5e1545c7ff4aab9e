"""Refuse NUL bytes in the URL, query string and web forms before any view runs.

PostgreSQL cannot store or even compare a string containing NUL, so such a value reaching a
query is a driver error (a 500) wherever it lands. No legitimate URL or form field carries one,
so the request is refused up front with a 400 that says why. Uploads are checked field by field
by the upload API itself (its own messages name the field).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warehouse_lite.web.errors import api_error

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UPLOAD_PATH_PREFIX = "/legacy"


def _offending_part(request: Request) -> str | None:
    if "\x00" in request.path_info:
        return "URL"
    if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
        return "query string"
    if (
        request.method == "POST"
        and request.content_type in FORM_TYPES
        and not request.path_info.startswith(UPLOAD_PATH_PREFIX)
    ):
        for key, value in request.POST.items():
            if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                return "form data"
    return None


def input_guard_tween_factory(handler: Any, registry: Any) -> Any:
    def tween(request: Request) -> Response:
        part = _offending_part(request)
        if part is not None:
            return api_error(request, 400, f"Bad request: the {part} contains a NUL byte.")
        return handler(request)

    return tween
