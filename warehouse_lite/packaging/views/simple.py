"""/simple/ and /simple/<name>/: the index pip and uv install from (negotiation, cache keys
and the cached responses are simple_http.py's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from pyramid.httpexceptions import HTTPMovedPermanently, HTTPNotFound, HTTPPermanentRedirect
from pyramid.view import view_config
from sqlalchemy import select

from warehouse_lite.packaging import simple_render
from warehouse_lite.packaging.models import Project
from warehouse_lite.packaging.simple_http import (
    V1_JSON,
    cached_page,
    detail_key,
    index_key,
    index_state,
    index_state_statement,
    negotiate,
    not_acceptable,
    page_response,
)
from warehouse_lite.packaging.static_pages import publish_page

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response


@view_config(route_name="simple.index", request_method="GET")
def simple_index(request: Request) -> Response:
    content_type = negotiate(request)
    if content_type is None:
        return not_acceptable(request)
    state = index_state(request.db.execute(index_state_statement()).one())
    serial = state[0]
    prefix = request.route_path("simple.index")

    def render() -> bytes:
        projects = simple_render.load_index(request.db)
        if content_type == V1_JSON:
            return simple_render.index_json(projects, serial)
        return simple_render.index_html(projects, prefix)

    page = cached_page(request, index_key(state, content_type, prefix), content_type, render)
    publish_page(request, None, page, state, serial)
    return page_response(request, page, serial)


@view_config(route_name="simple.index.noslash", request_method="GET")
def simple_index_noslash(request: Request) -> Response:
    """/simple → /simple/ with 308, as pypi.org answers: mirrors (bandersnatch's simple mode)
    ask for the index without the slash; unlike a 301, a 308 may not turn a request into a GET."""
    return HTTPPermanentRedirect(location=request.route_path("simple.index", _query=request.GET))


@view_config(route_name="simple.detail.noslash", request_method="GET")
def simple_detail_noslash(request: Request) -> Response:
    """/simple/<name> (no slash) → the canonical /simple/<normalized>/, as PyPI does."""
    normalized = canonicalize_name(request.matchdict["name"])
    return HTTPMovedPermanently(
        location=request.route_path("simple.detail", name=normalized, _query=request.GET)
    )


@view_config(route_name="simple.detail", request_method="GET")
def simple_detail(request: Request) -> Response:
    name = request.matchdict["name"]
    normalized = canonicalize_name(name)
    if name != normalized:
        return HTTPMovedPermanently(
            location=request.route_path("simple.detail", name=normalized, _query=request.GET)
        )
    content_type = negotiate(request)
    if content_type is None:
        return not_acceptable(request)
    project = request.db.scalar(select(Project).where(Project.normalized_name == normalized))
    if project is None:
        raise HTTPNotFound(f"No project named {name!r} on this index.")
    files_prefix = request.route_path("packaging.file", path="")

    def render() -> bytes:
        files, versions = simple_render.load_project_files(request.db, project, files_prefix)
        data = simple_render.SimpleProject(
            project.name, project.normalized_name, project.last_serial, files, versions
        )
        if content_type == V1_JSON:
            return simple_render.project_json(data)
        return simple_render.project_html(data)

    key = detail_key(project.id, project.last_serial, content_type, files_prefix)
    page = cached_page(request, key, content_type, render)
    publish_page(request, normalized, page, (project.id, project.last_serial), project.last_serial)
    return page_response(request, page, project.last_serial)
