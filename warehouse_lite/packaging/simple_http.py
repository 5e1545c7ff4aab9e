"""The HTTP side of the simple index that its view (views/simple.py), the fast path
(simple_fast.py), the JSON API and the nginx config (ops/nginx_config.py) share.

The response format follows the Accept header (PEP 691), or ?format=<type>; pages are
cached in-process by (project, last serial, format), carry an ETag (conditional GET answers
304), a short Cache-Control and X-PyPI-Last-Serial.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from pyramid.response import Response
from sqlalchemy import func, select

from warehouse_lite.packaging.cache import CachedPage, PageCache
from warehouse_lite.packaging.models import JournalEntry, Project
from warehouse_lite.web.errors import api_error

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.settings import Settings

HTML = "text/html"
V1_HTML = "application/vnd.pypi.simple.v1+html"
V1_JSON = "application/vnd.pypi.simple.v1+json"

# What a client may ask for -> what we send. The order breaks ties in the Accept header: a
# client that accepts anything (*/*, or no header) gets the classic HTML page.
OFFERS: dict[str, str] = {
    HTML: HTML,
    V1_JSON: V1_JSON,
    V1_HTML: V1_HTML,
    "application/vnd.pypi.simple.latest+json": V1_JSON,
    "application/vnd.pypi.simple.latest+html": V1_HTML,
}


def negotiate(request: Request) -> str | None:
    """The content type to answer with, or None when nothing acceptable is offered."""
    wanted = request.GET.get("format")
    if wanted:
        return OFFERS.get(wanted)
    offers = request.accept.acceptable_offers(list(OFFERS))
    return OFFERS[offers[0][0]] if offers else None


def not_acceptable(request: Request) -> Response:
    response = api_error(
        request,
        406,
        "No acceptable content type: this index serves "
        + ", ".join(sorted(set(OFFERS)))
        + " (choose with the Accept header or ?format=).",
    )
    response.vary = ("Accept",)
    return response


def index_state_statement() -> Any:
    """(newest journal id, number of projects, sum of their last serials): what /simple/ is
    cached and published under (also read by simple_fast).

    Journal ids are handed out when rows are written, not in commit order, so the newest id can
    stay the same while a change that took an older id commits. Every committed change raises
    its project's last_serial, and so the sum; a new or removed project changes the count.
    """
    return select(
        func.max(JournalEntry.id),
        select(func.count(Project.id)).scalar_subquery(),
        # No literal in the statement: simple_fast runs it compiled, without parameters.
        select(func.sum(Project.last_serial)).scalar_subquery(),
    )


def index_state(row: Any) -> tuple[int, int, int]:
    return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)) if row else (0, 0, 0)


def index_key(state: tuple[int, int, int], content_type: str, prefix: str) -> Hashable:
    """Cache key of /simple/ rendered at ``state`` (see index_state_statement)."""
    return ("simple-index", *state, content_type, prefix)


def detail_key(project_id: Hashable, serial: int, content_type: str, files_prefix: str) -> Hashable:
    """Cache key of a project's page rendered at ``serial`` (also used by simple_fast)."""
    return ("simple", project_id, serial, content_type, files_prefix)


def page_cache(request: Request) -> PageCache:
    cache: PageCache = request.find_service(PageCache)
    return cache


def cached_page(
    request: Request, key: Hashable, content_type: str, render: Callable[[], bytes]
) -> CachedPage:
    """The page for ``key`` from the cache, rendering (and storing) it on a miss."""
    cache = page_cache(request)
    page = cache.get(key)
    if page is None:
        body = render()
        page = CachedPage(body, hashlib.sha256(body).hexdigest()[:40], content_type)
        cache.put(key, page)
    return page


def page_response(request: Request, page: CachedPage, serial: int) -> Response:
    """A cacheable response; WebOb answers If-None-Match with 304 from the ETag."""
    settings: Settings = request.settings
    content_type = page.content_type
    response = Response(
        body=page.body,
        content_type=content_type,
        charset="utf-8" if content_type.endswith("html") else None,
        conditional_response=True,
    )
    response.etag = page.etag
    response.vary = ("Accept",)
    response.cache_control = f"max-age={settings.simple_cache_seconds}, public"
    response.headers["X-PyPI-Last-Serial"] = str(serial)
    return response
