"""The legacy upload API at /legacy/ (what twine, uv and flit talk to)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.httpexceptions import HTTPPermanentRedirect
from pyramid.view import exception_view_config, view_config

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.upload import file_upload
from warehouse_lite.packaging.presenters import human_size
from warehouse_lite.web.errors import api_error

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

# Room for the metadata fields around the file in the multipart body.
FORM_OVERHEAD = 16 * 1024 * 1024

GONE = {
    "submit": (
        "Project pre-registration is no longer required or supported: upload your files "
        "instead (the first upload creates the project)."
    ),
    "submit_pkg_info": "Project pre-registration is no longer supported: upload your files.",
    "doc_upload": (
        "Uploading documentation is no longer supported; host your documentation elsewhere, "
        "e.g. on Read the Docs."
    ),
}


@view_config(route_name="forklift.legacy", request_method="POST", require_csrf=False)
def legacy_upload(request: Request) -> Response:
    """Dispatch on ``:action``; only ``file_upload`` still does something."""
    max_size = request.settings.max_file_size
    if (request.content_length or 0) > max_size + FORM_OVERHEAD:
        # Refuse before parsing a body far larger than any allowed file.
        raise UploadError(f"File too large: the limit is {human_size(max_size)} per file.", 413)
    try:
        post = request.POST
    except (ValueError, UnicodeDecodeError, OSError):
        # WebOb/cgi give up on a malformed body (e.g. multipart without a boundary).
        raise UploadError("The request body is not a valid multipart/form-data upload.") from None
    action = post.get(":action")
    if action == "file_upload":
        return file_upload(request)
    if action in GONE:
        raise UploadError(GONE[action], status=410)
    raise UploadError(
        f"Unknown :action {action!r}: send :action=file_upload."
        if action
        else "Missing :action: send :action=file_upload with the file and its metadata."
    )


@view_config(route_name="forklift.legacy.noslash", require_csrf=False)
def legacy_noslash(request: Request) -> HTTPPermanentRedirect:
    """/legacy -> /legacy/ with 308, so that clients repeat the POST there."""
    return HTTPPermanentRedirect(location=request.route_url("forklift.legacy"))


@exception_view_config(UploadError)
def upload_error(exc: UploadError, request: Request) -> Response:
    return api_error(request, exc.status, exc.message)
