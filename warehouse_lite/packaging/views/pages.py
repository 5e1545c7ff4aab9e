"""Public pages: the home page's recent uploads, /project/<name>/ and /project/<name>/<v>/."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPMovedPermanently, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.models import Project, Release, Role
from warehouse_lite.packaging.queries import find_release, recent_releases

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request


@view_config(route_name="index", renderer="index.html")
def index(request: Request) -> dict[str, Any]:
    return {"recent_releases": recent_releases(request.db)}


def _canonical_redirect(request: Request, project: Project, version: str | None) -> Any:
    # The normalized name is the one canonical spelling of a project's URL (as on /simple/).
    name = request.matchdict["name"]
    if name == project.normalized_name and (
        version is None or version == request.matchdict.get("version")
    ):
        return None
    if version is None:
        return HTTPMovedPermanently(
            request.route_path("packaging.project", name=project.normalized_name)
        )
    return HTTPMovedPermanently(
        request.route_path("packaging.release", name=project.normalized_name, version=version)
    )


def _page(request: Request, project: Project, release: Release | None) -> dict[str, Any]:
    releases = presenters.sorted_releases(project.releases)
    roles = request.db.scalars(
        select(Role).where(Role.project_id == project.id).options(selectinload(Role.user))
    )
    context: dict[str, Any] = {
        "project": project,
        "release": release,
        "releases": releases,
        "latest": presenters.latest_release(releases),
        "maintainers": sorted(
            (role.user for role in roles), key=lambda user: user.username.lower()
        ),
    }
    if release is not None:
        context.update(
            description=presenters.description_html(release),
            links=presenters.project_links(release),
            classifiers=presenters.classifier_groups(release.classifiers),
            files=sorted(release.files, key=lambda f: (f.packagetype != "sdist", f.filename)),
            human_size=presenters.human_size,
        )
    return context


def _show(request: Request, project: Project, release: Release | None, version: str | None) -> Any:
    """The page of ``release`` (``version`` the one in the URL, None for the project's page),
    or the redirect to its canonical URL."""
    redirect = _canonical_redirect(request, project, version)
    if redirect is not None:
        return redirect
    return _page(request, project, release)


_PAGE = {
    "context": Project,
    "renderer": "packaging/project.html",
    "request_method": ("GET", "HEAD"),
}


@view_config(route_name="packaging.project", **_PAGE)
def project_detail(project: Project, request: Request) -> Any:
    return _show(request, project, presenters.latest_release(project.releases), None)


@view_config(route_name="packaging.release", **_PAGE)
def release_detail(project: Project, request: Request) -> Any:
    version = request.matchdict["version"]
    release = find_release(project, version)
    if release is None:
        raise HTTPNotFound(f"{project.name} has no release with version '{version}'.")
    return _show(request, project, release, release.version)


def includeme(config: Configurator) -> None:
    config.scan("warehouse_lite.packaging.views.pages")
    config.scan("warehouse_lite.packaging.views.search")
