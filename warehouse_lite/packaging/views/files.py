"""/packages/<path>: distribution files and their PEP 658 metadata.

Only files whose row committed are served (an object in storage without a row is invisible).
WebOb does HTTP Range and If-None-Match for us because the response is conditional and its
body is a seekable FileIter; uv fetches wheel metadata with range requests.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select
from webob.static import FileIter

from warehouse_lite.packaging.models import File
from warehouse_lite.packaging.storage import METADATA_SUFFIX, IFileStorage

if TYPE_CHECKING:
    from pyramid.request import Request

log = logging.getLogger(__name__)

# Files never change under a name (names are never reused), so caches may keep them.
IMMUTABLE = "public, max-age=31536000, immutable"


def content_type_for(path: str) -> str:
    """The media type of a distribution file (never a Content-Encoding: a .tar.gz is sent
    as the gzip file it is, not decompressed by the client)."""
    if path.endswith(METADATA_SUFFIX):
        return "text/plain"
    if path.endswith((".tar.gz", ".tgz")):
        return "application/gzip"
    if path.endswith((".whl", ".zip")):
        return "application/zip"
    return "application/octet-stream"


@view_config(route_name="packaging.file", request_method="GET")
def serve_file(request: Request) -> Response:
    path = request.matchdict["path"]
    candidates = [path]
    if path.endswith(METADATA_SUFFIX):
        candidates.append(path.removesuffix(METADATA_SUFFIX))
    file = request.db.scalar(select(File).where(File.path.in_(candidates)).limit(1))
    if file is None:
        raise HTTPNotFound("No such file.")
    if file.path == path:
        etag, size = file.sha256_digest, file.size
    elif file.metadata_sha256:
        etag, size = file.metadata_sha256, None
    else:
        raise HTTPNotFound("This file has no separate metadata (PEP 658).")
    storage = request.find_service(IFileStorage)
    try:
        handle = storage.open(path)
    except FileNotFoundError:
        log.error("file %s has a row but no stored object", path)
        raise HTTPNotFound("The file is missing from storage.") from None
    if size is None:
        size = os.fstat(handle.fileno()).st_size if hasattr(handle, "fileno") else None
    response = Response(
        app_iter=FileIter(handle),
        content_type=content_type_for(path),
        charset="utf-8" if path.endswith(METADATA_SUFFIX) else None,
        conditional_response=True,
    )
    response.content_length = size
    response.etag = etag
    response.last_modified = file.upload_time
    response.cache_control = IMMUTABLE
    response.accept_ranges = "bytes"
    return response
