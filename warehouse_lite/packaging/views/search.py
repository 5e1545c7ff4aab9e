"""/search/?q=: projects whose name or summary contains the words typed, paginated."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.models import Project
from warehouse_lite.packaging.queries import search_matches

if TYPE_CHECKING:
    from pyramid.request import Request

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
# Pages past this are refused: 20,000 results is more than anyone pages through, and a huge
# page number would overflow the OFFSET (SQLite OverflowError, PostgreSQL bigint range).
MAX_PAGE = 1000


def _page_number(request: Request) -> int:
    raw = request.params.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        page = 0
    if page < 1:
        raise HTTPBadRequest(f"The page number must be a positive whole number, not '{raw}'.")
    if page > MAX_PAGE:
        raise HTTPBadRequest(
            f"The page number can be at most {MAX_PAGE}: narrow the search with more words."
        )
    return page


@view_config(route_name="search", renderer="packaging/search.html", request_method=("GET", "HEAD"))
def search(request: Request) -> dict[str, Any]:
    query = " ".join(request.params.get("q", "").split())[:MAX_QUERY_LENGTH]
    page = _page_number(request)
    context: dict[str, Any] = {"query": query, "page": page, "results": [], "total": 0, "pages": 0}
    if not query:
        return context
    where = search_matches(query)
    total = request.db.scalar(select(func.count()).select_from(Project).where(where)) or 0
    # An exact name match first, then alphabetical.
    exact = case((Project.normalized_name == canonicalize_name(query), 0), else_=1)
    projects = request.db.scalars(
        select(Project)
        .where(where)
        .order_by(exact, Project.normalized_name)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .options(selectinload(Project.releases))
    )
    context.update(
        total=total,
        pages=math.ceil(total / PAGE_SIZE),
        results=[(p, presenters.latest_release(p.releases)) for p in projects],
    )
    return context
